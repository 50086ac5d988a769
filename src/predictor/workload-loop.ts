import type { PrometheusClient } from '../collector/prometheus.js';
import type { MetricSource } from '../collector/types.js';
import type { ServiceConfig, WorkloadConfig } from '../config/service.js';
import { type Clock, type Forecast, PrescaleError, type Series } from '../core/index.js';
import { choosePublishedReplicas } from '../executor/publish.js';
import type { Publisher, ScalingDecision } from '../executor/types.js';
import { DEFAULT_INTERVAL_LEVEL } from '../models/common.js';
import {
  decideFallback,
  describeFallback,
  type FallbackState,
  initialPlannerState,
  type PlanInput,
  type PlanResult,
  plan,
  type SourceHealth,
} from '../planner/index.js';
import type { PlannerState } from '../planner/types.js';
import type { UsageHistory } from '../planner/vertical.js';
import { autoRefitSettings } from './auto-refit.js';
import type { ServiceMetrics } from './metrics.js';
import { ModelHolder, type ModelHolderOptions, servingModelName } from './model-holder.js';
import { modelIdentity } from './model-identity.js';
import { OnlineAccuracy } from './online-accuracy.js';
import { RecentLoads } from './recent-loads.js';
import type { RecentSeries } from './recent-series.js';
import type { Trainer } from './trainer.js';
import { fitEvents, type ReadFailureMemory, syncEvents } from './workload-events.js';
import { exportWorkloadMetrics } from './workload-metrics.js';
import {
  describeReadErrors,
  type ReadError,
  readInstantSignals,
  readReactiveLoad,
  readTrainingHistory,
} from './workload-reads.js';
import { type CurrentSignals, emptySignals, type WorkloadStatus } from './workload-status.js';

/** What one workload's loop needs from the service around it. */
export interface WorkloadLoopOptions {
  readonly workload: WorkloadConfig;
  readonly loop: ServiceConfig['loop'];
  /**
   * The workload's Prometheus (its `metric.prometheus`, else the service's): the Monitor stage's source for
   * the load and the other range series, and the instant queries of the current signals. The simulator answers
   * both from its simulated Prometheus.
   */
  readonly source: MetricSource;
  /** The training read's source when not `source`: the service's `ReadThread`, off the doors' event loop. */
  readonly trainingSource?: MetricSource;
  readonly instant: Pick<PrometheusClient, 'queryInstant'>;
  readonly trainer: Trainer;
  /** The service's training budget, which every fit waits for; absent (the simulator): fits start at once. */
  readonly trainingQueue?: ModelHolderOptions['queue'];
  readonly clock: Clock;
  /** Where the fitted model is saved; null = not persisted. */
  readonly modelPath: string | null;
  /** The doors this workload publishes through (its `integration`). */
  readonly publishers: readonly Publisher[];
  readonly metrics: ServiceMetrics | null;
  /** The value published for this workload before this loop (a replaced loop): held until it decides. */
  readonly lastPublishedReplicas?: number;
  /**
   * Structured events (fallback, Prometheus read failures, replica changes, fits, publish failures); the service
   * passes its logger.
   */
  readonly log?: (
    level: 'debug' | 'info' | 'warn' | 'error',
    message: string,
    fields?: Record<string, unknown>,
  ) => void;
}

/**
 * One workload's live loop, one `sync` per sync period: read the newest data, score past forecasts,
 * start a background refit when due, forecast with the last good model, let the fallback module judge,
 * plan, and publish the one value through the workload's doors. Nothing in a sync waits for a fit.
 */
