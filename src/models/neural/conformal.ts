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

/**
 * The nonconformity score of one forecast step: its error in units of the window's local scale (`localScale`).
 * Calibration (the validation tail) and rolling recalibration (recent windows) score with this one rule.
 */
export function nonconformityScore(actual: number, point: number, localScale: number): number {
  return (actual - point) / localScale;
}

/** Calibrates from errors[h-1] = `nonconformityScore` at each validation window. */
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
 * The calibration's score quantiles at `level` for each of `steps` horizon steps, at the split-conformal
 * finite-sample level ⌈(n + 1)·level⌉ / n (capped below 1): an interval is point + scale · offset. They depend
 * only on the level, so a served model computes them once per level.
 */
export function conformalOffsets(
  calibration: ConformalCalibration,
  level: number,
  steps: number,
): { lower: Float64Array; upper: Float64Array } {
  checkLevel(level);
  const n = calibration.windows;
  const adjusted = Math.min(Math.ceil((n + 1) * level) / n, 0.999);
  return intervalsFromErrors(new Float64Array(steps), calibration.scores, adjusted);
}

/** The interval at `level` around `point`: point + scale · the calibration's offsets (`conformalOffsets`). */
export function conformalInterval(
  point: Float64Array,
  scale: number,
  calibration: ConformalCalibration,
  level: number,
): { lower: Float64Array; upper: Float64Array } {
  const { lower, upper } = conformalOffsets(calibration, level, point.length);
  for (let i = 0; i < point.length; i++) {
    lower[i] = point[i] + scale * lower[i];
    upper[i] = point[i] + scale * upper[i];
  }
  return { lower, upper };
}

/**
 * Rolling recalibration: the intervals at `level` from the model's own scores on the last `spanWindows` windows of
 * the forecast's context that it never trained on (origins after its training ended), the validation tail's
 * scores filling the part of the span those do not cover yet. Under drift (test days busier than the training
 * days) the intervals follow what the model's errors are now, which the validation tail alone cannot tell.
 * `recentByStep[h-1]` holds the recent scores at step h (NaN where the actual was missing); a step without recent
 * scores gets the validation tail's interval exactly (`conformalOffsets`).
 */
export function rollingConformalOffsets(
  calibration: ConformalCalibration,
  recentByStep: readonly Float64Array[],
  spanWindows: number,
  level: number,
): { lower: Float64Array; upper: Float64Array } {
  const steps = recentByStep.length;
  const { lower, upper } = conformalOffsets(calibration, level, steps);
  for (let h = 0; h < steps; h++) {
    const recent = recentByStep[h].filter(Number.isFinite).sort();
    if (recent.length === 0) continue;
    // The validation tail's 101 percentiles stand for the windows of the span not yet covered by recent ones.
    const percentiles = calibration.scores.byStep[Math.min(h, calibration.scores.byStep.length - 1)];
    const validationWeight = Math.max(0, spanWindows - recent.length);
    const n = validationWeight + recent.length;
    const adjusted = Math.min(Math.ceil((n + 1) * level) / n, 0.999);
    const weight = validationWeight / percentiles.length;
    lower[h] = Math.min(weightedQuantile(percentiles, weight, recent, n, (1 - adjusted) / 2), 0);
    upper[h] = Math.max(weightedQuantile(percentiles, weight, recent, n, (1 + adjusted) / 2), 0);
  }
  return { lower, upper };
}

/**
 * The smallest value whose cumulative weight reaches q of `total`, over two ascending lists merged: `weighted`,
 * each value of weight `weight`, and `unit`, each of weight 1 (on a tie the weighted value comes first).
 */
function weightedQuantile(
  weighted: readonly number[],
  weight: number,
  unit: Float64Array,
  total: number,
  q: number,
): number {
  const target = q * total - 1e-9;
  let cumulative = 0;
  let value = Number.NaN;
  for (let i = 0, j = 0; i < weighted.length || j < unit.length; ) {
    const takeWeighted = j >= unit.length || (i < weighted.length && weighted[i] <= unit[j]);
    value = takeWeighted ? weighted[i++] : unit[j++];
    cumulative += takeWeighted ? weight : 1;
    if (cumulative >= target) return value;
  }
  return value;
}
