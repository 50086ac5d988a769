/**
 * Where a JSON text stops being JSON, for the error a user sees. `JSON.parse` stays the judge of validity and the
 * parser of values, but V8 leaves the position out of some of its messages (`Unexpected token ']', "[1,]" is not
 * valid JSON`, `Unexpected end of JSON input`), and a user with a 2,000-line file needs a line and a column.
 */

/** Where a JSON syntax error is: 0-based `offset`, 1-based `line` and `column`; `atEnd` when the text ends early. */
export interface JsonSyntaxError {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  readonly atEnd: boolean;
}

/** Thrown inside the scan to unwind to `jsonSyntaxError` from any depth. */
class Stop {
  constructor(readonly offset: number) {}
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isHexDigit = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/**
 * The first character of `text` that no JSON document (RFC 8259) could have there, or the end of the text when it
 * ends early; undefined when the text is JSON. The offset is the one V8 reports where it reports one.
 */
export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const stop = (): never => {
    throw new Stop(i);
  };
  const skipSpace = () => {
    while (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r') i++;
  };
  const expect = (char: string) => {
    if (text[i] !== char) stop();
    i++;
  };
  const digits = () => {
    if (!isDigit(text[i])) stop();
    while (isDigit(text[i])) i++;
  };
  const string = () => {
    expect('"');
    for (;;) {
      const char = text[i];
      if (char === undefined || char < ' ') stop();
      i++;
      if (char === '"') return;
      if (char !== '\\') continue;
      if (text[i] === 'u') {
        i++;
        for (let k = 0; k < 4; k++) {
          if (!isHexDigit(text[i])) stop();
          i++;
        }
      } else if (text[i] !== undefined && '"\\/bfnrt'.includes(text[i])) i++;
      else stop();
    }
  };
  const number = () => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const members = (close: string, member: () => void) => {
    i++;
    skipSpace();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      member();
      skipSpace();
      if (text[i] !== ',') break;
      i++;
    }
    expect(close);
  };
  const value = (): void => {
    skipSpace();
    const char = text[i];
    if (char === '{') {
      members('}', () => {
        skipSpace();
        string();
        skipSpace();
        expect(':');
        value();
      });
    } else if (char === '[') members(']', value);
    else if (char === '"') string();
    else if (char === '-' || isDigit(char)) number();
    else if (char === 't') for (const letter of 'true') expect(letter);
    else if (char === 'f') for (const letter of 'false') expect(letter);
    else if (char === 'n') for (const letter of 'null') expect(letter);
    else stop();
  };
  try {
    value();
    skipSpace();
    if (i < text.length) stop();
    return undefined;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    const before = text.slice(0, error.offset);
    const lineStart = before.lastIndexOf('\n') + 1;
    return {
      offset: error.offset,
      line: before.split('\n').length,
      column: error.offset - lineStart + 1,
      atEnd: error.offset >= text.length,
    };
  }
}
