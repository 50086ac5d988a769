import { type Series, seriesEndSeconds } from '../core/index.js';
import { fillGaps } from '../preprocessor/index.js';
import type { BasePath } from './residual-correction.js';

/**
 * Buckets per season on the coarse grid the augurs base models fit on: 96 gives 15-minute buckets for a daily
 * season. Measured (docs/models.md): MSTL on 1-minute data takes the minute-level noise into its seasonal
 * component (0.712 RMSE vs seasonal naive on nasa-jul95, 0.647 on alibaba18-cpu); on 15-minute buckets it scores
 * 0.617 and 0.614. ETS scores the same either way and fits 6× faster.
 */
export const COARSE_BUCKETS_PER_SEASON = 96;

/** Fine steps per coarse bucket: the whole number of steps closest to season / `bucketsPerSeason`, at least 1. */
export function coarseFactor(
  stepSeconds: number,
  seasonSeconds: number,
  bucketsPerSeason = COARSE_BUCKETS_PER_SEASON,
): number {
  return Math.max(1, Math.round(seasonSeconds / bucketsPerSeason / stepSeconds));
}

/**
 * Means of `factor` fine buckets, aligned so the last coarse bucket ends where `series` ends (the forecast
 * path starts there); a leading remainder shorter than one coarse bucket is dropped. A coarse bucket with no
 * observation is NaN.
 */
export function aggregateToCoarse(series: Series, factor: number): Series {
  const fine = series.values;
  const length = Math.floor(fine.length / factor);
  const offset = fine.length - length * factor;
  const values = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    let sum = 0;
    let count = 0;
    for (let j = offset + i * factor; j < offset + (i + 1) * factor; j++) {
      if (!Number.isNaN(fine[j])) {
        sum += fine[j];
        count++;
      }
    }
    values[i] = count > 0 ? sum / count : Number.NaN;
  }
  return {
    startSeconds: series.startSeconds + offset * series.stepSeconds,
    stepSeconds: factor * series.stepSeconds,
    values,
  };
}

/**
 * The coarse series with every gap filled for augurs (which takes no NaN): the value one season earlier where it
 * was observed, else a straight line (`fillGaps` 'seasonal'), however long the gap. Call only on a series with at
 * least one observation.
 */
export function filledCoarse(coarse: Series, seasonSeconds: number): Float64Array {
  const seasonSteps = seasonSeconds / coarse.stepSeconds;
  const method = Number.isInteger(seasonSteps) ? 'seasonal' : 'linear';
  return fillGaps(coarse, method, { maxGapSeconds: Number.POSITIVE_INFINITY, seasonSeconds }).series.values;
}

/**
 * A coarse forecast (`coarsePoint[i]` is the mean of the coarse bucket starting at `coarseStartSeconds + i·coarseStep`)
 * brought back to the fine grid by linear interpolation between bucket centres, for `length` fine buckets from
 * `fineStartSeconds`. Before the first centre the first value holds; after the last, the last value.
 */
export function interpolateToFine(
  coarsePoint: ArrayLike<number>,
  coarseStartSeconds: number,
  coarseStepSeconds: number,
  fineStartSeconds: number,
  fineStepSeconds: number,
  length: number,
): Float64Array {
  const out = new Float64Array(length);
  const last = coarsePoint.length - 1;
  for (let i = 0; i < length; i++) {
    const centre = fineStartSeconds + (i + 0.5) * fineStepSeconds;
    const position = (centre - coarseStartSeconds) / coarseStepSeconds - 0.5;
    if (position <= 0) out[i] = coarsePoint[0];
    else if (position >= last) out[i] = coarsePoint[last];
    else {
      const below = Math.floor(position);
      const weight = position - below;
      out[i] = coarsePoint[below] * (1 - weight) + coarsePoint[below + 1] * weight;
    }
  }
  return out;
}

/**
 * The base path of a model fitted on the coarse series of `train` that forecasts only from its end (AutoETS,
 * MSTL): `forecastCoarse(n)` gives n coarse buckets from the training end, interpolated to the fine grid from the
 * training end to `pathEndSeconds`.
 */
export function coarseForecastPath(
  train: Series,
  coarseStepSeconds: number,
  pathEndSeconds: number,
  forecastCoarse: (steps: number) => ArrayLike<number>,
): BasePath {
  const trainEnd = seriesEndSeconds(train);
  const coarsePoint = forecastCoarse(Math.ceil((pathEndSeconds - trainEnd) / coarseStepSeconds) + 1);
  const length = Math.round((pathEndSeconds - trainEnd) / train.stepSeconds);
  return {
    startSeconds: trainEnd,
    values: interpolateToFine(coarsePoint, trainEnd, coarseStepSeconds, trainEnd, train.stepSeconds, length),
  };
}