export class WorkloadLoop {
  readonly name: string;
  readonly namespace: string;
  private readonly loads: RecentLoads;
  private readonly recent: RecentSeries;
  private readonly accuracy: OnlineAccuracy;
  private readonly holder: ModelHolder;
  private readonly horizonSteps: number;
  private planningHorizonSteps: number;
  private plannerState: PlannerState = initialPlannerState;
  private usage: UsageHistory | null = null;
  private signals: CurrentSignals = emptySignals;
  private prometheusError: string | null = null;
  /** The load query's own read failure: only it makes the forecast untrustworthy (fallback). */
  private loadReadError: string | null = null;
  private forecast: Forecast | null = null;
  private forecastError: string | null = null;
  private planResult: PlanResult | null = null;
  private planError: string | null = null;
  private published: ScalingDecision;
  private lastSyncSeconds: number | null = null;
  private syncDurationMs: number | null = null;
  private syncing: Promise<void> | null = null;
  /** The status after the last sync: what the next sync's log lines and metrics compare with. */
  private lastStatus: WorkloadStatus | null = null;
  private readFailure: ReadFailureMemory | null = null;
  /** Closed: a sync still running reports nothing (its workload's series are gone from /metrics). */
  private closed = false;

  private options: WorkloadLoopOptions;

  constructor(options: WorkloadLoopOptions) {
    this.options = options;
    const r = options.workload.resource;
    this.name = r.name;
    this.namespace = r.namespace;
    const step = r.metric.stepSeconds;
    this.horizonSteps = Math.max(1, Math.ceil(r.predictionHorizonSeconds / step));
    this.planningHorizonSteps = Math.min(this.horizonSteps, Math.ceil(r.policy.podStartupSeconds / step) + 1);
    this.loads = new RecentLoads(step, options.loop.contextWindowSeconds, r);
    this.recent = this.loads.context;
    this.accuracy = new OnlineAccuracy({
      stepSeconds: step,
      horizonSteps: this.horizonSteps,
      windowSeconds: options.loop.accuracyWindowSeconds,
    });
    this.holder = new ModelHolder({
      model: r.model,
      autoCandidates: options.loop.autoCandidates,
      modelOptions: { horizonSteps: this.horizonSteps },
      retrainEverySeconds: r.prediction.retrainEverySeconds,
      // Read at each sync: reselectEvery and fallback.maxError change without a new loop (`reconfigure`).
      autoRefit: () => autoRefitSettings(this.options.workload.resource),
      retryAfterSeconds: options.loop.retrainRetrySeconds,
      path: options.modelPath,
      trainer: options.trainer,
      queue: options.trainingQueue,
      clock: options.clock,
      onFit: (event) => {
        const labels = { workload: this.name, namespace: this.namespace };
        const result = event.ok ? 'success' : 'failure';
        options.metrics?.retrains.inc({ ...labels, result });
        options.metrics?.modelFitSeconds.observe({ model: r.model, result }, event.seconds);
        for (const line of fitEvents(event, labels)) options.log?.(line.level, line.message, { ...line.fields });
      },
    });
    this.published = this.decide(Number.NaN, noSourceYet, null, null).decision;
  }

  /**
   * Takes changed settings that leave the model as it is (planner, fallback, bounds, mode, queries, doors):
   * the trained model, the recent data and the accuracy so far are kept, and the next sync decides with the new
   * settings. A change of what the model is (see `modelIdentity`) needs a new loop instead.
   */
  reconfigure(workload: WorkloadConfig, publishers: readonly Publisher[]): void {
    if (modelIdentity(workload) !== modelIdentity(this.options.workload)) {
      throw new PrescaleError(
        'invalid-input',
        `${this.namespace}/${this.name}: the model's settings changed; start a new loop (the model must be retrained)`,
      );
    }
    this.options = { ...this.options, workload, publishers };
    const r = workload.resource;
    this.loads.reconfigure(r);
    this.planningHorizonSteps = Math.min(
      this.horizonSteps,
      Math.ceil(r.policy.podStartupSeconds / r.metric.stepSeconds) + 1,
    );
  }

  /** The fitted model serving forecasts now (for the forecast API); null before the first fit. */
  get model() {
    return this.holder.current;
  }

  /** Reads the saved model and publishes the initial decision, so no door ever answers "nothing". */
  async start(nowSeconds: number): Promise<void> {
    await this.holder.loadSaved(nowSeconds);
    this.published = { ...this.published, timestampSeconds: nowSeconds };
    await this.publish(this.published);
  }

  /** One sync at `nowSeconds`; concurrent calls share the running one. */
  sync(nowSeconds: number): Promise<void> {
    this.syncing ??= this.runSync(nowSeconds).finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }

