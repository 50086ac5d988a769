/**
 * Prediction intervals from observed forecast errors: for each horizon step h, the empirical
 * distribution of past errors (actual − forecast) at that h. Distribution-free, so they stay honest on
 * skewed load where a normal assumption would not. The distribution is kept as 101 percentiles per
 * step so it serializes small and still serves any interval level.
 */
export interface ErrorPercentiles {
  /** byStep[h-1][p] is the p-th percentile (p = 0..100) of the errors at horizon h. */
  readonly byStep: number[][];
}

const PERCENTILES = 101;

/** Linear-interpolated quantile of an ascending array (type 7, as R's and numpy's default). */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** Summarizes raw errors per horizon step (non-finite errors ignored) into percentiles. */
export function errorPercentiles(errorsByStep: ArrayLike<number>[]): ErrorPercentiles {
  const byStep = errorsByStep.map((errors) => {
    const sorted = Float64Array.from(errors).filter(Number.isFinite).sort();
    if (sorted.length === 0) return new Array<number>(PERCENTILES).fill(0);
    return Array.from({ length: PERCENTILES }, (_, p) => quantileOfSorted(sorted, p / 100));
  });
  return { byStep };
}

/**
 * Central interval at `level` around `point`: [point + q((1−level)/2), point + q((1+level)/2)] of the
 * errors at each step, widened if needed so that lower ≤ point ≤ upper.
 */
export function intervalsFromErrors(
  point: Float64Array,
  percentiles: ErrorPercentiles,
  level: number,
): { lower: Float64Array; upper: Float64Array } {
  const lower = new Float64Array(point.length);
  const upper = new Float64Array(point.length);
  for (let i = 0; i < point.length; i++) {
    const grid = percentiles.byStep[Math.min(i, percentiles.byStep.length - 1)];
    lower[i] = point[i] + Math.min(quantileOfSorted(grid, (1 - level) / 2), 0);
    upper[i] = point[i] + Math.max(quantileOfSorted(grid, (1 + level) / 2), 0);
  }
  return { lower, upper };
}
