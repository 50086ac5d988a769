import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { jsonSyntaxError } from './json-syntax.js';

/** V8's own verdict: undefined when it parses, else its message. */
function v8Verdict(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const rows: { name: string; input: string; want: { offset: number; line: number; column: number; atEnd: boolean } }[] =
  [
    { name: 'a trailing comma in a list', input: '[1,]', want: { offset: 3, line: 1, column: 4, atEnd: false } },
    { name: 'a misspelt literal', input: '{"a":tru}', want: { offset: 8, line: 1, column: 9, atEnd: false } },
    { name: 'a cut-off document', input: '{"metadata":', want: { offset: 12, line: 1, column: 13, atEnd: true } },
    { name: 'an empty file', input: '', want: { offset: 0, line: 1, column: 1, atEnd: true } },
    { name: 'single quotes', input: "{'a':1}", want: { offset: 1, line: 1, column: 2, atEnd: false } },
    { name: 'a second document', input: '{"a":1}}', want: { offset: 7, line: 1, column: 8, atEnd: false } },
    { name: 'a double comma on line 2', input: '[1,\n  2,,3]', want: { offset: 8, line: 2, column: 5, atEnd: false } },
    { name: 'a leading zero', input: '01', want: { offset: 1, line: 1, column: 2, atEnd: false } },
    { name: 'a raw tab inside a string', input: '"a\tb"', want: { offset: 2, line: 1, column: 3, atEnd: false } },
    { name: 'a bad escape', input: '"\\x"', want: { offset: 2, line: 1, column: 3, atEnd: false } },
    { name: 'a byte-order mark', input: '\uFEFF{}', want: { offset: 0, line: 1, column: 1, atEnd: false } },
  ];

for (const row of rows) {
  test(`jsonSyntaxError: ${row.name}`, () => {
    assert.notEqual(v8Verdict(row.input), undefined, 'V8 must refuse the row too');
    assert.deepEqual(jsonSyntaxError(row.input), row.want);
  });
}

test('jsonSyntaxError: nothing for JSON, whitespace and escapes included', () => {
  for (const text of [' {"a": [1, -2.5e+3, true, false, null, "\\u00e9\\n"]}\r\n', '0', '"x"', '[]', '{}']) {
    assert.equal(jsonSyntaxError(text), undefined, text);
  }
});

test('jsonSyntaxError agrees with V8 on every text, valid or damaged, and on the position V8 names', () => {
  // Real JSON with one character deleted, replaced or inserted: the typos a hand-edited file has.
  const damaged = fc
    .tuple(fc.json(), fc.nat(), fc.constantFrom('delete', 'replace', 'insert'), fc.constantFrom(...'{}[]",:0-. eatx\n'))
    .map(([json, at, edit, char]) => {
      const i = json.length === 0 ? 0 : at % json.length;
      if (edit === 'delete') return json.slice(0, i) + json.slice(i + 1);
      return json.slice(0, i) + char + json.slice(edit === 'replace' ? i + 1 : i);
    });
  fc.assert(
    fc.property(fc.oneof(fc.json(), damaged), (text) => {
      const v8 = v8Verdict(text);
      const found = jsonSyntaxError(text);
      assert.equal(found === undefined, v8 === undefined, `${JSON.stringify(text)}: V8 says ${v8}`);
      const position = /at position (\d+) \(line (\d+) column (\d+)\)/.exec(v8 ?? '');
      if (position !== null) {
        assert.deepEqual([found?.offset, found?.line, found?.column], position.slice(1).map(Number), text);
      }
      if (v8?.startsWith('Unexpected end of JSON input')) assert.equal(found?.atEnd, true, text);
    }),
    { numRuns: 2000 },
  );
});
