import { PrescaleError, type Series } from '../core/index.js';
import { loadAugurs } from './augurs-wasm.js';
import { fillGaps } from './gaps.js';

/** A seasonal period found in a series, with how strongly the series repeats at that lag. */
export interface SeasonalPeriod {
  readonly periodSteps: number;
  readonly periodSeconds: number;
  /**
   * Autocorrelation at the period of the series minus its moving average over one period (trend removed):
   * 1 = the pattern repeats exactly, ≈ 0 = no repetition. augurs itself reports no strength.
   */
  readonly strength: number;
}

/** Settings of `detectSeasonalPeriods`. */
export interface SeasonalityOptions {
  /** Shortest period considered, in steps; default 4 (augurs' default). */
  readonly minPeriodSteps?: number;
  /** Longest period considered, in steps; default a third of the series, so at least three cycles are seen. */
  readonly maxPeriodSteps?: number;
  /** Periods weaker than this are not reported; default 0.3. */
  readonly minStrength?: number;
}

/** Below 0.3 the repetition is too weak for a seasonal model to beat a non-seasonal one (white noise scores < 0.05). */
export const DEFAULT_MIN_SEASONAL_STRENGTH = 0.3;

/** augurs' periodogram is reliable on series up to a few thousand points; longer ones are averaged down first. */
const DETECTOR_MAX_POINTS = 2048;
/** A candidate from the periodogram is refined to the best autocorrelation lag within ± this fraction. */
const REFINE_FRACTION = 0.2;
/** Calendar periods load follows; a period within this fraction of one is reported as exactly that. */
const CALENDAR_SECONDS = [3600, 86400, 604800];
const CALENDAR_TOLERANCE = 0.03;
/** Lags tried in the coarse pass of the refinement before the fine pass around the best one. */
const COARSE_LAGS = 200;
/** A multiple of a shorter period is kept only if it is a calendar period and repeats clearly better (week on day). */
const MULTIPLE_MARGIN = 0.05;

/**
 * Seasonal periods of a regular series, shortest first. Candidates come from augurs' periodogram
 * (`@bsull/augurs/seasons`), run on the full series and, for long series, on a copy averaged down to at most
 * 2048 points, plus the hour, day and week when they fit (the periodogram alone misplaces or misses long
 * periods: on NASA at 5 min it reports 2046 steps and no day). Each candidate is refined to the lag of highest
 * trend-removed autocorrelation within ±20 %, must be a peak there (not the edge of the range), and is scored
 * by that autocorrelation. Periods within 3 % of an hour, a day or a week snap to it; a multiple of a stronger
 * shorter period is dropped unless it is a calendar period and clearly stronger (the week on top of the day);
 * periods weaker than `minStrength` are dropped. Gaps are filled linearly for detection only.
 * Runs on the full series (NASA July 1995 per minute, 39,693 buckets: ≈ 0.2 s). Limit: a random walk seen over
 * only 3–7 cycles of a lag can score 0.2–0.45 at that lag by chance; white noise scores < 0.1.
 */
