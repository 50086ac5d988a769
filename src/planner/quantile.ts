import type { Forecast } from '../core/index.js';

// Acklam's rational approximation of the inverse normal CDF (relative error < 1.15e-9 over (0, 1)).
const A = [
  -39.69683028665376, 220.9460984245205, -275.928510446969, 138.357751867269, -30.66479806614716, 2.506628277459239,
];
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

/** The standard normal quantile Φ⁻¹(p) for p in (0, 1): how many standard deviations above the median. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return Number.NaN;
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1)
    );
  }
  if (p > 1 - P_LOW) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) /
    (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1)
  );
}

/**
 * How far from the point toward the interval's upper bound the `quantile` lies, assuming a normal shape:
 * value = point + k × (upper − point). A central interval at `level` has its upper bound at the
 * (1 + level) / 2 quantile (80% → 0.9), so k = Φ⁻¹(quantile) / Φ⁻¹((1 + level) / 2): 1 when the quantile is
 * the upper bound's, below 1 to interpolate (0.8 on an 80% interval: k ≈ 0.657), above 1 to extrapolate
 * (0.95 on an 80% interval: k ≈ 1.283), 0 for the median.
 */
export function upperSpreadFactor(quantile: number, level: number): number {
  if (quantile === 0.5) return 0;
  return normalQuantile(quantile) / normalQuantile((1 + level) / 2);
}

/** The bucket range of a forecast that a window [fromSeconds, toSeconds] touches, clipped to the forecast. */
export interface BucketWindow {
  readonly first: number;
  readonly last: number;
  /** True when the forecast ends before `toSeconds`: the window is not fully covered. */
  readonly short: boolean;
}

/** Buckets of `forecast` that overlap [fromSeconds, toSeconds]; bucket h covers [start + h·step, start + (h+1)·step). */
export function bucketWindow(forecast: Forecast, fromSeconds: number, toSeconds: number): BucketWindow {
  const n = forecast.point.length;
  const first = Math.max(0, Math.floor((fromSeconds - forecast.startSeconds) / forecast.stepSeconds));
  const lastWanted = Math.floor((toSeconds - forecast.startSeconds) / forecast.stepSeconds);
  return { first: Math.min(first, n - 1), last: Math.max(0, Math.min(lastWanted, n - 1)), short: lastWanted > n - 1 };
}

/**
 * The highest load the forecast quantile reaches over buckets `first..last`, never below 0. With no
 * intervals (or k = 0) it is the point forecast; an upper bound below the point is read as no spread.
 */
export function peakQuantileLoad(forecast: Forecast, k: number, first: number, last: number): number {
  const point = forecast.point;
  const upper = k === 0 || forecast.intervals === undefined ? null : forecast.intervals.upper;
  let peak = 0;
  for (let h = first; h <= last; h++) {
    const p = point[h];
    const value = upper === null ? p : p + k * Math.max(0, upper[h] - p);
    if (value > peak) peak = value;
  }
  return peak;
}
