import type { Forecast, Series } from '../core/index.js';
import type { ForecastMiss } from '../planner/index.js';

/** Settings of the online accuracy tracker. */
export interface OnlineAccuracyOptions {
  readonly stepSeconds: number;
  readonly horizonSteps: number;
  /** Errors of actuals older than this (by bucket time) are forgotten: the rolling window. */
  readonly windowSeconds: number;
  /** Fewest scored points before an error is reported (null before), so warm-up noise cannot trip fallback. */
  readonly minSamples?: number;
}

/** Rolling accuracy at one horizon h (1 = the first bucket after the origin). */
export interface HorizonAccuracy {
  readonly h: number;
  readonly horizonSeconds: number;
  /** Σ|actual − point| / Σ|actual| × 100 over the window; null with too few samples or no load at all. */
  readonly wapePercent: number | null;
  /** Share of actuals inside the forecast's interval; null without intervals or samples. */
  readonly coverage: number | null;
  readonly samples: number;
}

interface PendingForecast {
  readonly forecast: Forecast;
  /** 1 where bucket h-1 has been scored already. */
  readonly scored: Uint8Array;
}

interface ScoredPoint {
  readonly bucketSeconds: number;
  readonly forecast: number;
  readonly actual: number;
  readonly absError: number;
  readonly absActual: number;
  /** 1 inside the interval, 0 outside, -1 when the forecast had no interval. */
  readonly inside: number;
}

const DEFAULT_MIN_SAMPLES = 10;

/**
 * Scores every forecast against the actuals as they arrive (rule: each origin's first forecast counts
 * once; each bucket is scored once per forecast, when first observed), and keeps the rolling error per
 * horizon over a time window. This is the "online error" the fallback module judges the model by.
 */
export class OnlineAccuracy {
  private readonly pending = new Map<number, PendingForecast>();
  private readonly scored: ScoredPoint[][];
  private readonly minSamples: number;

  constructor(private readonly options: OnlineAccuracyOptions) {
    this.scored = Array.from({ length: options.horizonSteps }, () => []);
    this.minSamples = options.minSamples ?? DEFAULT_MIN_SAMPLES;
  }

  /**
   * Remembers a forecast to score later. A second forecast for an origin already recorded, a forecast on
   * another step, and one with a non-finite point (the fallback module refuses it anyway) are ignored.
   */
  recordForecast(forecast: Forecast): void {
    if (this.pending.has(forecast.startSeconds) || forecast.stepSeconds !== this.options.stepSeconds) return;
    if (!forecast.point.every(Number.isFinite)) return;
    const length = Math.min(forecast.point.length, this.options.horizonSteps);
    this.pending.set(forecast.startSeconds, { forecast, scored: new Uint8Array(length) });
  }

  /**
   * Scores the pending forecasts on the observed buckets of `actuals` (NaN = not observed yet), drops
   * forecasts that are fully scored or can no longer be, and forgets points older than the window.
   */
  observe(actuals: Series, nowSeconds: number): void {
    const step = this.options.stepSeconds;
    if (actuals.stepSeconds !== step) return;
    for (const [origin, entry] of this.pending) {
      const { forecast, scored } = entry;
      let remaining = 0;
      for (let i = 0; i < scored.length; i++) {
        if (scored[i]) continue;
        const bucket = origin + i * step;
        const index = Math.round((bucket - actuals.startSeconds) / step);
        const actual = index >= 0 && index < actuals.values.length ? actuals.values[index] : Number.NaN;
        if (!Number.isFinite(actual)) {
          remaining++;
          continue;
        }
        scored[i] = 1;
        const lower = forecast.intervals?.lower[i];
        const upper = forecast.intervals?.upper[i];
        this.scored[i].push({
          bucketSeconds: bucket,
          forecast: forecast.point[i],
          actual,
          absError: Math.abs(actual - forecast.point[i]),
          absActual: Math.abs(actual),
          inside: lower === undefined || upper === undefined ? -1 : actual >= lower && actual <= upper ? 1 : 0,
        });
      }
      const lastBucket = origin + (scored.length - 1) * step;
      // Done, or every unscored bucket is older than what the actuals still cover: it can never be scored.
      if (remaining === 0 || lastBucket < actuals.startSeconds) this.pending.delete(origin);
    }
    const cutoff = nowSeconds - this.options.windowSeconds;
    for (const points of this.scored) {
      let drop = 0;
      while (drop < points.length && points[drop].bucketSeconds < cutoff) drop++;
      if (drop > 0) points.splice(0, drop);
    }
  }

