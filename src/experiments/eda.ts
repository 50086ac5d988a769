import { PrescaleError, type Series } from '../core/index.js';
import { nearestRank, sortedFinite } from '../planner/stats.js';
import {
  autocorrelation,
  DEFAULT_ANOMALY_FILTER,
  detectSeasonalPeriods,
  fillGaps,
  filterAnomalies,
  type SeasonalPeriod,
} from '../preprocessor/index.js';

/* The numbers of `prescale eda`: what a series looks like before anyone forecasts it. Pure: series in, figures out. */

/** Settings of `exploreSeries`; every field has a default. */
export interface EdaOptions {
  /**
   * Longest autocorrelation lag; default three days (a daily season shows three peaks), or 1.25 × the longest
   * detected period when that is longer.
   */
  readonly maxLagSeconds?: number;
  /** Bars of the value histogram; default 40. */
  readonly histogramBins?: number;
}

/** Basic statistics of the observed buckets (nearest-rank percentiles: always an observed value). */
export interface SeriesStats {
  readonly startSeconds: number;
  /** End (exclusive) of the last bucket. */
  readonly endSeconds: number;
  readonly stepSeconds: number;
  readonly buckets: number;
  readonly observed: number;
  readonly mean: number;
  /** Population standard deviation. */
  readonly std: number;
  readonly min: number;
  readonly p5: number;
  readonly p25: number;
  readonly median: number;
  readonly p75: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** One run of missing buckets. */
export interface Gap {
  readonly startSeconds: number;
  readonly endSeconds: number;
  readonly lengthSteps: number;
}

/** Where data is missing: every run of NaN buckets, the longest, and the share of buckets missing. */
export interface GapSummary {
  readonly count: number;
  readonly longestSeconds: number;
  readonly missingBuckets: number;
  /** Missing buckets / all buckets, 0–1. */
  readonly missingShare: number;
  readonly gaps: readonly Gap[];
}

/** Observed values that fall in one hour of the day or one day of the week: mean and the 10–90 % band. */
export interface ProfileBin {
  /** Hour of the day 0–23, or day of the week 0–6 with 0 = Monday (UTC). */
  readonly key: number;
  readonly count: number;
  /** NaN when the bin has no observation (as are the quantiles). */
  readonly mean: number;
  readonly p10: number;
  readonly median: number;
  readonly p90: number;
}

/** One bar of the value histogram: values in [from, to), the last bar including its upper edge. */
export interface HistogramBin {
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

/** A bucket the anomaly filter flags, with the rolling median it would put in its place. */
export interface FlaggedPoint {
  readonly seconds: number;
  readonly value: number;
  readonly median: number;
}

/** What the default anomaly filter (the one training uses) changes in this series. */
export interface AnomalySummary {
  readonly windowSteps: number;
  readonly threshold: number;
  readonly count: number;
  /** Flagged / observed buckets, 0–1. */
  readonly share: number;
  readonly flagged: readonly FlaggedPoint[];
}

/** Seasonal periods the detector finds, or why it could not look (a series shorter than three cycles). */
export interface SeasonalitySummary {
  readonly periods: readonly SeasonalPeriod[];
  readonly note?: string;
}

/** Autocorrelation of the series with itself `lagSteps` buckets later. */
export interface AutocorrelationPoint {
  readonly lagSteps: number;
  readonly lagSeconds: number;
  readonly r: number;
}

/** Everything the EDA report shows about one series. */
export interface EdaSummary {
  readonly stats: SeriesStats;
  readonly gaps: GapSummary;
  readonly daily: readonly ProfileBin[];
  readonly weekly: readonly ProfileBin[];
  readonly histogram: readonly HistogramBin[];
  readonly seasonality: SeasonalitySummary;
  readonly anomalies: AnomalySummary;
  readonly autocorrelation: readonly AutocorrelationPoint[];
}

const DEFAULT_MAX_LAG_SECONDS = 3 * 86_400;
/** The lags reach past the longest detected period by a quarter, so its peak shows whole (a week on NASA). */
const LONGEST_PERIOD_LAGS = 1.25;
const DEFAULT_HISTOGRAM_BINS = 40;
/** Lags computed at most; longer ranges are sampled evenly (a day of minutes would otherwise be 1,440 passes). */
const MAX_LAGS = 720;

/** The whole exploration of a regular series (NaN = missing bucket); throws when nothing is observed. */
export function exploreSeries(series: Series, options: EdaOptions = {}): EdaSummary {
  const sorted = sortedFinite(series.values);
  if (sorted.length === 0) {
    throw new PrescaleError(
      'not-enough-data',
      `series: none of its ${series.values.length} buckets holds an observation; give a trace with data`,
      { field: 'series' },
    );
  }
  const seasonal = seasonality(series);
  const longestPeriodSeconds = Math.max(0, ...seasonal.periods.map((p) => p.periodSeconds));
  const maxLagSeconds = Math.max(
    options.maxLagSeconds ?? DEFAULT_MAX_LAG_SECONDS,
    LONGEST_PERIOD_LAGS * longestPeriodSeconds,
  );
  return {
    stats: seriesStats(series, sorted),
    gaps: gapSummary(series),
    daily: profile(series, 24, (seconds) => Math.floor(positiveModulo(seconds, 86_400) / 3600)),
    weekly: profile(series, 7, dayOfWeek),
    histogram: histogram(sorted, options.histogramBins ?? DEFAULT_HISTOGRAM_BINS),
    seasonality: seasonal,
    anomalies: anomalySummary(series),
    autocorrelation: autocorrelationFunction(series, maxLagSeconds),
  };
}

function seriesStats(series: Series, sorted: Float64Array): SeriesStats {
  let sum = 0;
  for (const x of sorted) sum += x;
  const mean = sum / sorted.length;
  let squares = 0;
  for (const x of sorted) squares += (x - mean) ** 2;
  return {
    startSeconds: series.startSeconds,
    endSeconds: series.startSeconds + series.values.length * series.stepSeconds,
    stepSeconds: series.stepSeconds,
    buckets: series.values.length,
    observed: sorted.length,
    mean,
    std: Math.sqrt(squares / sorted.length),
    min: sorted[0],
    p5: nearestRank(sorted, 0.05),
    p25: nearestRank(sorted, 0.25),
    median: nearestRank(sorted, 0.5),
    p75: nearestRank(sorted, 0.75),
    p95: nearestRank(sorted, 0.95),
    p99: nearestRank(sorted, 0.99),
    max: sorted[sorted.length - 1],
  };
}

/** Every NaN run, found by the gap filler told to fill nothing (so it reports each run as it sees them). */
function gapSummary(series: Series): GapSummary {
  const runs = fillGaps(series, 'previous', { maxGapSeconds: 0 }).unfilledGaps;
  const gaps = runs.map((run) => ({
    startSeconds: run.startSeconds,
    endSeconds: run.endSeconds,
    lengthSteps: run.lengthSteps,
  }));
  const missingBuckets = gaps.reduce((sum, gap) => sum + gap.lengthSteps, 0);
  return {
    count: gaps.length,
    longestSeconds: Math.max(0, ...gaps.map((gap) => gap.lengthSteps * series.stepSeconds)),
    missingBuckets,
    missingShare: series.values.length === 0 ? 0 : missingBuckets / series.values.length,
    gaps,
  };
}

function positiveModulo(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** Day of the week in UTC, Monday = 0 (ISO order). */
function dayOfWeek(seconds: number): number {
  return (new Date(seconds * 1000).getUTCDay() + 6) % 7;
}

/** Observed values grouped by `keyOf(bucket start)` into `size` bins. */
function profile(series: Series, size: number, keyOf: (seconds: number) => number): ProfileBin[] {
  const groups: number[][] = Array.from({ length: size }, () => []);
  for (let i = 0; i < series.values.length; i++) {
    const x = series.values[i];
    if (Number.isFinite(x)) groups[keyOf(series.startSeconds + i * series.stepSeconds)].push(x);
  }
  return groups.map((values, key) => {
    if (values.length === 0) {
      return { key, count: 0, mean: Number.NaN, p10: Number.NaN, median: Number.NaN, p90: Number.NaN };
    }
    const sorted = Float64Array.from(values).sort();
    return {
      key,
      count: values.length,
      mean: values.reduce((a, b) => a + b, 0) / values.length,
      p10: nearestRank(sorted, 0.1),
      median: nearestRank(sorted, 0.5),
      p90: nearestRank(sorted, 0.9),
    };
  });
}

/** Equal-width bars from the smallest to the largest value (one bar when all values are equal). */
function histogram(sorted: Float64Array, bins: number): HistogramBin[] {
  if (!(Number.isInteger(bins) && bins >= 1)) {
    throw new PrescaleError('invalid-input', `histogramBins: ${bins} is not a whole number ≥ 1; pass e.g. 40`, {
      field: 'histogramBins',
    });
  }
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  if (max === min) return [{ from: min, to: max, count: sorted.length }];
  const width = (max - min) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const x of sorted) counts[Math.min(bins - 1, Math.floor((x - min) / width))]++;
  return counts.map((count, k) => ({ from: min + k * width, to: k === bins - 1 ? max : min + (k + 1) * width, count }));
}

function seasonality(series: Series): SeasonalitySummary {
  try {
    return { periods: detectSeasonalPeriods(series) };
  } catch (error) {
    if (error instanceof PrescaleError && error.code === 'not-enough-data') return { periods: [], note: error.message };
    throw error;
  }
}

function anomalySummary(series: Series): AnomalySummary {
  const result = filterAnomalies(series, DEFAULT_ANOMALY_FILTER);
  const flagged: FlaggedPoint[] = [];
  let observed = 0;
  for (let i = 0; i < series.values.length; i++) {
    if (Number.isFinite(series.values[i])) observed++;
    if (!result.flaggedMask[i]) continue;
    flagged.push({
      seconds: series.startSeconds + i * series.stepSeconds,
      value: series.values[i],
      median: result.series.values[i],
    });
  }
  return {
    windowSteps: DEFAULT_ANOMALY_FILTER.windowSteps,
    threshold: DEFAULT_ANOMALY_FILTER.threshold,
    count: result.flaggedCount,
    share: observed === 0 ? 0 : result.flaggedCount / observed,
    flagged,
  };
}

/** Autocorrelation at lags up to `maxLagSeconds` (and half the series), evenly sampled to at most 720 lags. */
function autocorrelationFunction(series: Series, maxLagSeconds: number): AutocorrelationPoint[] {
  if (!(maxLagSeconds >= series.stepSeconds)) {
    throw new PrescaleError(
      'invalid-input',
      `maxLagSeconds: ${maxLagSeconds} is shorter than one ${series.stepSeconds} s step; pass e.g. 259200 (three days)`,
      { field: 'maxLagSeconds' },
    );
  }
  const maxLagSteps = Math.min(Math.floor(maxLagSeconds / series.stepSeconds), Math.floor(series.values.length / 2));
  const strideSteps = Math.max(1, Math.ceil(maxLagSteps / MAX_LAGS));
  const points: AutocorrelationPoint[] = [];
  for (let lag = strideSteps; lag <= maxLagSteps; lag += strideSteps) {
    points.push({ lagSteps: lag, lagSeconds: lag * series.stepSeconds, r: autocorrelation(series.values, lag) });
  }
  return points;
}

/** One point of a chart of the series: a bucket start and the mean there, null where nothing was observed. */
export interface PlotPoint {
  readonly seconds: number;
  readonly value: number | null;
}

/**
 * The series averaged down to at most `maxPoints` for a chart (an SVG of a month of minutes would weigh
 * megabytes): each point is the mean of its observed buckets, null when none was observed.
 */
export function seriesForPlot(series: Series, maxPoints: number): { pointSeconds: number; points: PlotPoint[] } {
  const factor = Math.max(1, Math.ceil(series.values.length / maxPoints));
  const points: PlotPoint[] = [];
  for (let from = 0; from < series.values.length; from += factor) {
    let sum = 0;
    let count = 0;
    for (let i = from; i < Math.min(series.values.length, from + factor); i++) {
      if (!Number.isFinite(series.values[i])) continue;
      sum += series.values[i];
      count++;
    }
    points.push({ seconds: series.startSeconds + from * series.stepSeconds, value: count === 0 ? null : sum / count });
  }
  return { pointSeconds: factor * series.stepSeconds, points };
}
