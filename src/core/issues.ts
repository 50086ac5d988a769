import { z } from 'zod';

/**
 * How every configuration problem reaches a user: one dotted path, one message map that puts zod's issues in
 * Prescale's words (`<problem>; <fix>`), one expansion of unknown keys. Every document a user hands Prescale
 * (plan request, service config, simulator config, `PredictiveAutoscaler`, `hpa-step` input, datasets file)
 * and every file or answer it reads back (saved models, scalers, Prometheus responses) reports through here,
 * so a field reads the same wherever it appears and no raw zod message gets through. In core so that the
 * lower layers (collector, preprocessor, models) can use it too.
 */

/** One problem: where (dotted path from the document root, `[i]` for list items) and `<problem>; <fix>`. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** A parse that reports every problem at once (the KEDA typed-config habit) instead of throwing at the first. */
export type IssuesOr<T> =
  | { readonly success: true; readonly data: T }
  | { readonly success: false; readonly issues: readonly ConfigIssue[] };

/**
 * A zod issue path as users write it: `policy.planner.scaleUp.period`, `workloads[0].spec.model`;
 * `(root)` for the document itself. Every schema's messages use it, so paths read the same everywhere.
 */
export function dottedPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text === '' ? '(root)' : text;
}

/** A value as a message names it: `"30x"`, `null`, `a list`, `an object`, `nothing`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** zod's type names as a person says them. */
const TYPE_WORDS: Readonly<Record<string, string>> = {
  int: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean (true or false)',
  array: 'a list',
  object: 'an object',
  record: 'an object',
  literal: 'a fixed value',
};

const typeWord = (expected: string) => TYPE_WORDS[expected] ?? `a ${expected}`;
const quoted = (values: readonly unknown[]) => values.map((value) => JSON.stringify(value)).join(', ');

/**
 * zod's issues in Prescale's words: what is wrong and how to fix it. Passed to every `safeParse`; a schema's
 * own message (a regex's, a custom rule's) takes precedence. Total over zod's issue codes, so no raw zod
 * message ("Invalid input: expected …") ever reaches a user.
 */
export function problemAndFix(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = typeWord(issue.expected);
      if (issue.input === undefined) return `required; give ${expected}`;
      return `expected ${expected}, got ${describeValue(issue.input)}; give ${expected}`;
    }
    case 'too_small': {
      const minimum = Number(issue.minimum);
      if (issue.origin === 'array' || issue.origin === 'set') {
        return `has ${(issue.input as { length?: number; size?: number }).length ?? 0} items; give at least ${minimum}`;
      }
      if (issue.origin === 'string') {
        return minimum <= 1 ? 'is empty; give a value' : `is shorter than ${minimum} characters; give a longer value`;
      }
      return issue.inclusive
        ? `${describeValue(issue.input)} is below the minimum ${minimum}; use a value ≥ ${minimum}`
        : `${describeValue(issue.input)} must be above ${minimum}; use a value > ${minimum}`;
    }
    case 'too_big': {
      const maximum = Number(issue.maximum);
      if (issue.origin === 'array' || issue.origin === 'set') return `has too many items; give at most ${maximum}`;
      if (issue.origin === 'string') return `is longer than ${maximum} characters; shorten it`;
      return issue.inclusive
        ? `${describeValue(issue.input)} is above the maximum ${maximum}; use a value ≤ ${maximum}`
        : `${describeValue(issue.input)} must be below ${maximum}; use a value < ${maximum}`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `${describeValue(issue.input)} is not ${quoted(issue.values)}; write ${quoted(issue.values)} or leave it out`
        : `${describeValue(issue.input)} is not one of ${quoted(issue.values)}; use one of them`;
    case 'invalid_format':
      if (issue.format === 'url') return `${describeValue(issue.input)} is not a URL; write it like http://host:9090`;
      return `${describeValue(issue.input)} is not a valid ${issue.format}; fix its spelling`;
    case 'not_multiple_of':
      return `${describeValue(issue.input)} is not a multiple of ${String(issue.divisor)}; use a multiple of it`;
    case 'unrecognized_keys': {
      const shape = (issue.inst as { shape?: Record<string, unknown> } | undefined)?.shape;
      const known = shape ? `; known fields here: ${Object.keys(shape).join(', ')}` : '';
      return `unknown field; remove it or fix its spelling${known}`;
    }
    case 'invalid_union': {
      if (issue.note === 'No matching discriminator') {
        const value = (issue.input as Record<string, unknown> | undefined)?.[String(issue.discriminator)];
        const options = quoted((issue.options as unknown[] | undefined) ?? []);
        return `${String(issue.discriminator)} ${value === undefined ? 'is required' : `${describeValue(value)} is not known`}; use one of ${options}`;
      }
      const expected = issue.errors.flatMap((branch) =>
        branch.flatMap((sub) => (sub.code === 'invalid_type' && sub.path.length === 0 ? [sub.expected] : [])),
      );
      const words = [...new Set(expected)].map(typeWord).join(' or ');
      if (issue.input === undefined) return `required; give ${words || 'a value'}`;
      return words === ''
        ? `${describeValue(issue.input)} matches none of the allowed forms; see the field's documentation`
        : `expected ${words}, got ${describeValue(issue.input)}; give ${words}`;
    }
    case 'invalid_key':
      return `has a key that is not allowed (${describeValue(issue.input)}); rename or remove it`;
    case 'invalid_element':
      return `has an element that is not allowed (${describeValue(issue.input)}); fix or remove it`;
    default:
      return `${describeValue(issue.input)} is not valid here; see the field's documentation`;
  }
}

