import { loadAugurs } from '../preprocessor/index.js';
import { aggregateToCoarse, coarseFactor, coarseForecastPath, filledCoarse } from './coarse-grid.js';
import { defineCorrectedModel } from './residual-correction.js';

/**
 * AutoETS searches error and trend types with no season: augurs 0.10 implements no seasonal ETS (a 'ZZA' search
 * finds no model, 'ZZZ' only non-seasonal ones), so on load data the daily shape is left to MSTL and Prophet.
 */
export const ETS_SPEC = 'ZZN';

/** AutoETS refuses fewer than 10 points; 24 coarse buckets (6 h at 15 min) let it choose between level and trend. */
const MIN_COARSE_BUCKETS = 24;

/**
 * AutoETS (augurs) fitted on 15-minute means (season / 96), its level-and-trend forecast conditioned at every
 * origin by the shared residual correction.
 */
export const etsModel = defineCorrectedModel(
  'ets',
  'AutoETS (augurs, non-seasonal) on 15-minute means, corrected by recent residuals',
  (train, { seasonSeconds }) => {
    const factor = coarseFactor(train.stepSeconds, seasonSeconds);
    const coarseStepSeconds = factor * train.stepSeconds;
    return {
      settings: { spec: ETS_SPEC, coarseStepSeconds },
      minTrainSeconds: MIN_COARSE_BUCKETS * coarseStepSeconds,
      fitPath: (data, pathEndSeconds) => {
        const model = new (loadAugurs('ets').AutoETS)(1, ETS_SPEC);
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