  /** Rolling accuracy at every horizon 1..H. */
  byHorizon(): HorizonAccuracy[] {
    return this.scored.map((points, i) => {
      const { wapePercent, coverage } = this.summarize([points]);
      return {
        h: i + 1,
        horizonSeconds: (i + 1) * this.options.stepSeconds,
        wapePercent,
        coverage,
        samples: points.length,
      };
    });
  }

  /** Pooled rolling WAPE (percent) over horizons 1..maxH: the error of what the plan actually reads. */
  wapePercent(maxH: number): number | null {
    const upTo = Math.max(1, Math.min(maxH, this.scored.length));
    return this.summarize(this.scored.slice(0, upTo)).wapePercent;
  }

  /**
   * The fallback's error measure: the pooled mean absolute error over horizons 1..maxH as a percent of a load
   * level that is never below the workload's typical load (`typicalLoad`, the mean over the last day) nor
   * below the load of the scored points themselves. WAPE divides by the latter alone, so at night, when counts
   * are small and their relative noise large, it crosses any threshold although the forecast is as good as at
   * noon: here an error of 3 requests at a typical load of 100 is 3 % at 3 a.m. as in an afternoon at that load.
   * At a peak above the day's mean it is WAPE, never stricter. Null before `minSamples` points or without a typical load.
   */
  scaledErrorPercent(maxH: number, typicalLoad: number | null): number | null {
    const upTo = Math.max(1, Math.min(maxH, this.scored.length));
    let n = 0;
    let sumError = 0;
    let sumActual = 0;
    for (let i = 0; i < upTo; i++) {
      for (const p of this.scored[i]) {
        n++;
        sumError += p.absError;
        sumActual += p.absActual;
      }
    }
    if (n < this.minSamples || typicalLoad === null || !Number.isFinite(typicalLoad)) return null;
    const level = Math.max(sumActual / n, typicalLoad);
    if (level <= 0) return sumError === 0 ? 0 : null;
    return (100 * sumError) / n / level;
  }

  /** The scored points of the window at horizons 1..maxH, as the planner's recent-error spread reads them. */
  recentMisses(maxH: number): ForecastMiss[] {
    const upTo = Math.max(1, Math.min(maxH, this.scored.length));
    return this.scored
      .slice(0, upTo)
      .flatMap((points) => points.map((p) => ({ forecast: p.forecast, actual: p.actual })));
  }

  /** Forecasts still waiting for actuals (for tests and the status page). */
  get pendingForecasts(): number {
    return this.pending.size;
  }

  private summarize(groups: ScoredPoint[][]): { wapePercent: number | null; coverage: number | null } {
    let n = 0;
    let sumError = 0;
    let sumActual = 0;
    let inside = 0;
    let withInterval = 0;
    for (const points of groups) {
      for (const p of points) {
        n++;
        sumError += p.absError;
        sumActual += p.absActual;
        if (p.inside >= 0) {
          withInterval++;
          inside += p.inside;
        }
      }
    }
    if (n < this.minSamples) return { wapePercent: null, coverage: null };
    const wapePercent = sumActual > 0 ? (100 * sumError) / sumActual : sumError === 0 ? 0 : null;
    return { wapePercent, coverage: withInterval > 0 ? inside / withInterval : null };
  }
}
