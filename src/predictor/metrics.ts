import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Sub-millisecond to tens of seconds: a sync or a forecast is ~1 ms, a fit up to minutes. */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
const FIT_BUCKETS = [0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900];

type WorkloadLabels = 'workload' | 'namespace';

/**
 * The service's own `/metrics` (prom-client): forecast and bounds per workload at a few horizons, the
 * replicas planned, reacted and published, fallback state and reasons, online error per horizon, and the
 * decision, model and API latency histograms. One registry per service, so tests can run several.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly forecast: Gauge<WorkloadLabels | 'bound' | 'horizon_seconds'>;
  readonly publishedReplicas: Gauge<WorkloadLabels | 'source'>;
  readonly plannedReplicas: Gauge<WorkloadLabels>;
  readonly reactiveReplicas: Gauge<WorkloadLabels>;
  readonly currentLoad: Gauge<WorkloadLabels>;
  readonly fallbackActive: Gauge<WorkloadLabels>;
  readonly fallbackReason: Gauge<WorkloadLabels | 'cause'>;
  readonly onlineError: Gauge<WorkloadLabels | 'horizon_seconds'>;
  readonly onlineCoverage: Gauge<WorkloadLabels | 'horizon_seconds'>;
  readonly modelInfo: Gauge<WorkloadLabels | 'model'>;
  readonly decisionSeconds: Histogram<WorkloadLabels>;
  readonly modelForecastSeconds: Histogram<'model'>;
  readonly modelFitSeconds: Histogram<'model' | 'result'>;
  readonly retrains: Counter<WorkloadLabels | 'result'>;
  readonly prometheusErrors: Counter<WorkloadLabels>;
  readonly apiForecastSeconds: Histogram<'model'>;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const workload = ['workload', 'namespace'] as const;
    this.forecast = new Gauge({
      name: 'prescale_forecast',
      help: 'Forecast load (point, lower and upper bound of the interval) at a horizon, in the unit of the load query',
      labelNames: [...workload, 'bound', 'horizon_seconds'],
      registers,
    });
    this.publishedReplicas = new Gauge({
      name: 'prescale_desired_replicas',
      help: 'Replicas published to Kubernetes (KEDA scaler / External Metrics API); source says plan, reactive, last-published or min-replicas',
      labelNames: [...workload, 'source'],
      registers,
    });
    this.plannedReplicas = new Gauge({
      name: 'prescale_planned_replicas',
      help: "The planner's desired replicas from the forecast (published unless in fallback or ForecastOnly)",
      labelNames: workload,
      registers,
    });
    this.reactiveReplicas = new Gauge({
      name: 'prescale_reactive_replicas',
      help: 'What a reactive HPA would propose from current metrics (the fallback value)',
      labelNames: workload,
      registers,
    });
    this.currentLoad = new Gauge({
      name: 'prescale_current_load',
      help: 'Newest observed value of the load query',
      labelNames: workload,
      registers,
    });
    this.fallbackActive = new Gauge({
      name: 'prescale_fallback_active',
      help: '1 while the workload publishes the reactive value instead of the plan',
      labelNames: workload,
      registers,
    });
    this.fallbackReason = new Gauge({
      name: 'prescale_fallback_reason',
      help: '1 for each cause keeping the workload in fallback',
      labelNames: [...workload, 'cause'],
      registers,
    });
    this.onlineError = new Gauge({
      name: 'prescale_online_error_wape_percent',
      help: 'Rolling WAPE of past forecasts against the actuals, per horizon (horizon_seconds="plan": pooled over the horizons the plan reads)',
      labelNames: [...workload, 'horizon_seconds'],
      registers,
    });
    this.onlineCoverage = new Gauge({
      name: 'prescale_online_interval_coverage',
      help: 'Share of actuals inside the forecast interval, per horizon',
      labelNames: [...workload, 'horizon_seconds'],
      registers,
    });
    this.modelInfo = new Gauge({
      name: 'prescale_model_info',
      help: 'The model serving each workload (value 1)',
      labelNames: [...workload, 'model'],
      registers,
    });
    this.decisionSeconds = new Histogram({
      name: 'prescale_decision_duration_seconds',
      help: 'Time of one sync: read Prometheus, forecast, plan, publish',
      labelNames: workload,
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.modelForecastSeconds = new Histogram({
      name: 'prescale_model_forecast_duration_seconds',
      help: 'Time of one model forecast in the live loop',
      labelNames: ['model'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.modelFitSeconds = new Histogram({
      name: 'prescale_model_fit_duration_seconds',
      help: 'Time of one background fit (data read included)',
      labelNames: ['model', 'result'],
      buckets: FIT_BUCKETS,
      registers,
    });
    this.retrains = new Counter({
      name: 'prescale_model_retrains_total',
      help: 'Background fits by result (a failure keeps the last good model)',
      labelNames: [...workload, 'result'],
      registers,
    });
    this.prometheusErrors = new Counter({
      name: 'prescale_prometheus_errors_total',
      help: 'Syncs whose Prometheus read failed',
      labelNames: workload,
      registers,
    });
    this.apiForecastSeconds = new Histogram({
      name: 'prescale_api_forecast_duration_seconds',
      help: 'Model time per forecast of POST /v1/forecast: a run shared by several requests or series counts its time divided among them',
      labelNames: ['model'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'prescale_' });
  }
}

/** Horizons reported on /metrics: the first step, every 5 minutes, and the last step (in steps, ascending). */
export function reportedHorizonSteps(horizonSteps: number, stepSeconds: number): number[] {
  const steps = new Set<number>([1, horizonSteps]);
  const every = Math.max(1, Math.round(300 / stepSeconds));
  for (let h = every; h < horizonSteps; h += every) steps.add(h);
  return [...steps].filter((h) => h >= 1 && h <= horizonSteps).sort((a, b) => a - b);
}