  /** Resolves when no background fit is running (tests, shutdown). */
  whenIdle(): Promise<void> {
    return this.holder.whenIdle();
  }

  /** Stops background fits and reporting. */
  close(): void {
    this.closed = true;
    this.holder.close();
  }

  status(): WorkloadStatus {
    const r = this.options.workload.resource;
    const policy = r.policy.fallback;
    return {
      name: this.name,
      namespace: this.namespace,
      targetRef: r.targetRef,
      mode: r.policy.mode,
      integration: r.integration,
      lastSyncSeconds: this.lastSyncSeconds,
      syncDurationMs: this.syncDurationMs,
      data: {
        ...this.signals,
        lastSampleSeconds: this.recent.lastObservedSeconds(),
        prometheusError: this.prometheusError,
      },
      model: { ...this.holder.status(), forecastError: this.forecastError },
      forecast: this.forecast,
      plan: this.planResult,
      planError: this.planError,
      published: this.published,
      accuracy: {
        rollingErrorPercent: this.rollingErrorPercent(),
        planningHorizonSteps: this.planningHorizonSteps,
        windowSeconds: this.options.loop.accuracyWindowSeconds,
        byHorizon: this.accuracy.byHorizon(),
      },
      fallback: {
        ...this.plannerState.fallback,
        summary: describeFallback(this.plannerState.fallback, this.lastSyncSeconds ?? 0, policy),
      },
    };
  }

  /**
   * The error fallback judges: the mean absolute error at the horizons the plan reads, as a percent of the
   * day's mean load or of the scored points' load when higher (`OnlineAccuracy.scaledErrorPercent`), so small
   * night-time counts do not trip it.
   */
  private rollingErrorPercent(): number | null {
    return this.accuracy.scaledErrorPercent(this.planningHorizonSteps, this.recent.meanObserved());
  }

  private async runSync(nowSeconds: number): Promise<void> {
    const startedMs = performance.now();
    // Without a log or metrics (the simulator) nothing is reported, and no status is built for it.
    const reporting = this.options.log !== undefined || this.options.metrics !== null;
    const before = reporting ? (this.lastStatus ?? this.status()) : null;
    await this.read(nowSeconds);
    const actuals = this.recent.series();
    this.accuracy.observe(actuals, nowSeconds);
    // A fit without a single sample would only fail: wait for the first one.
    if (this.recent.lastObservedSeconds() !== null) {
      this.holder.maybeRetrain(
        nowSeconds,
        (signal) => this.loadHistory(nowSeconds, signal),
        this.rollingErrorPercent(),
      );
    }
    this.forecastNow(actuals);
    const sources: SourceHealth = {
      // A failing extra query (latency, memory) is reported, but the forecast and plan stand on the load alone.
      prometheusError: this.loadReadError,
      lastSampleSeconds: this.recent.lastObservedSeconds(),
      modelProblem: this.holder.current === null ? (this.holder.status().problem ?? 'no model') : null,
      forecastProblem: this.forecastError,
      planProblem: null,
    };
    const errorPercent = this.rollingErrorPercent();
    const { decision, fallback, planResult, planError } = this.decide(nowSeconds, sources, errorPercent, this.forecast);
    this.planResult = planResult;
    this.planError = planError;
    this.plannerState = planResult?.state ?? { ...this.plannerState, fallback };
    this.published = decision;
    await this.publish(decision);
    this.lastSyncSeconds = nowSeconds;
    this.syncDurationMs = performance.now() - startedMs;
    if (before !== null) {
      const after = this.status();
      this.report(before, after);
      this.lastStatus = after;
    }
  }

