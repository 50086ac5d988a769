import { z } from 'zod';
import { parseDurationSeconds } from './units.js';

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

/**
 * A duration (`"60s"`, `"5m"`, `"14d"`, or seconds as a number) converted to seconds within [min, max]; the
 * message says what was wrong and what to write instead. Units in names: fields using it end in `Seconds`
 * once parsed.
 */
export function durationSeconds(minSeconds: number, maxSeconds: number) {
  return z.unknown().transform((value, ctx) => {
    const fix = `write a duration between ${minSeconds}s and ${maxSeconds}s, like 60s or 5m`;
    let seconds: number;
    if (typeof value === 'number') {
      seconds = value;
    } else if (typeof value === 'string') {
      try {
        seconds = parseDurationSeconds(value, 'duration');
      } catch (error) {
        ctx.issues.push({ code: 'custom', input: value, message: (error as Error).message.replace(/^duration: /, '') });
        return z.NEVER;
      }
    } else {
      const problem = value === undefined ? 'required' : `${describeValue(value)} is not a duration`;
      ctx.issues.push({ code: 'custom', input: value, message: `${problem}; ${fix}` });
      return z.NEVER;
    }
    if (!(Number.isFinite(seconds) && seconds >= minSeconds && seconds <= maxSeconds)) {
      ctx.issues.push({ code: 'custom', input: value, message: `${JSON.stringify(value)} is out of range; ${fix}` });
      return z.NEVER;
    }
    return seconds;
  });
}

/**
 * Turns every zod issue into `<dotted.path>: <problem>` lines, so a user sees all that is wrong at once
 * and where (the KEDA typed-config habit). `prefix` names the document, e.g. a file or a dataset.
 */
export function formatIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((issue) => {
      const path = dottedPath(issue.path);
      return `${prefix && path !== '(root)' ? `${prefix}.${path}` : prefix || path}: ${issue.message}`;
    })
    .join('\n');
}
