export type { Clock } from './clock.js';
export { PrescaleError, type PrescaleErrorCode } from './errors.js';
export type { Forecast, ForecastIntervals } from './forecast.js';
export { createRandom, type Random } from './random.js';
export { bucketStartSeconds, type RawSeries, type Series, seriesEndSeconds } from './series.js';
export { systemClock } from './system-clock.js';
