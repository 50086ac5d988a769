// Public API of the preprocessor: raw points → a clean regular series, windows and scalers for the models.

export {
  type AnomalyFilterOptions,
  type AnomalyFilterResult,
  cleanTrainingSeries,
  DEFAULT_ANOMALY_FILTER,
  type ExclusionWindow,
  filterAnomalies,
  type HampelMode,
  scoreAgainstWindows,
  type WindowScore,
} from './anomalies.js';
export { type AugursModuleName, loadAugurs } from './augurs-wasm.js';
export { type CeemdanSettings, ceemdan, DEFAULT_CEEMDAN_SETTINGS } from './ceemdan.js';
export {
  DEFAULT_SIFT_SETTINGS,
  type Decomposition,
  emd,
  meanPeriodSteps,
  type SiftSettings,
  type SiftStopping,
} from './emd.js';
export {
  DEFAULT_MAX_GAP_SECONDS,
  fillGaps,
  type GapFillMethod,
  type GapFillOptions,
  type GapFillResult,
  type GapRange,
} from './gaps.js';
export { type Aggregation, gridBucketIndex, type ResampleOptions, resampleToStep } from './resample.js';
export { fitScaler, type Scaler, type ScalerJSON, type ScalerKind, scalerFromJSON } from './scalers.js';
export {
  autocorrelation,
  DEFAULT_MIN_SEASONAL_STRENGTH,
  detectSeasonalPeriods,
  type SeasonalityOptions,
  type SeasonalPeriod,
} from './seasonality.js';
export { type SlidingWindows, slidingWindows, type WindowOptions } from './windows.js';
