import { optimizer } from '@bsull/augurs-prophet-wasmstan';
import { seriesEndSeconds } from '../core/index.js';
import { loadAugurs } from '../preprocessor/index.js';
import { aggregateToCoarse, coarseFactor } from './coarse-grid.js';
import { defineCorrectedModel } from './residual-correction.js';

const DAY_SECONDS = 86_400;
const WEEK_SECONDS = 7 * DAY_SECONDS;

/**
 * Prophet fits 30-minute means (48 per daily season): its order-10 Fourier season varies no faster than every
 * 2.4 h, so finer buckets add optimizer work, not information. One fit on the 14 training days of nasa-jul95
 * takes about 0.2 s of CPU on 30-minute means, 0.75 s on 15-minute ones and 9.5 s on the raw minutes, and the
 * scores are the same (RMSE vs seasonal naive 0.584 / 0.632 on nasa-jul95 / alibaba18-cpu; 0.583 / 0.632 at 15).
 */
const BUCKETS_PER_SEASON = 48;

/**
 * Fourier order of the daily (main) season: minute-level load has sharp ramps that Prophet's default order 4
 * smooths away. Order 4 scored 0.590 / 0.658 (nasa-jul95 / alibaba18-cpu), 10 scored 0.584 / 0.632, 20
 * 0.596 / 0.625 (docs/models.md).
 */
const SEASON_FOURIER_ORDER = 10;

/**
 * A flexible trend (Prophet's default prior is 0.05): between daily fits the residual correction follows the
 * level, so the trend's job is to absorb level changes in the training data rather than leave them to the
 * seasonal terms. 0.5 scored 0.584 / 0.632 (nasa-jul95 / alibaba18-cpu), 0.2 0.589 / 0.632, 0.05 0.587 / 0.754,
 * a flat trend 0.585 / 0.643; allowing late changepoints too (range 0.95) lost on alibaba18-cpu (0.699).
 */
const CHANGEPOINT_PRIOR_SCALE = 0.5;

/**
 * Prophet (augurs + the wasmstan optimizer) fitted on 30-minute means (season / 48), with the daily season at
 * Fourier order 10 and the weekly one from two weeks of data on. Prophet can evaluate any timestamp, so its path
 * starts one season before the training end (its in-sample curve): the residual correction then knows the recent
 * level from the first origin on, where the trend extrapolation alone would not.
 */
export const prophetModel = defineCorrectedModel(
  'prophet',
  'Prophet (augurs, daily + weekly seasonality) on 30-minute means, corrected by recent residuals',
  (train, { seasonSeconds }) => {
    const factor = coarseFactor(train.stepSeconds, seasonSeconds, BUCKETS_PER_SEASON);
    const coarseStepSeconds = factor * train.stepSeconds;
    const weekly = train.values.length * train.stepSeconds >= 2 * WEEK_SECONDS;
    const daily = seasonSeconds === DAY_SECONDS;
    const warmupSeconds = Math.round(seasonSeconds / train.stepSeconds) * train.stepSeconds; // on the series grid
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
          const startSeconds = seriesEndSeconds(data) - warmupSeconds;
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
