import { optimizer } from '@bsull/augurs-prophet-wasmstan';
import { loadAugurs } from '../preprocessor/index.js';
import { aggregateToCoarse, coarseFactor } from './coarse-grid.js';
import { defineCorrectedModel } from './residual-correction.js';

const DAY_SECONDS = 86_400;
const WEEK_SECONDS = 7 * DAY_SECONDS;

/**
 * Fourier order of the daily (main) season: minute-level load has sharp morning ramps that Prophet's default
 * order 4 smooths away. Order 10 scored 0.586 (RMSE vs seasonal naive) on nasa-jul95 and 0.647 on alibaba18-cpu,
 * order 4 0.586 and 0.727 (docs/models.md).
 */
const SEASON_FOURIER_ORDER = 10;

/**
 * The trend stays linear with Prophet's default changepoint prior: between daily fits the residual correction,
 * not the trend, follows the level, so a more flexible trend only extrapolates noise (prior 0.5: 0.756 on
 * alibaba18-cpu instead of 0.727), and a flat trend lost on nasa-jul95 (0.612 vs 0.586).
 */
const CHANGEPOINT_PRIOR_SCALE = 0.05;

/**
 * Prophet (augurs + the wasmstan optimizer) fitted on 15-minute means (season / 96), with the daily season at
 * Fourier order 10 and the weekly one from two weeks of data on. Prophet can evaluate any timestamp, so its path
 * starts one season before the training end (its in-sample curve): the residual correction then knows the recent
 * level from the first origin on, where the trend extrapolation alone would not.
 */
export const prophetModel = defineCorrectedModel(
  'prophet',
  'Prophet (augurs, daily + weekly seasonality) on 15-minute means, corrected by recent residuals',
  (train, { seasonSeconds }) => {
    const factor = coarseFactor(train.stepSeconds, seasonSeconds);
    const coarseStepSeconds = factor * train.stepSeconds;
    const weekly = train.values.length * train.stepSeconds >= 2 * WEEK_SECONDS;
    const daily = seasonSeconds === DAY_SECONDS;
    const warmupSeconds = seasonSeconds;
    return {
      settings: {
        coarseStepSeconds,
        seasonFourierOrder: SEASON_FOURIER_ORDER,
        weekly,
        growth: 'linear',
        changepointPriorScale: CHANGEPOINT_PRIOR_SCALE,
        warmupSeconds,
      },
      // two seasons: one to learn the season from, one for the in-sample warm-up of the correction
      minTrainSeconds: 2 * seasonSeconds,
      fitPath: (data, pathEndSeconds) => {
        const { Prophet } = loadAugurs('prophet');
        const model = new Prophet({
          optimizer,
          growth: 'linear',
          changepointPriorScale: CHANGEPOINT_PRIOR_SCALE,
          uncertaintySamples: 0, // intervals come from the out-of-sample calibration, not Prophet's in-sample noise
          yearlySeasonality: { type: 'manual', enabled: false },
          weeklySeasonality: { type: 'manual', enabled: weekly },
          dailySeasonality: daily
            ? { type: 'fourier', order: SEASON_FOURIER_ORDER }
            : { type: 'manual', enabled: false },
        });
        try {
          if (!daily) {
            model.addSeasonality('season', { period: seasonSeconds / DAY_SECONDS, fourierOrder: SEASON_FOURIER_ORDER });
          }
          // Prophet takes irregular timestamps: empty coarse buckets are left out, not invented.
          const coarse = aggregateToCoarse(data, factor);
          const ds: number[] = [];
          const y: number[] = [];
          coarse.values.forEach((value, i) => {
            if (Number.isNaN(value)) return;
            ds.push(Math.floor(coarse.startSeconds + (i + 0.5) * coarseStepSeconds));
            y.push(value);
          });
          model.fit({ ds, y });
          const startSeconds = data.startSeconds + data.values.length * data.stepSeconds - warmupSeconds;
          const length = Math.round((pathEndSeconds - startSeconds) / data.stepSeconds);
          const centres = Array.from({ length }, (_, i) => Math.floor(startSeconds + (i + 0.5) * data.stepSeconds));
          return { startSeconds, values: Float64Array.from(model.predict({ ds: centres }).yhat.point) };
        } finally {
          model.free();
        }
      },
    };
  },
);
