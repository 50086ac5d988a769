import type { RawSeries } from '../core/index.js';

/** A range query in seconds: evaluate `query` at startSeconds + k*stepSeconds for every k while ≤ endSeconds. */
export interface RangeQuery {
  readonly query: string;
  readonly startSeconds: number;
  readonly endSeconds: number;
  readonly stepSeconds: number;
}

/** One series of a query result with its identifying labels (`__name__` included when Prometheus keeps it). */
export interface LabeledSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly series: RawSeries;
}

/**
 * Where load observations come from (Prometheus, a trace file): the Monitor stage's one interface, so the
 * predictor, backtests and the simulator read either the same way. Returns the raw observations in range.
 */
export interface MetricSource {
  readonly name: string;
  range(q: RangeQuery, signal?: AbortSignal): Promise<RawSeries>;
}
