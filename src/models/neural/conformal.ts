import { PrescaleError } from '../../core/index.js';
import { type ErrorPercentiles, errorPercentiles, intervalsFromErrors } from '../empirical-intervals.js';

/**
 * Split-conformal calibration of a point forecaster's intervals, per horizon step: on windows the network did not
 * train on (the validation tail), the errors at each h divided by the window's local scale (`localScale`) are the
 * nonconformity scores; their per-step percentiles (the shared empirical-interval code) give any level later.
 */
export interface ConformalCalibration {
  readonly scores: ErrorPercentiles;
  /** Calibration windows behind each step's percentiles; the finite-sample correction needs it. */
  readonly windows: number;
}

/** Calibrates from errors[h-1] = (actual − forecast) / localScale at each validation window. */
export function calibrateConformal(scaledErrorsByStep: number[][]): ConformalCalibration {
  const windows = Math.min(...scaledErrorsByStep.map((e) => e.length));
  if (!(windows >= 1)) {
    throw new PrescaleError(
      'not-enough-data',
      'calibration: no validation window to calibrate the intervals on; give a longer training series',
      {
        field: 'calibration',
      },
    );
  }
  return { scores: errorPercentiles(scaledErrorsByStep), windows };
}

/** Refuses an interval level outside (0, 1). */
export function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) {
    throw new PrescaleError('invalid-input', `level: ${level} is not between 0 and 1; ask for a coverage such as 0.8`, {
      field: 'level',
    });
  }
}

/**
 * The interval at `level` around `point`: point + scale · q, with q the calibration's score quantiles at the
 * finite-sample level ⌈(n + 1)·level⌉ / n (split conformal), capped below 1.
 */
export function conformalInterval(
  point: Float64Array,
  scale: number,
  calibration: ConformalCalibration,
  level: number,
): { lower: Float64Array; upper: Float64Array } {
  checkLevel(level);
  const n = calibration.windows;
  const adjusted = Math.min(Math.ceil((n + 1) * level) / n, 0.999);
  const { lower, upper } = intervalsFromErrors(new Float64Array(point.length), calibration.scores, adjusted);
  for (let i = 0; i < point.length; i++) {
    lower[i] = point[i] + scale * lower[i];
    upper[i] = point[i] + scale * upper[i];
  }
  return { lower, upper };
}
