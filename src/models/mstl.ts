import type { Series } from '../core/index.js';
import { loadAugurs } from '../preprocessor/index.js';
import { aggregateToCoarse, coarseFactor, coarseForecastPath, filledCoarse } from './coarse-grid.js';
import { defineCorrectedModel } from './residual-correction.js';

const DAY_SECONDS = 86_400;
const WEEK_SECONDS = 7 * DAY_SECONDS;

/**
 * A weekly period only from 4 full weeks of data on: STL's weekly component estimated from 2 or 3 cycles made
 * the forecast worse on NASA (RMSE vs seasonal naive 0.646 instead of 0.617 with 2 weeks of training, 0.595
 * instead of 0.580 with 3 weeks; docs/models.md).
 */
const WEEKLY_MIN_WEEKS = 4;

/** MSTL's seasonal periods in coarse buckets for a training series: the season, and the week from 4 weeks of data. */
export function mstlPeriods(train: Series, seasonSeconds: number, coarseStepSeconds: number): number[] {
  const weekly =
    seasonSeconds === DAY_SECONDS && train.values.length * train.stepSeconds >= WEEKLY_MIN_WEEKS * WEEK_SECONDS;
  const periodsSeconds = weekly ? [seasonSeconds, WEEK_SECONDS] : [seasonSeconds];
  return periodsSeconds.map((seconds) => Math.max(2, Math.round(seconds / coarseStepSeconds)));
}

/**
 * MSTL (augurs) with an AutoETS trend, on 15-minute means (season / 96): the daily period, and the weekly one
 * when the data hold enough weeks; its forecast conditioned at every origin by the shared residual correction.
 */
export const mstlModel = defineCorrectedModel(
  'mstl',
  'MSTL (augurs, ETS trend, daily and weekly periods) on 15-minute means, corrected by recent residuals',
  (train, { seasonSeconds }) => {
    const factor = coarseFactor(train.stepSeconds, seasonSeconds);
    const coarseStepSeconds = factor * train.stepSeconds;
    const periods = mstlPeriods(train, seasonSeconds, coarseStepSeconds);
    return {
      settings: { periods, coarseStepSeconds, trend: 'ets' },
      // augurs' MSTL fails with less than two full cycles of its longest period
      minTrainSeconds: 2 * Math.max(...periods) * coarseStepSeconds,
      fitPath: (data, pathEndSeconds) => {
        const model = loadAugurs('mstl').MSTL.ets(periods);
        try {
          model.fit(filledCoarse(aggregateToCoarse(data, factor), seasonSeconds));
          return coarseForecastPath(data, coarseStepSeconds, pathEndSeconds, (steps) => model.predict(steps).point);
        } finally {
          model.free();
        }
      },
    };
  },
);
