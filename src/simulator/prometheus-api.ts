import type { InstantSample } from '../collector/prometheus.js';
import { rangeWindowOf } from '../collector/promql.js';
import type { LabeledSeries, RangeQuery } from '../collector/types.js';
import { PrescaleError } from '../core/index.js';
import { parseDurationSeconds } from '../core/units.js';
import type { PrometheusView } from './prometheus.js';

/** The PromQL the simulated workload is read with, and what each one measures. */
export interface SimQueries {
  /** `metric.query`: the request rate (e.g. `sum(rate(nginx_ingress_controller_requests{…}[1m]))`). */
  readonly requests: string;
  /** The workload's CPU cores (`sum(rate(container_cpu_usage_seconds_total{…}[1m]))`); null = not read. */
  readonly cpu: string | null;
  /** `spec.replicas` of the Deployment (kube-state-metrics); null = not read. */
  readonly replicas: string | null;
}

const IRATE_CALL = /\birate\(/g;

/**
 * The window `evaluate` reads a query over, in seconds: its `[1m]` (60 when it has none); for `irate`, the rate
 * between the two newest scrapes, which any window of up to one scrape interval gives (1 s).
 */
function rateWindowSeconds(query: string): number {
  if (query.match(IRATE_CALL) !== null) return 1;
  const window = rangeWindowOf(query);
  return window === null ? 60 : parseDurationSeconds(window);
}

/** The workload's query a query reads: itself, or the one it is the `irate` form of (`metric.reactiveRate`). */
function signalKey(query: string): string {
  return query.trim().replace(IRATE_CALL, 'rate(');
}

/**
 * Prometheus' query API (`queryRange`, `queryInstant`, as `PrometheusClient` offers them) answered from the
 * simulated scrapes, so the live service's own loop reads the simulated cluster exactly as it reads a real
 * one: a point at T is the PromQL value evaluated at T (a rate over the window ending at T), only from
 * samples scraped before the current moment, and only for the workload's configured queries.
 */
export class SimPrometheusApi {
  private view: Pick<PrometheusView, 'evaluate'> | null = null;
  private nowSeconds = Number.NaN;
  private readonly signals: Map<string, 'requests' | 'cpu' | 'replicas'>;

  constructor(queries: SimQueries) {
    this.signals = new Map([[signalKey(queries.requests), 'requests']]);
    if (queries.cpu !== null) this.signals.set(signalKey(queries.cpu), 'cpu');
    if (queries.replicas !== null) this.signals.set(signalKey(queries.replicas), 'replicas');
  }

  /** Moves the API to the moment `nowSeconds` of a simulation (or `prescale demo`'s scrape) whose Prometheus is `view`. */
  at(view: Pick<PrometheusView, 'evaluate'>, nowSeconds: number): void {
    this.view = view;
    this.nowSeconds = nowSeconds;
  }

  private signalOf(query: string) {
    const signal = this.signals.get(signalKey(query));
    if (signal === undefined || this.view === null) {
      throw new PrescaleError(
        'prometheus-error',
        `simulated Prometheus: no data for ${JSON.stringify(query)}; the simulator answers only the workload's metric.query and its cpu and replicas queries`,
        { field: 'query' },
      );
    }
    return { signal, windowSeconds: signal === 'replicas' ? 0 : rateWindowSeconds(query), view: this.view };
  }

  /** `query_range`: the value at start + k·step for every k while ≤ end, where Prometheus has one. */
  async queryRange(q: RangeQuery, _signal?: AbortSignal): Promise<LabeledSeries[]> {
    const { signal, windowSeconds, view } = this.signalOf(q.query);
    const times: number[] = [];
    const values: number[] = [];
    const end = Math.min(q.endSeconds, this.nowSeconds);
    for (let t = q.startSeconds; t <= end; t += q.stepSeconds) {
      const value = view.evaluate(signal, t, windowSeconds);
      if (value !== null) {
        times.push(t);
        values.push(value);
      }
    }
    if (times.length === 0) return [];
    return [{ labels: {}, series: { timestampsSeconds: Float64Array.from(times), values: Float64Array.from(values) } }];
  }

  /** An instant query at `timeSeconds` (default now), never later than now. */
  async queryInstant(query: string, timeSeconds?: number, _signal?: AbortSignal): Promise<InstantSample[]> {
    const { signal, windowSeconds, view } = this.signalOf(query);
    const at = Math.min(timeSeconds ?? this.nowSeconds, this.nowSeconds);
    const value = view.evaluate(signal, at, windowSeconds);
    return value === null ? [] : [{ labels: {}, timestampSeconds: at, value }];
  }
}
