import { PrescaleError, type Series } from '../core/index.js';

/** How a missing bucket is filled: straight line between neighbours, last value carried forward, or last season's value. */
export type GapFillMethod = 'linear' | 'previous' | 'seasonal';

/** Settings of `fillGaps`. */
export interface GapFillOptions {
  /** Gaps longer than this stay NaN and are reported instead of invented; default 3600 (one hour). `Infinity` fills all. */
  readonly maxGapSeconds?: number;
  /** The season for 'seasonal' (e.g. 86400 for daily load); must be a whole number of steps. */
  readonly seasonSeconds?: number;
}

/** A run of missing buckets left unfilled, so the caller can say what data is missing instead of guessing. */
export interface GapRange {
  readonly startIndex: number;
  readonly lengthSteps: number;
  readonly startSeconds: number;
  /** End (exclusive) of the last missing bucket. */
  readonly endSeconds: number;
  /** 'too-long': longer than `maxGapSeconds`; 'no-observation': the series has no value to fill from. */
  readonly reason: 'too-long' | 'no-observation';
}

/** A filled series with a record of what was invented (`filledMask[i] = 1`) and what was not (`unfilledGaps`). */
export interface GapFillResult {
  readonly series: Series;
  readonly filledMask: Uint8Array;
  readonly filledCount: number;
  readonly unfilledGaps: GapRange[];
}

/** Default longest gap filled silently: an hour of missing scrapes is an outage worth reporting, not smoothing over. */
export const DEFAULT_MAX_GAP_SECONDS = 3600;

const METHODS: readonly GapFillMethod[] = ['linear', 'previous', 'seasonal'];

/**
 * Fills NaN buckets of a regular series. A leading gap takes the first observed value and a trailing gap the
 * last one (for every method: there is nothing to interpolate to). 'seasonal' uses the value one season earlier
 * when that bucket was observed (not itself filled), else linear. Gaps longer than `maxGapSeconds` stay NaN and
 * are listed in `unfilledGaps`. The input is not modified.
 */
export function fillGaps(series: Series, method: GapFillMethod, options: GapFillOptions = {}): GapFillResult {
  const step = series.stepSeconds;
  if (!METHODS.includes(method)) {
    throw new PrescaleError('invalid-input', `method: '${method}' is unknown; use one of ${METHODS.join(', ')}`, {
      field: 'method',
    });
  }
  const maxGapSeconds = options.maxGapSeconds ?? DEFAULT_MAX_GAP_SECONDS;
  if (!(maxGapSeconds >= 0)) {
    throw new PrescaleError(
      'invalid-input',
      `maxGapSeconds: ${maxGapSeconds} is not a non-negative number; pass e.g. 3600, or Infinity to fill every gap`,
      { field: 'maxGapSeconds' },
    );
  }
  const seasonSteps = method === 'seasonal' ? seasonInSteps(options.seasonSeconds, step) : 0;
  const observed = series.values;
  const values = Float64Array.from(observed);
  const n = values.length;
  const filledMask = new Uint8Array(n);
  const unfilledGaps: GapRange[] = [];
  let filledCount = 0;
  let gapStart = -1;
  for (let i = 0; i <= n; i++) {
    const missing = i < n && Number.isNaN(observed[i]);
    if (missing && gapStart < 0) gapStart = i;
    if (missing || gapStart < 0) continue;
    const left = gapStart - 1;
    const right = i; // first observed index after the gap, or n
    const lengthSteps = right - gapStart;
    const reason =
      left < 0 && right >= n ? 'no-observation' : lengthSteps * step > maxGapSeconds ? 'too-long' : undefined;
    if (reason) {
      const startSeconds = series.startSeconds + gapStart * step;
      unfilledGaps.push({
        startIndex: gapStart,
        lengthSteps,
        startSeconds,
        endSeconds: startSeconds + lengthSteps * step,
        reason,
      });
    } else {
      for (let j = gapStart; j < right; j++) {
        const seasonal = seasonSteps > 0 && j >= seasonSteps ? observed[j - seasonSteps] : Number.NaN;
        values[j] = Number.isNaN(seasonal) ? fillValue(observed, method, left, right, j) : seasonal;
        filledMask[j] = 1;
      }
      filledCount += lengthSteps;
    }
    gapStart = -1;
  }
  return {
    series: { startSeconds: series.startSeconds, stepSeconds: step, values },
    filledMask,
    filledCount,
    unfilledGaps,
  };
}

/** Value at `j` inside a gap between observed `left` and `right` (either may be outside the series). */
function fillValue(observed: Float64Array, method: GapFillMethod, left: number, right: number, j: number): number {
  if (left < 0) return observed[right];
  if (right >= observed.length || method === 'previous') return observed[left];
  const a = observed[left];
  return a + ((observed[right] - a) * (j - left)) / (right - left);
}

function seasonInSteps(seasonSeconds: number | undefined, stepSeconds: number): number {
  const steps = seasonSeconds === undefined ? Number.NaN : seasonSeconds / stepSeconds;
  const whole = Math.round(steps);
  if (!(whole >= 1 && Math.abs(steps - whole) < 1e-9)) {
    throw new PrescaleError(
      'invalid-input',
      `seasonSeconds: ${seasonSeconds} is not a positive whole number of ${stepSeconds} s steps; pass e.g. 86400 with method 'seasonal'`,
      { field: 'seasonSeconds' },
    );
  }
  return whole;
}
