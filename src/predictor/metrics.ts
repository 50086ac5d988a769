import { readFileSync } from 'node:fs';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { GrpcCall, HttpRequest } from '../executor/index.js';
import type { TrainingQueueStats } from './training-queue.js';

/** Sub-millisecond to tens of seconds: a sync or a forecast is ~1 ms, a fit up to minutes. */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
const FIT_BUCKETS = [0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900];

/**
 * prom-client's default families that `promtool check metrics` refuses (gauges ending in `_total`); each is the sum
 * of its labelled sibling without the suffix (`sum(nodejs_active_handles)`), so nothing is lost.
 */
const DROPPED_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** The version of this build (package.json), for `prescale_build_info`. */
export const PRESCALE_VERSION: string = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
).version;

type WorkloadLabels = 'workload' | 'namespace';
type HorizonLabels = WorkloadLabels | 'horizon_seconds';

/**
 * The service's own `/metrics` (prom-client), named by Prometheus' conventions (base units, `_total` counters,
 * `_ratio` for 0–1 shares, numeric `horizon_seconds`): per workload the forecast and its bounds at a few horizons,
 * the one published value and where it came from, the plan, the reactive value, cost, fallback state and causes,
 * online accuracy, model and its fits; the API, External Metrics API and gRPC request durations; build info and
 * the standard `process_*`/`nodejs_*` families. Every metric is listed in docs/metrics.md. One registry per
 * service, so tests can run several.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly buildInfo: Gauge<'version' | 'node_version'>;
  readonly forecast: Gauge<HorizonLabels | 'bound'>;
  readonly forecastIntervalLevel: Gauge<WorkloadLabels>;
  readonly desiredReplicas: Gauge<WorkloadLabels>;
  readonly desiredReplicasSource: Gauge<WorkloadLabels | 'source'>;
  readonly replicaChanges: Counter<WorkloadLabels | 'direction'>;
  readonly plannedReplicas: Gauge<WorkloadLabels>;
  readonly reactiveReplicas: Gauge<WorkloadLabels>;
  readonly currentReplicas: Gauge<WorkloadLabels>;
  readonly minReplicas: Gauge<WorkloadLabels>;
  readonly maxReplicas: Gauge<WorkloadLabels>;
  readonly currentLoad: Gauge<WorkloadLabels>;
  readonly currentLatency: Gauge<WorkloadLabels>;
  readonly sloLoadPerPod: Gauge<WorkloadLabels>;
  readonly podSeconds: Counter<WorkloadLabels>;
  readonly reactivePodSeconds: Counter<WorkloadLabels>;
  readonly costPerHour: Gauge<WorkloadLabels>;
  readonly reactiveCostPerHour: Gauge<WorkloadLabels>;
  readonly fallbackActive: Gauge<WorkloadLabels>;
  readonly fallbackReason: Gauge<WorkloadLabels | 'cause'>;
  readonly rollingError: Gauge<WorkloadLabels>;
  readonly maxError: Gauge<WorkloadLabels>;
  readonly onlineError: Gauge<HorizonLabels>;
  readonly planningError: Gauge<WorkloadLabels>;
  readonly onlineCoverage: Gauge<HorizonLabels>;
  readonly modelInfo: Gauge<WorkloadLabels | 'model'>;
  readonly modelLastFit: Gauge<WorkloadLabels>;
  readonly modelRefitInterval: Gauge<WorkloadLabels>;
  readonly modelRefitLate: Gauge<WorkloadLabels>;
  readonly lastSync: Gauge<WorkloadLabels>;
  readonly decisionSeconds: Histogram<WorkloadLabels>;
  readonly modelForecastSeconds: Histogram<'model'>;
  readonly modelFitSeconds: Histogram<'model' | 'result'>;
  readonly retrains: Counter<WorkloadLabels | 'result'>;
  readonly prometheusErrors: Counter<WorkloadLabels>;
  readonly apiForecastSeconds: Histogram<'model'>;
  readonly httpRequestSeconds: Histogram<'route' | 'method' | 'status_code'>;
  readonly grpcHandlingSeconds: Histogram<'grpc_service' | 'grpc_method' | 'grpc_type' | 'grpc_code'>;
  /** The metrics labelled by workload, whose series go when the workload goes. */
  private readonly perWorkload: (Gauge<string> | Counter<string> | Histogram<string>)[] = [];

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const workload = ['workload', 'namespace'] as const;
    const horizon = [...workload, 'horizon_seconds'] as const;
    const track = <M extends Gauge<string> | Counter<string> | Histogram<string>>(
      metric: M,
      labelNames: readonly string[],
    ): M => {
      if (labelNames.includes('workload')) this.perWorkload.push(metric);
      return metric;
    };
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      track(new Gauge<L>({ name, help, labelNames, registers }), labelNames);
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      track(new Counter<L>({ name, help, labelNames, registers }), labelNames);
    const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) =>
      track(new Histogram<L>({ name, help, labelNames, buckets, registers }), labelNames);

    this.buildInfo = gauge('prescale_build_info', 'Version of Prescale and of Node.js running it (value 1)', [
      'version',
      'node_version',
    ]);
    this.buildInfo.set({ version: PRESCALE_VERSION, node_version: process.version }, 1);

    this.forecast = gauge(
      'prescale_forecast',
      'Forecast load at a horizon (bound: point, lower or upper bound of the interval), in the unit of the load query',
      [...horizon, 'bound'],
    );
    this.forecastIntervalLevel = gauge(
      'prescale_forecast_interval_level_ratio',
      'Nominal coverage of the forecast interval (lower to upper bound)',
      workload,
    );
    this.desiredReplicas = gauge(
      'prescale_desired_replicas',
      'Replicas published to Kubernetes (KEDA scaler / External Metrics API); where they came from is prescale_desired_replicas_source',
      workload,
    );
    this.desiredReplicasSource = gauge(
      'prescale_desired_replicas_source',
      'Where the published replicas came from: 1 for the current source (plan, reactive, last-published, min-replicas), 0 for the others',
      [...workload, 'source'],
    );
    this.replicaChanges = counter(
      'prescale_replica_changes_total',
      'Changes of the published replicas, by direction (up, down)',
      [...workload, 'direction'],
    );
    this.plannedReplicas = gauge(
      'prescale_planned_replicas',
      "The planner's desired replicas (published unless in fallback or ForecastOnly)",
      workload,
    );
    this.reactiveReplicas = gauge(
      'prescale_reactive_replicas',
      'Replicas a reactive HPA alone would ask for from current metrics, within min/max replicas (the fallback value and the baseline of savings)',
      workload,
    );
    this.currentReplicas = gauge(
      'prescale_current_replicas',
      "The target's current replicas (the replicas query)",
      workload,
    );
    this.minReplicas = gauge('prescale_spec_min_replicas', "The workload's minReplicas", workload);
    this.maxReplicas = gauge('prescale_spec_max_replicas', "The workload's maxReplicas", workload);
    this.currentLoad = gauge(
      'prescale_current_load',
      'The load the reactive floor sizes on (metric.query: its newest step point, or its irate read when higher)',
      workload,
    );
    this.currentLatency = gauge(
      'prescale_current_latency_seconds',
      'Latency the latency query returns now (e.g. a p95), for the SLO',
      workload,
    );
    this.sloLoadPerPod = gauge(
      'prescale_slo_load_per_pod_ratio',
      'Current load per replica divided by planner.slo.maxLoadPerPod: above 1 the SLO is broken',
      workload,
    );
    this.podSeconds = counter(
      'prescale_pod_seconds_total',
      'Published replicas integrated over time (pod-seconds): the cost in pods Prescale asks for',
      workload,
    );
    this.reactivePodSeconds = counter(
      'prescale_reactive_pod_seconds_total',
      'Reactive replicas integrated over time (pod-seconds): the cost in pods a reactive HPA alone would ask for',
      workload,
    );
    this.costPerHour = gauge(
      'prescale_estimated_cost_per_hour',
      'Published replicas × pod.costPerPodHour: what the workload costs per hour at the published value',
      workload,
    );
    this.reactiveCostPerHour = gauge(
      'prescale_reactive_estimated_cost_per_hour',
      'Reactive replicas × pod.costPerPodHour: what it would cost per hour under a reactive HPA alone',
      workload,
    );
    this.fallbackActive = gauge(
      'prescale_fallback_active',
      '1 while the workload publishes the reactive (or held) value instead of the plan',
      workload,
    );
    this.fallbackReason = gauge(
      'prescale_fallback_reason',
      '1 for each cause keeping the workload in fallback, 0 for the others',
      [...workload, 'cause'],
    );
    this.rollingError = gauge(
      'prescale_rolling_error_ratio',
      'The online error fallback judges: mean absolute error at the planning horizons over the load level',
      workload,
    );
    this.maxError = gauge(
      'prescale_spec_fallback_max_error_ratio',
      'fallback.maxError: above it prescale_rolling_error_ratio puts the workload in fallback',
      workload,
    );
    this.onlineError = gauge(
      'prescale_online_error_wape_ratio',
      'Rolling WAPE of past forecasts against the actuals at a horizon',
      horizon,
    );
    this.planningError = gauge(
      'prescale_online_planning_error_wape_ratio',
      'Rolling WAPE pooled over the horizons the plan reads (up to podStartup)',
      workload,
    );
    this.onlineCoverage = gauge(
      'prescale_online_interval_coverage_ratio',
      'Share of actuals inside the forecast interval at a horizon (compare with prescale_forecast_interval_level_ratio)',
      horizon,
    );
    this.modelInfo = gauge('prescale_model_info', 'The model serving each workload (value 1)', [...workload, 'model']);
    this.modelLastFit = gauge(
      'prescale_model_last_fit_timestamp_seconds',
      'When the serving model was fitted (unix seconds)',
      workload,
    );
    this.modelRefitInterval = gauge(
      'prescale_spec_refit_interval_seconds',
      'prediction.retrainEvery: how often the model is refitted',
      workload,
    );
    this.modelRefitLate = gauge(
      'prescale_model_refit_late',
      '1 while the workload waits for a refit past its grace (queued behind the training budget, or a long fit); the last good model serves',
      workload,
    );
    this.lastSync = gauge(
      'prescale_last_sync_timestamp_seconds',
      'When the workload last synced (unix seconds)',
      workload,
    );
    this.decisionSeconds = histogram(
      'prescale_decision_duration_seconds',
      'Time of one sync: read Prometheus, forecast, plan, publish',
      workload,
      LATENCY_BUCKETS,
    );
    this.modelForecastSeconds = histogram(
      'prescale_model_forecast_duration_seconds',
      'Time of one model forecast in the live loop',
      ['model'],
      LATENCY_BUCKETS,
    );
    this.modelFitSeconds = histogram(
      'prescale_model_fit_duration_seconds',
      'Time of one background fit (data read included)',
      ['model', 'result'],
      FIT_BUCKETS,
    );
    this.retrains = counter(
      'prescale_model_retrains_total',
      'Background fits by result (success, failure: a failure keeps the last good model)',
      [...workload, 'result'],
    );
    this.prometheusErrors = counter(
      'prescale_prometheus_errors_total',
      'Syncs whose Prometheus read failed (a query refused, Prometheus unreachable)',
      workload,
    );
    this.apiForecastSeconds = histogram(
      'prescale_api_forecast_duration_seconds',
      'Model time per forecast of POST /v1/forecast: a run shared by several requests or series counts its time divided among them',
      ['model'],
      LATENCY_BUCKETS,
    );
    this.httpRequestSeconds = histogram(
      'http_request_duration_seconds',
      'HTTP requests to the API and the External Metrics API, by route, method and status code',
      ['route', 'method', 'status_code'],
      LATENCY_BUCKETS,
    );
    this.grpcHandlingSeconds = histogram(
      'grpc_server_handling_seconds',
      'gRPC calls to the KEDA external scaler until answered (a stream: until it ends), by method and code',
      ['grpc_service', 'grpc_method', 'grpc_type', 'grpc_code'],
      LATENCY_BUCKETS,
    );
    if (options.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      for (const name of DROPPED_DEFAULT_METRICS) this.registry.removeSingleMetric(name);
    }
  }

  /**
   * The training queue's state, read at each scrape: fits waiting and running, the budget, the longest wait. Called
   * once, by the service that owns the queue.
   */
  observeTrainingQueue(stats: () => TrainingQueueStats): void {
    const registers = [this.registry];
    const family = (name: string, help: string, read: (s: TrainingQueueStats) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read(stats()));
        },
      });
    family('prescale_training_queue_length', 'Fits waiting for a training slot', (s) => s.queued);
    family(
      'prescale_training_queue_oldest_wait_seconds',
      'How long the longest-waiting queued fit has waited (0 with none queued)',
      (s) => s.oldestWaitSeconds,
    );
    family('prescale_training_fits_running', 'Fits running now, at most prescale_training_slots', (s) => s.running);
    family('prescale_training_slots', 'loop.trainingConcurrency: how many fits may run at once', (s) => s.concurrency);
  }

  /** Removes every series of a workload that is gone (removed, or replaced by a new loop): no ghosts on /metrics. */
  async removeWorkload(workload: { readonly workload: string; readonly namespace: string }): Promise<void> {
    for (const metric of this.perWorkload) {
      const { values } = await metric.get();
      for (const { labels } of values) {
        if (labels.workload !== workload.workload || labels.namespace !== workload.namespace) continue;
        // A histogram's buckets carry `le`, which is no label of the metric itself.
        const { le: _bucket, ...own } = labels;
        metric.remove(own as Record<string, string>);
      }
    }
  }

  /** Records one HTTP request (the API or the External Metrics API). */
  observeHttp(request: HttpRequest): void {
    this.httpRequestSeconds.observe(
      { route: request.route, method: request.method, status_code: String(request.statusCode) },
      request.seconds,
    );
  }

  /** Records one gRPC call of the KEDA scaler. */
  observeGrpc(call: GrpcCall): void {
    this.grpcHandlingSeconds.observe(
      { grpc_service: call.service, grpc_method: call.method, grpc_type: call.type, grpc_code: call.code },
      call.seconds,
    );
  }
}

/** Horizons reported on /metrics: the first step, every 5 minutes, and the last step (in steps, ascending). */
export function reportedHorizonSteps(horizonSteps: number, stepSeconds: number): number[] {
  const steps = new Set<number>([1, horizonSteps]);
  const every = Math.max(1, Math.round(300 / stepSeconds));
  for (let h = every; h < horizonSteps; h += every) steps.add(h);
  return [...steps].filter((h) => h >= 1 && h <= horizonSteps).sort((a, b) => a - b);
}