/** zod's issues as `ConfigIssue`s under `at`; an unknown-keys issue becomes one issue per key, at that key. */
function listIssues(error: z.ZodError, at: readonly PropertyKey[] = []): ConfigIssue[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: dottedPath([...at, ...issue.path, key]), message: issue.message }))
      : [{ path: dottedPath([...at, ...issue.path]), message: issue.message }],
  );
}

/** Parses with Prescale's message map, collecting every issue (paths under `at`) instead of throwing. */
export function safeParseWithIssues<T extends z.ZodType>(
  schema: T,
  json: unknown,
  at: readonly PropertyKey[] = [],
): IssuesOr<z.output<T>> {
  const result = schema.safeParse(json, { error: problemAndFix });
  return result.success
    ? { success: true, data: result.data }
    : { success: false, issues: listIssues(result.error, at) };
}

/** One line per issue, `<prefix><path>: <message>`: how a thrown `invalid-input` error lists them. */
export function issueLines(issues: readonly ConfigIssue[], prefix = ''): string {
  return issues.map((issue) => `${prefix}${issue.path}: ${issue.message}`).join('\n');
}

function startsWith(path: readonly PropertyKey[], prefix: readonly PropertyKey[]): boolean {
  return prefix.every((key, i) => path[i] === key);
}

/**
 * A cross-field rule for a schema's `.check()`. zod skips refinements once any field of the object failed,
 * which would hide `minReplicas: 12 > maxReplicas: 10` behind an unrelated typo; a rule instead runs whenever
 * the fields it `reads` (paths relative to the object) parsed, so one run reports every problem. Only the
 * fields in `reads` may be used as parsed; `parsed(path)` tells whether another part (a list item) parsed.
 */
export function rule<T>(
  reads: readonly (readonly PropertyKey[])[],
  check: (
    value: T,
    report: (path: readonly PropertyKey[], message: string) => void,
    parsed: (path: readonly PropertyKey[]) => boolean,
  ) => void,
) {
  // zod calls `when` with the object's issues just before the check, in the same synchronous parse.
  let issues: readonly { readonly path?: readonly PropertyKey[]; readonly code?: string }[] = [];
  // A path failed when an issue lies inside it, or at an enclosing value that is itself wrong (a list where an
  // object belongs); an unknown key beside it does not make it unreadable.
  const failedAt = (path: readonly PropertyKey[]) =>
    issues.some(
      (issue) =>
        startsWith(issue.path ?? [], path) ||
        (issue.code !== 'unrecognized_keys' && startsWith(path, issue.path ?? [])),
    );
  return z.superRefine<T>(
    (value, ctx) =>
      check(
        value,
        (path, message) => ctx.addIssue({ code: 'custom', path: [...path], message, input: value }),
        (path) => !failedAt(path),
      ),
    {
      when: (payload) => {
        issues = [...payload.issues];
        const objectFailed = issues.some(
          (issue) => (issue.path ?? []).length === 0 && issue.code !== 'unrecognized_keys',
        );
        return typeof payload.value === 'object' && payload.value !== null && !objectFailed && !reads.some(failedAt);
      },
    },
  );
}
