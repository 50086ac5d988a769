import { PrescaleError } from '../core/index.js';
import { parseDurationSeconds } from '../core/units.js';
import type { PeriodLength, StepCount } from '../experiments/file-dataset.js';

const plainNumberPattern = /^(\d+\.?\d*|\.\d+)$/;

/** A duration flag that must be longer than zero (`--step 1m`, `--season 1d`). */
export function parsePositiveDuration(text: string, flag: string): number {
  const seconds = parseDurationSeconds(text, flag);
  if (!(seconds > 0)) {
    throw new PrescaleError('invalid-input', `${flag}: ${text} is not longer than zero; give e.g. 1m or 1d`, {
      field: flag,
    });
  }
  return seconds;
}

/**
 * `--train` / `--test`: a plain number is a share of the file (0.7), anything else a duration (14d); a
 * plain number of seconds must carry its unit (3600s) so the two cannot be confused.
 */
export function parsePeriodLength(text: string, flag: string): PeriodLength {
  const trimmed = text.trim();
  if (plainNumberPattern.test(trimmed)) {
    const fraction = Number(trimmed);
    if (!(fraction > 0 && fraction < 1)) {
      throw new PrescaleError(
        'invalid-input',
        `${flag}: ${text} is neither a share between 0 and 1 nor a duration; give e.g. 0.7 or 14d (seconds as 3600s)`,
        { field: flag },
      );
    }
    return { fraction };
  }
  return { seconds: parsePositiveDuration(trimmed, flag) };
}

/** `--horizon` / `--stride`: a whole number of steps (30), or a duration with its unit (30m). */
export function parseStepCount(text: string, flag: string): StepCount {
  const trimmed = text.trim();
  if (plainNumberPattern.test(trimmed)) {
    const steps = Number(trimmed);
    if (!(Number.isInteger(steps) && steps >= 1)) {
      throw new PrescaleError(
        'invalid-input',
        `${flag}: ${text} is not a whole number ≥ 1; give a count of steps such as 30, or a duration such as 30m`,
        { field: flag },
      );
    }
    return { steps };
  }
  return { seconds: parsePositiveDuration(trimmed, flag) };
}