export function detectSeasonalPeriods(series: Series, options: SeasonalityOptions = {}): SeasonalPeriod[] {
  const n = series.values.length;
  const minPeriodSteps = options.minPeriodSteps ?? 4;
  const maxPeriodSteps = Math.min(options.maxPeriodSteps ?? Math.floor(n / 3), Math.floor(n / 2));
  const minStrength = options.minStrength ?? DEFAULT_MIN_SEASONAL_STRENGTH;
  validate(minPeriodSteps, options.maxPeriodSteps, minStrength);
  const filled = fillGaps(series, 'linear', { maxGapSeconds: Number.POSITIVE_INFINITY });
  if (filled.unfilledGaps.length > 0 || maxPeriodSteps < minPeriodSteps) {
    throw new PrescaleError(
      'not-enough-data',
      `series: ${n} buckets (${n - filled.filledCount} observed) cannot show a period of ${minPeriodSteps} steps three times; pass a longer series`,
      { field: 'series' },
    );
  }
  const values = filled.series.values;
  const calendarSteps = CALENDAR_SECONDS.map((seconds) => seconds / series.stepSeconds).filter(
    (steps) => Number.isInteger(steps) && steps >= minPeriodSteps && steps <= maxPeriodSteps,
  );
  // calendar periods first; a periodogram candidate within 10 % of one already tried would refine to the same peak
  const candidates: number[] = [];
  for (const c of [...calendarSteps, ...periodogramCandidates(values, minPeriodSteps, maxPeriodSteps)]) {
    if (!candidates.some((tried) => Math.abs(c - tried) <= (REFINE_FRACTION / 2) * tried)) candidates.push(c);
  }
  const found: { periodSteps: number; strength: number }[] = [];
  for (const candidate of candidates) {
    const peak = autocorrelationPeak(values, candidate, minPeriodSteps, maxPeriodSteps);
    if (!peak) continue;
    const calendar = calendarSteps.find((steps) => Math.abs(peak.periodSteps - steps) <= CALENDAR_TOLERANCE * steps);
    const period =
      calendar === undefined
        ? peak
        : { periodSteps: calendar, strength: autocorrelation(minusMovingAverage(values, calendar), calendar) };
    if (!found.some((f) => f.periodSteps === period.periodSteps)) found.push(period);
  }
  found.sort((a, b) => b.strength - a.strength || a.periodSteps - b.periodSteps);
  const kept: { periodSteps: number; strength: number }[] = [];
  for (const f of found) {
    if (f.strength < minStrength) continue;
    if (kept.some((k) => Math.abs(k.periodSteps - f.periodSteps) <= REFINE_FRACTION * k.periodSteps)) continue;
    const base = kept.find((k) => k.periodSteps < f.periodSteps && isNearMultiple(f.periodSteps, k.periodSteps));
    if (base && !(calendarSteps.includes(f.periodSteps) && f.strength >= base.strength + MULTIPLE_MARGIN)) continue;
    kept.push(f);
  }
  kept.sort((a, b) => a.periodSteps - b.periodSteps);
  return kept.map((k) => ({
    periodSteps: k.periodSteps,
    periodSeconds: k.periodSteps * series.stepSeconds,
    strength: k.strength,
  }));
}

/**
 * The lag of highest trend-removed autocorrelation within ±20 % of `candidate`, or undefined when that maximum
 * lies on the edge of the range: a smooth decline (trend, random walk) is not a season. Coarse-to-fine so a
 * weekly candidate on minute data costs a few hundred correlations, not thousands.
 */
function autocorrelationPeak(
  values: Float64Array,
  candidate: number,
  minPeriodSteps: number,
  maxPeriodSteps: number,
): { periodSteps: number; strength: number } | undefined {
  const lo = Math.max(minPeriodSteps, Math.floor(candidate * (1 - REFINE_FRACTION)));
  const hi = Math.min(maxPeriodSteps, Math.ceil(candidate * (1 + REFINE_FRACTION)));
  if (hi - lo < 2) return undefined;
  const detrended = minusMovingAverage(values, candidate);
  const stride = Math.max(1, Math.floor((hi - lo) / COARSE_LAGS));
  let best = { periodSteps: lo, strength: Number.NEGATIVE_INFINITY };
  const consider = (lag: number) => {
    const r = autocorrelation(detrended, lag);
    if (r > best.strength) best = { periodSteps: lag, strength: r };
  };
  for (let lag = lo; lag <= hi; lag += stride) consider(lag);
  consider(hi);
  const center = best.periodSteps;
  for (let lag = Math.max(lo, center - stride + 1); lag <= Math.min(hi, center + stride - 1); lag++) consider(lag);
  if (best.periodSteps <= lo || best.periodSteps >= hi) return undefined;
  return best;
}

