import { z } from 'zod';
import { describeValue } from '../core/issues.js';
import { formatDurationSeconds, readDurationSeconds } from '../core/units.js';

/** Durations a hint may offer as examples, in seconds; a field's hint shows the first two inside its range. */
const EXAMPLE_SECONDS = [30, 60, 300, 3600, 86_400, 14 * 86_400];

/** How to write a duration for a field accepting [min, max] seconds; every example is inside the range. */
export function durationFix(minSeconds: number, maxSeconds: number): string {
  const inside = EXAMPLE_SECONDS.filter((seconds) => seconds >= minSeconds && seconds <= maxSeconds).slice(0, 2);
  const examples = (inside.length > 0 ? inside : [minSeconds, maxSeconds]).map(formatDurationSeconds);
  return `write a duration between ${formatDurationSeconds(minSeconds)} and ${formatDurationSeconds(maxSeconds)}, like ${examples.join(' or ')}`;
}

/**
 * A config field holding a duration (`"60s"`, `"5m"`, `"14d"`, or seconds as a number), parsed to seconds
 * within [min, max]. Units in names: fields using it end in `Seconds` once parsed. Typed `string | number`
 * on input, so a JSON Schema (the CRD's) can be generated from it.
 */
export function durationSeconds(minSeconds: number, maxSeconds: number) {
  const fix = durationFix(minSeconds, maxSeconds);
  return z
    .union([z.string(), z.number()], {
      error: (issue) =>
        `${issue.input === undefined ? 'required' : `${describeValue(issue.input)} is not a duration`}; ${fix}`,
    })
    .transform((value, ctx) => {
      const seconds = typeof value === 'number' ? value : readDurationSeconds(value);
      if (typeof seconds !== 'number') {
        ctx.issues.push({ code: 'custom', input: value, message: `${seconds.problem}; ${fix}` });
        return z.NEVER;
      }
      if (!(Number.isFinite(seconds) && seconds >= minSeconds && seconds <= maxSeconds)) {
        ctx.issues.push({ code: 'custom', input: value, message: `${describeValue(value)} is out of range; ${fix}` });
        return z.NEVER;
      }
      return seconds;
    });
}