  /**
   * Plans (the planner's fallback module judges the sources, the forecast and its error first, and hands the
   * planner the forecast only when trusted), then picks the published value. A planner failure is one more
   * fallback cause, judged by the same module.
   */
  private decide(
    nowSeconds: number,
    sources: SourceHealth,
    errorPercent: number | null,
    forecast: Forecast | null,
  ): { decision: ScalingDecision; fallback: FallbackState; planResult: PlanResult | null; planError: string | null } {
    const w = this.options.workload;
    const r = w.resource;
    let planResult: PlanResult | null = null;
    let planError: string | null = null;
    let fallback: FallbackState;
    try {
      if (!Number.isFinite(nowSeconds)) throw new Error('not started');
      const sampleAge =
        sources.lastSampleSeconds === null ? Number.POSITIVE_INFINITY : nowSeconds - sources.lastSampleSeconds;
      const loadFresh = sampleAge <= r.policy.fallback.staleAfterSeconds;
      planResult = plan(this.planInput(nowSeconds, forecast, errorPercent, sources, loadFresh));
      fallback = planResult.state.fallback;
    } catch (error) {
      planError = Number.isFinite(nowSeconds) ? (error as Error).message : null;
      fallback = decideFallback(
        {
          sources: { ...sources, planProblem: planError },
          forecast,
          errorPercent,
          leadSeconds: r.policy.podStartupSeconds,
        },
        this.plannerState.fallback,
        nowSeconds,
        r.policy.fallback,
      ).state;
    }
    const chosen = choosePublishedReplicas({
      mode: r.policy.mode,
      fallbackActive: fallback.active,
      plannedReplicas: planResult?.decision.desiredReplicas ?? null,
      reactiveReplicas: publishedReactiveReplicas(planResult, fallback.active && r.policy.mode === 'Auto'),
      lastPublishedReplicas: this.published?.replicas ?? this.options.lastPublishedReplicas ?? null,
      minReplicas: r.policy.minReplicas,
      maxReplicas: r.policy.maxReplicas,
    });
    const decision: ScalingDecision = {
      workload: this.name,
      namespace: this.namespace,
      replicas: chosen.replicas,
      source: chosen.source,
      reason: chosen.source === 'plan' && planResult !== null ? planResult.decision.reason : chosen.reason,
      fallback: { active: fallback.active, reasons: fallback.reasons },
      timestampSeconds: nowSeconds,
    };
    return { decision, fallback, planResult, planError };
  }

  /** The planner's input: the forecast with its rolling error and the sources, for the fallback verdict. */
  private planInput(
    nowSeconds: number,
    forecast: Forecast | null,
    errorPercent: number | null,
    sources: SourceHealth,
    loadFresh: boolean,
  ): PlanInput {
    const w = this.options.workload;
    const r = w.resource;
    const replicas = this.signals.replicas ?? this.published?.replicas ?? r.policy.minReplicas;
    const cpuRequest = w.podResources.cpuRequestMillicores;
    const utilizationPercent =
      this.signals.cpuCores !== null && cpuRequest !== null && replicas > 0
        ? (100 * this.signals.cpuCores * 1000) / (replicas * cpuRequest)
        : null;
    return {
      nowSeconds,
      policy: r.policy,
      capacity: { perPod: r.capacityPerPod, loadIsCpuCores: w.loadIsCpuCores },
      resources: r.resources,
      workload: { resources: w.podResources, costPerPodHour: w.costPerPodHour, usage: this.usage, oomMemoryBytes: [] },
      current: {
        replicas,
        readyReplicas: replicas,
        utilizationPercent,
        // A stale load would make the reactive value a guess: without it the last published value holds.
        load: loadFresh ? this.signals.load : null,
      },
      forecast,
      forecastErrorPercent: errorPercent,
      sources,
      evidence: {
        recentMisses:
          r.policy.uncertainty === 'RecentErrors' ? this.accuracy.recentMisses(this.planningHorizonSteps) : [],
        recentLoad: this.loads.envelopeSeries(),
      },
      state: this.plannerState,
    };
  }

