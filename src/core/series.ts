/**
 * A regular time series: bucket k covers [startSeconds + k*stepSeconds, startSeconds + (k+1)*stepSeconds)
 * and is labelled by its start. A bucket with no observation holds NaN.
 */
export interface Series {
  readonly startSeconds: number;
  readonly stepSeconds: number;
  readonly values: Float64Array;
}

/** Irregular, raw observations as read from a trace file or Prometheus: sorted by time, unique timestamps. */
export interface RawSeries {
  readonly timestampsSeconds: Float64Array;
  readonly values: Float64Array;
}

/** Start time of bucket `index` of a regular series. */
export function bucketStartSeconds(series: Series, index: number): number {
  return series.startSeconds + index * series.stepSeconds;
}

/** End (exclusive) of the last bucket of a regular series. */
export function seriesEndSeconds(series: Series): number {
  return series.startSeconds + series.values.length * series.stepSeconds;
}
