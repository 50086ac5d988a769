import { isObject, type JsonObject } from './patch.js';
import { badRequest } from './status.js';

/** A parsed selector: true when an object matches. */
export type Selector = (object: JsonObject) => boolean;

const matchAll: Selector = () => true;

function splitTerms(text: string): string[] {
  // Commas inside `in (a,b)` do not separate terms.
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else current += char;
  }
  if (current.trim() !== '') terms.push(current.trim());
  return terms;
}

function labelsOf(object: JsonObject): Record<string, string> {
  const metadata = object.metadata;
  return isObject(metadata) && isObject(metadata.labels) ? (metadata.labels as Record<string, string>) : {};
}

/** `labelSelector`: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, comma = AND; 400 otherwise. */
export function parseLabelSelector(text: string | null): Selector {
  if (text === null || text.trim() === '') return matchAll;
  const tests = splitTerms(text).map((term): Selector => {
    const set = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (set !== null) {
      const values = set[3].split(',').map((value) => value.trim());
      const [, key, op] = set;
      return (object) => {
        const labels = labelsOf(object);
        return op === 'in'
          ? key in labels && values.includes(labels[key])
          : !(key in labels && values.includes(labels[key]));
      };
    }
    const equality = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(term);
    if (equality !== null) {
      const [, key, op, value] = equality;
      return (object) => (op === '!=' ? labelsOf(object)[key] !== value : labelsOf(object)[key] === value);
    }
    const exists = /^(!?)([\w./-]+)$/.exec(term);
    if (exists !== null) return (object) => exists[2] in labelsOf(object) !== (exists[1] === '!');
    throw badRequest(`unable to parse requirement: found '${term}', expected: in, notin, =, ==, !=, gt, lt`);
  });
  return (object) => tests.every((test) => test(object));
}

/** `fieldSelector` on `metadata.name` / `metadata.namespace` with `=`, `==`, `!=`; other fields are a 400. */
export function parseFieldSelector(text: string | null): Selector {
  if (text === null || text.trim() === '') return matchAll;
  const tests = splitTerms(text).map((term): Selector => {
    const match = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (match === null) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const [, field, op, value] = match;
    if (field !== 'metadata.name' && field !== 'metadata.namespace') {
      throw badRequest(`"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
    }
    const key = field.slice('metadata.'.length);
    return (object) => {
      const actual = (object.metadata as JsonObject)[key] ?? '';
      return op === '!=' ? actual !== value : actual === value;
    };
  });
  return (object) => tests.every((test) => test(object));
}
