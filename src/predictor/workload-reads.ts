import type { PrometheusClient } from '../collector/prometheus.js';
import { withInstantRate } from '../collector/promql.js';
import type { MetricSource } from '../collector/types.js';
import type { WorkloadConfig } from '../config/workload.js';
import type { Series } from '../core/index.js';
import type { UsageHistory } from '../planner/vertical.js';
import { cleanTrainingSeries, resampleToStep } from '../preprocessor/index.js';

/**
 * The loop's Monitor and Analyze reads: the current signals each sync (instant queries), and the training
 * history of a refit (range queries through the workload's `MetricSource`, resampled to the metric step, and
 * cleaned of isolated spikes when the workload asks). Failures are returned, not thrown, where a sync goes on.
 */

/** Current values of the workload's signals other than the load (null = not configured or not returned). */
export interface InstantSignals {
  readonly cpuCores: number | null;
  readonly memoryBytes: number | null;
  readonly latency: number | null;
  readonly replicas: number | null;
}

/** A failed read: the config field of its query (`metric.query`, `queries.cpu`) and the error. */
export interface ReadError {
  readonly field: string;
  readonly message: string;
}

/** Reads the configured instant signals at `nowSeconds`; each failed query is null with its error kept. */
export async function readInstantSignals(
  instant: Pick<PrometheusClient, 'queryInstant'>,
  queries: WorkloadConfig['queries'],
  nowSeconds: number,
): Promise<{ signals: InstantSignals; errors: ReadError[] }> {
  const errors: ReadError[] = [];
  const read = async (
    name: keyof WorkloadConfig['queries'],
    combine: (values: number[]) => number,
  ): Promise<number | null> => {
    const query = queries[name];
    if (query === null) return null;
    try {
      const samples = await instant.queryInstant(query, nowSeconds);
      const values = samples.map((s) => s.value).filter(Number.isFinite);
      return values.length === 0 ? null : combine(values);
    } catch (error) {
      errors.push({ field: `queries.${name}`, message: (error as Error).message });
      return null;
    }
  };
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const [cpuCores, memoryBytes, latency, replicas] = await Promise.all([
    read('cpu', sum),
    read('memory', sum),
    read('latency', (values) => Math.max(...values)),
    read('replicas', sum),
  ]);
  return {
    signals: { cpuCores, memoryBytes, latency, replicas: replicas === null ? null : Math.round(replicas) },
    errors,
  };
}

/**
 * The load the reactive floor sizes on: the newest step point of the forecast's series (`stepLoad`) and, with
 * `metric.reactiveRate: Irate`, the larger of it and `metric.query` read now as `irate` (summed over its series).
 * A rise thus counts one scrape after it happens; a fall counts from the step point, so the planner's scale-down
 * window starts when it did without it. A failed irate read is returned as an error of `metric.reactiveRate`,
 * which only reports it (the step point is used): the forecast and the fallback stand on `metric.query`'s range.
 */
export async function readReactiveLoad(
  instant: Pick<PrometheusClient, 'queryInstant'>,
  metric: WorkloadConfig['resource']['metric'],
  nowSeconds: number,
  stepLoad: number | null,
): Promise<{ load: number | null; error: ReadError | null }> {
  if (metric.reactiveRate === 'Step') return { load: stepLoad, error: null };
  try {
    const samples = await instant.queryInstant(withInstantRate(metric.query), nowSeconds);
    const values = samples.map((s) => s.value).filter(Number.isFinite);
    const irateLoad = values.length === 0 ? null : values.reduce((a, b) => a + b, 0);
    const load = irateLoad === null || stepLoad === null ? (irateLoad ?? stepLoad) : Math.max(irateLoad, stepLoad);
    return { load, error: null };
  } catch (error) {
    return { load: stepLoad, error: { field: 'metric.reactiveRate', message: (error as Error).message } };
  }
}

/**
 * The training series (`prediction.history` of load, cleaned when `prediction.filterAnomalies` is on) and,
 * when a CPU query is configured, the per-pod usage history the capacity fit and the resource recommendation
 * read (null otherwise). `replicasNow` divides totals by pods where the replicas series has no value.
 */
export async function readTrainingHistory(
  source: MetricSource,
  workload: WorkloadConfig,
  nowSeconds: number,
  replicasNow: number,
  signal: AbortSignal,
): Promise<{ load: Series; usage: UsageHistory | null }> {
  const r = workload.resource;
  const step = r.metric.stepSeconds;
  const end = Math.floor(nowSeconds / step) * step;
  const start = end - r.prediction.historySeconds;
  const range = async (query: string) => {
    const raw = await source.range({ query, startSeconds: start, endSeconds: end, stepSeconds: step }, signal);
    // Buckets [start, end]: query_range includes its end.
    return resampleToStep(raw, { stepSeconds: step, aggregation: 'last', startSeconds: start, endSeconds: end + step });
  };
  const observed = await range(r.metric.query);
  const load = r.prediction.filterAnomalies ? cleanTrainingSeries(observed) : observed;
  const q = workload.queries;
  if (q.cpu === null) return { load, usage: null };
  const cpu = await range(q.cpu);
  const memory = q.memory === null ? null : await range(q.memory);
  const replicas = q.replicas === null ? null : await range(q.replicas);
  const perPod = (values: Float64Array, i: number) => {
    const n = replicas?.values[i];
    const divisor = n !== undefined && Number.isFinite(n) && n > 0 ? n : replicasNow;
    return values[i] / Math.max(1, divisor);
  };
  const usage = { cpuMillicores: [] as number[], memoryBytes: [] as number[], load: [] as number[] };
  // The capacity fit pairs load with CPU as they were observed, spikes included.
  for (let i = 0; i < observed.values.length; i++) {
    if (!Number.isFinite(observed.values[i]) || !Number.isFinite(cpu.values[i])) continue;
    usage.load.push(perPod(observed.values, i));
    usage.cpuMillicores.push(perPod(cpu.values, i) * 1000);
    if (memory !== null && Number.isFinite(memory.values[i])) usage.memoryBytes.push(perPod(memory.values, i));
  }
  return { load, usage };
}

/**
 * The failed reads of a sync in one line, each error once with the queries it hit (`metric.query, queries.cpu:
 * cannot reach Prometheus ...`), so a broken query is named and an unreachable Prometheus is said once.
 */
export function describeReadErrors(errors: readonly ReadError[]): string | null {
  if (errors.length === 0) return null;
  const fieldsByMessage = new Map<string, string[]>();
  for (const { field, message } of errors)
    fieldsByMessage.set(message, [...(fieldsByMessage.get(message) ?? []), field]);
  return [...fieldsByMessage].map(([message, fields]) => `${fields.join(', ')}: ${message}`).join('; ');
}