  /** Reads the newest load steps and the current signals; a failure is remembered, not thrown. */
  private async read(nowSeconds: number): Promise<void> {
    const r = this.options.workload.resource;
    const step = r.metric.stepSeconds;
    const errors: ReadError[] = [];
    try {
      const raw = await this.options.source.range({
        query: r.metric.query,
        startSeconds: this.loads.fetchFromSeconds(nowSeconds),
        endSeconds: Math.floor(nowSeconds / step) * step,
        stepSeconds: step,
      });
      this.loads.merge(raw, nowSeconds);
    } catch (error) {
      this.loads.merge(null, nowSeconds);
      errors.push({ field: 'metric.query', message: (error as Error).message });
    }
    const [instant, reactive] = await Promise.all([
      readInstantSignals(this.options.instant, this.options.workload.queries, nowSeconds),
      readReactiveLoad(this.options.instant, r.metric, nowSeconds, this.recent.lastValue()),
    ]);
    errors.push(...instant.errors);
    if (reactive.error !== null) errors.push(reactive.error);
    this.signals = { load: reactive.load, ...instant.signals };
    this.prometheusError = describeReadErrors(errors);
    this.loadReadError = describeReadErrors(errors.filter((e) => e.field === 'metric.query'));
    if (errors.length > 0)
      this.options.metrics?.prometheusErrors.inc({ workload: this.name, namespace: this.namespace });
  }

  /** Forecasts from the recent data with the last good model; a model error is remembered, not thrown. */
  private forecastNow(actuals: Series): void {
    const model = this.holder.current;
    this.forecast = null;
    this.forecastError = null;
    if (model === null || this.recent.lastObservedSeconds() === null) return;
    const started = performance.now();
    try {
      const forecast = model.forecast(actuals, this.horizonSteps, DEFAULT_INTERVAL_LEVEL);
      const bad = forecast.point.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new Error(`${model.metadata.model} forecast a non-finite value at h=${bad + 1}`);
      this.forecast = forecast;
      this.accuracy.recordForecast(forecast);
    } catch (error) {
      this.forecastError = (error as Error).message;
    }
    this.options.metrics?.modelForecastSeconds.observe(
      { model: servingModelName(model) },
      (performance.now() - started) / 1000,
    );
  }

  /** The training series of a refit; keeps the usage history the planner's capacity fit reads. */
  private async loadHistory(nowSeconds: number, signal: AbortSignal): Promise<Series> {
    const replicasNow = this.signals.replicas ?? this.published.replicas;
    const { trainingSource, source, workload } = this.options;
    const history = await readTrainingHistory(trainingSource ?? source, workload, nowSeconds, replicasNow, signal);
    if (history.usage !== null) this.usage = history.usage;
    return history.load;
  }

  private async publish(decision: ScalingDecision): Promise<void> {
    for (const publisher of this.options.publishers) {
      try {
        await publisher.publish(decision);
      } catch (error) {
        this.options.log?.('error', 'publish failed', {
          workload: this.name,
          namespace: this.namespace,
          publisher: publisher.name,
          error: (error as Error).message,
        });
      }
    }
  }

  /** The sync's log lines and metrics, from the status before it and after it. */
  private report(before: WorkloadStatus, after: WorkloadStatus): void {
    const { log, metrics } = this.options;
    if (this.closed) return;
    if (log !== undefined) {
      const { events, failing } = syncEvents(before, after, this.readFailure);
      this.readFailure = failing;
      for (const event of events) log(event.level, event.message, { ...event.fields });
    }
    if (metrics !== null) {
      exportWorkloadMetrics(metrics, {
        workload: this.options.workload,
        status: after,
        previous: before,
        planningWapePercent: this.accuracy.wapePercent(this.planningHorizonSteps),
      });
    }
  }
}

/** Before the first sync: nothing read, no model. */
const noSourceYet: SourceHealth = {
  prometheusError: null,
  lastSampleSeconds: null,
  modelProblem: null,
  forecastProblem: null,
  planProblem: null,
};

/**
 * The reactive value to publish; null without a fresh metric. In Auto-mode fallback the planner ran without
 * the forecast, so its decision is the reactive value through its ramp and scale-down stabilization: the raw
 * reactive value would oscillate behind an HPA that leaves stabilization to Prescale (measured in
 * docs/simulator.md). ForecastOnly publishes what a plain reactive HPA would.
 */
function publishedReactiveReplicas(planResult: PlanResult | null, throughRamp: boolean): number | null {
  const reactive = planResult?.decision.reactiveReplicas ?? null;
  if (reactive === null) return null;
  return throughRamp ? planResult!.decision.desiredReplicas : reactive;
}