/** Candidate periods (in steps of the input) from augurs, at full resolution and averaged down. */
function periodogramCandidates(values: Float64Array, minPeriodSteps: number, maxPeriodSteps: number): number[] {
  const seasons = loadAugurs('seasons');
  const candidates = new Set<number>();
  const factors = values.length > DETECTOR_MAX_POINTS ? [1, Math.ceil(values.length / DETECTOR_MAX_POINTS)] : [1];
  for (const factor of factors) {
    const averaged = factor === 1 ? values : averageDown(values, factor);
    const minPeriod = Math.max(4, Math.ceil(minPeriodSteps / factor));
    const maxPeriod = Math.floor(maxPeriodSteps / factor);
    if (maxPeriod < minPeriod) continue;
    for (const p of seasons.seasonalities(averaged, { minPeriod, maxPeriod, threshold: 0.9 }))
      candidates.add(p * factor);
  }
  return [...candidates];
}

function averageDown(values: Float64Array, factor: number): Float64Array {
  const out = new Float64Array(Math.floor(values.length / factor));
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let j = 0; j < factor; j++) sum += values[i * factor + j];
    out[i] = sum / factor;
  }
  return out;
}

/** values − centered moving average over `window` buckets (the classical-decomposition trend), edges trimmed to NaN. */
function minusMovingAverage(values: Float64Array, window: number): Float64Array {
  const n = values.length;
  const out = new Float64Array(n).fill(Number.NaN);
  const half = Math.floor(window / 2);
  let sum = 0;
  for (let i = 0; i < Math.min(window, n); i++) sum += values[i];
  for (let start = 0; start + window <= n; start++) {
    out[start + half] = values[start + half] - sum / window;
    if (start + window < n) sum += values[start + window] - values[start];
  }
  return out;
}

/**
 * Pearson correlation of x[t] and x[t+lag] over the pairs where both are observed (NaN skipped), 0 with fewer
 * than 3 pairs: the one autocorrelation of the project, used for seasonal strength and the EDA report.
 */
export function autocorrelation(x: Float64Array, lag: number): number {
  let n = 0;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let t = 0; t + lag < x.length; t++) {
    const a = x[t];
    const b = x[t + lag];
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    n++;
    sa += a;
    sb += b;
    saa += a * a;
    sbb += b * b;
    sab += a * b;
  }
  if (n < 3) return 0;
  const cov = sab - (sa * sb) / n;
  const va = saa - (sa * sa) / n;
  const vb = sbb - (sb * sb) / n;
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
}

function isNearMultiple(period: number, base: number): boolean {
  const k = Math.round(period / base);
  return k >= 2 && Math.abs(period - k * base) <= REFINE_FRACTION * base;
}

function validate(minPeriodSteps: number, maxPeriodSteps: number | undefined, minStrength: number): void {
  if (!(Number.isInteger(minPeriodSteps) && minPeriodSteps >= 2)) {
    throw new PrescaleError(
      'invalid-input',
      `minPeriodSteps: ${minPeriodSteps} is not a whole number ≥ 2; pass e.g. 4`,
      {
        field: 'minPeriodSteps',
      },
    );
  }
  if (maxPeriodSteps !== undefined && !(Number.isInteger(maxPeriodSteps) && maxPeriodSteps >= minPeriodSteps)) {
    throw new PrescaleError(
      'invalid-input',
      `maxPeriodSteps: ${maxPeriodSteps} is not a whole number ≥ minPeriodSteps (${minPeriodSteps}); pass e.g. 1440 for a daily period at 60 s`,
      { field: 'maxPeriodSteps' },
    );
  }
  if (!(minStrength >= 0 && minStrength <= 1)) {
    throw new PrescaleError('invalid-input', `minStrength: ${minStrength} is not between 0 and 1; pass e.g. 0.3`, {
      field: 'minStrength',
    });
  }
}
