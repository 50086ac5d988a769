/** Monitor stage: load series from trace files and Prometheus, behind one `MetricSource` interface. */
export {
  formatLabels,
  type InstantSample,
  PrometheusClient,
  type PrometheusOptions,
  PrometheusSource,
  type PrometheusSourceOptions,
  selectSeries,
} from './prometheus.js';
export { readTraceFile, type TraceFile, TraceFileSource, type TraceFormat, writeTraceFile } from './trace-file.js';
export type { LabeledSeries, MetricSource, RangeQuery } from './types.js';
