/** A prediction interval at a given coverage level (0.8 = the 80% interval). */
export interface ForecastIntervals {
  readonly level: number;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

/**
 * H forecast values: point[h-1] targets the bucket starting at startSeconds + (h-1)*stepSeconds,
 * i.e. startSeconds is the forecast origin (the first bucket not yet observed).
 */
export interface Forecast {
  readonly startSeconds: number;
  readonly stepSeconds: number;
  readonly point: Float64Array;
  readonly intervals?: ForecastIntervals;
}
