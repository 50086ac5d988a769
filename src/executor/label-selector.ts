import { PrescaleError } from '../core/index.js';

/** One requirement of a Kubernetes label selector (`labels.Requirement`). */
export type LabelRequirement =
  | { readonly key: string; readonly op: 'in' | 'notin'; readonly values: readonly string[] }
  | { readonly key: string; readonly op: 'exists' | 'doesnotexist' };

/** A parsed selector: every requirement must hold (an empty selector matches everything). */
export type LabelSelector = readonly LabelRequirement[];

const keyPattern = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const valuePattern = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?$/;

/**
 * Parses the `labelSelector` query parameter the HPA sends (the string form of `metric.selector`, as
 * `labels.Selector.String()` writes it): `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
 * joined by commas. Throws `invalid-input` naming `labelSelector` and the bad part.
 */
export function parseLabelSelector(text: string): LabelSelector {
  const requirements: LabelRequirement[] = [];
  for (const part of splitTopLevel(text)) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    requirements.push(parseRequirement(trimmed));
  }
  return requirements;
}

/** Does a label set satisfy every requirement? `!=` and `notin` match a missing key, as in Kubernetes. */
export function matchesSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  return selector.every((r) => {
    const value = Object.hasOwn(labels, r.key) ? labels[r.key] : undefined;
    if (!('values' in r)) return r.op === 'exists' ? value !== undefined : value === undefined;
    const listed = value !== undefined && r.values.includes(value);
    return r.op === 'in' ? listed : !listed;
  });
}

/** Splits on commas outside parentheses (`a in (x,y),b=c` → two parts). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function fail(part: string, problem: string): never {
  throw new PrescaleError(
    'invalid-input',
    `labelSelector: "${part}" ${problem}; write requirements like workload=web, workload in (web,api), !canary`,
    { field: 'labelSelector' },
  );
}

function checkKey(key: string, part: string): string {
  if (!keyPattern.test(key)) fail(part, `has an invalid label key "${key}"`);
  return key;
}

function checkValue(value: string, part: string): string {
  if (value.length > 63 || !valuePattern.test(value)) fail(part, `has an invalid label value "${value}"`);
  return value;
}

function parseRequirement(part: string): LabelRequirement {
  if (part.startsWith('!')) return { key: checkKey(part.slice(1).trim(), part), op: 'doesnotexist' };
  const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (setMatch !== null) {
    const [, key, op, list] = setMatch;
    const values = list
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '')
      .map((v) => checkValue(v, part));
    if (values.length === 0) fail(part, 'has an empty value list');
    return { key: checkKey(key, part), op: op as 'in' | 'notin', values };
  }
  const equality = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
  if (equality !== null) {
    const [, key, op, value] = equality;
    return { key: checkKey(key, part), op: op === '!=' ? 'notin' : 'in', values: [checkValue(value.trim(), part)] };
  }
  return { key: checkKey(part, part), op: 'exists' };
}
