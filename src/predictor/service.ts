import { mkdir } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { PrometheusClient, PrometheusSource } from '../collector/prometheus.js';
import type { MetricSource } from '../collector/types.js';
import type { ServiceConfig } from '../config/service.js';
import type { WorkloadConfig } from '../config/workload.js';
import { type Clock, PrescaleError, systemClock } from '../core/index.js';
import {
  type ExternalMetricsServer,
  type GrpcCall,
  type HttpRequest,
  type KedaScaler,
  listening,
  type Publisher,
  type RemoteDecisions,
  splitListen,
} from '../executor/index.js';
import { readFittedModel } from '../models/persistence.js';
import type { FittedForecaster } from '../models/types.js';
import { readConfigured, startExternalMetricsDoor, startKedaDoor } from './door-servers.js';
import { buildHttpApi } from './http-api.js';
import { ServiceMetrics } from './metrics.js';
import { modelIdentity } from './model-identity.js';
import { type ReadClientOptions, ReadThread } from './read-thread.js';
import { deleteSavedModels, pruneSavedModels, savedModelPath } from './saved-models.js';
import { nextSyncMs, syncOffsetMs } from './sync-schedule.js';
import { type Trainer, trainerFor } from './trainer.js';
import { TrainingQueue } from './training-queue.js';
import { StatusHistory } from './ui/history.js';
import { changedPaths } from './workload-events.js';
import { WorkloadLoop } from './workload-loop.js';
import type { WorkloadStatus } from './workload-status.js';

/** Structured log lines (pino's shape: fields first, then the message). */
export interface ServiceLogger {
  /** Requests to the API and the doors (`--log-level debug`). */
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  /** Whether lines of `level` are written (pino's): a door's per-call debug line is built only when they are. */
  isLevelEnabled(level: 'debug'): boolean;
}

/** How to run the service besides its configuration. */
export interface ServiceOptions {
  /** Drives the sync schedule and fit bookkeeping; tests pass a `ManualClock`. Default the system clock. */
  readonly clock?: Clock;
  /** Default: the configured `loop.trainer`. */
  readonly trainer?: Trainer;
  readonly logger?: ServiceLogger;
  /** Process metrics (event loop, heap) on /metrics; default true. Tests running several services turn them off. */
  readonly processMetrics?: boolean;
}

/** Liveness fails when a workload has not synced for this many of its sync periods. */
const STALLED_SYNC_PERIODS = 5;

const silentLogger: ServiceLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  isLevelEnabled: () => false,
};

/**
 * `prescale serve`: the workloads' live loops, the HTTP API, the KEDA external scaler and the External
 * Metrics API, wired from one configuration. `run` drives every workload on its sync period with the
 * injected clock; `syncAll` runs one sync of each (what tests call on a manual clock).
 */
export class PrescaleService {
  private readonly workloads = new Map<string, RunningWorkload>();
  /** Set while `run` runs, so workloads added later start syncing at once. */
  private runSignal: AbortSignal | null = null;
  private readonly runners = new Set<Promise<void>>();
  private doorsByIntegration: { keda: KedaScaler | null; externalMetrics: ExternalMetricsServer | null } = {
    keda: null,
    externalMetrics: null,
  };
  private clientFor: (url: string) => PrometheusClient = () => {
    throw new Error('the service is not open');
  };
  /** The training reads' source for a Prometheus URL: null = the loop's own source (the in-process trainer). */
  private trainingSourceFor: (url: string) => MetricSource | null = () => null;
  /** The worker thread of the training reads, with the worker trainer. */
  private readThread: ReadThread | null = null;
  private readonly servedModels = new Map<string, FittedForecaster>();
  /** Each workload's recent syncs, for the built-in UI. */
  private readonly history = new StatusHistory();
  private readonly prometheusClients: PrometheusClient[] = [];
  private doors: Publisher[] = [];
  private api: FastifyInstance | null = null;
  private startedSeconds = 0;
  /** Bound ports (useful with port 0 in the config). */
  readonly ports = { api: 0, keda: null as number | null, externalMetrics: null as number | null };

  private constructor(
    private readonly config: ServiceConfig,
    private readonly clock: Clock,
    private readonly trainer: Trainer,
    /** The training budget every workload's fits wait for (`loop.trainingConcurrency`). */
    readonly trainingQueue: TrainingQueue,
    private readonly logger: ServiceLogger,
    readonly metrics: ServiceMetrics,
  ) {}

  /** Loads served models, opens the doors and the API, reads saved workload models, publishes initial values. */
  static async start(config: ServiceConfig, options: ServiceOptions = {}): Promise<PrescaleService> {
    const clock = options.clock ?? systemClock;
    const trainer = options.trainer ?? trainerFor(config.loop);
    const metrics = new ServiceMetrics({ processMetrics: options.processMetrics });
    const trainingQueue = new TrainingQueue(config.loop.trainingConcurrency, clock);
    metrics.observeTrainingQueue(() => trainingQueue.stats());
    const service = new PrescaleService(config, clock, trainer, trainingQueue, options.logger ?? silentLogger, metrics);
    try {
      await service.open();
    } catch (error) {
      await service.stop();
      throw error;
    }
    return service;
  }

  private async open(): Promise<void> {
    const { config } = this;
    this.startedSeconds = this.clock.nowMs() / 1000;
    for (const [i, served] of config.models.serve.entries()) {
      try {
        this.servedModels.set(served.name, await readFittedModel(served.path));
      } catch (error) {
        throw new PrescaleError('model-mismatch', `models.serve[${i}].path: ${(error as Error).message}`, {
          field: `models.serve[${i}].path`,
          cause: error,
        });
      }
    }
    try {
      await mkdir(config.models.dir, { recursive: true });
    } catch (error) {
      throw new PrescaleError(
        'io-error',
        `models.dir: cannot create ${config.models.dir} (${(error as Error).message}); point it at a writable folder`,
        { field: 'models.dir', cause: error },
      );
    }
    // Each door joins `doors` as soon as it listens, so a failure after it (a certificate, a port) closes it.
    const keda = config.keda.enabled
      ? this.opened(
          await listening('keda.listen', config.keda.listen, () => startKedaDoor(config.keda, this.observeGrpc)),
        )
      : null;
    const externalMetrics = config.externalMetrics.enabled
      ? this.opened(
          await listening('externalMetrics.listen', config.externalMetrics.listen, () =>
            startExternalMetricsDoor(config.externalMetrics, this.observeHttp),
          ),
        )
      : null;
    this.ports.keda = keda?.port ?? null;
    this.ports.externalMetrics = externalMetrics?.port ?? null;

    this.doorsByIntegration = { keda, externalMetrics };
    const clients = new Map<string, PrometheusClient>();
    const bearerToken =
      config.prometheus.bearerTokenFile === null
        ? undefined
        : (await readConfigured(config.prometheus.bearerTokenFile, 'prometheus.bearerTokenFile'))
            .toString('utf8')
            .trim();
    const clientOptions = (url: string): ReadClientOptions => ({
      baseUrl: url,
      bearerToken,
      caFile: config.prometheus.caFile ?? undefined,
      timeoutSeconds: config.prometheus.timeoutSeconds,
      retries: config.prometheus.retries,
    });
    if (config.loop.trainer === 'worker') {
      const readThread = new ReadThread();
      this.readThread = readThread;
      this.trainingSourceFor = (url) => readThread.source(clientOptions(url));
    }
    this.clientFor = (url: string) => {
      let client = clients.get(url);
      if (client === undefined) {
        client = new PrometheusClient(clientOptions(url));
        clients.set(url, client);
        this.prometheusClients.push(client);
      }
      return client;
    };
    await this.applyWorkloads(config.workloads);
    this.api = buildHttpApi(
      {
        workloads: () => this.statuses(),
        model: (name) => this.servedModels.get(name) ?? this.loopsNamed(name)[0]?.model ?? undefined,
        modelNames: () => [
          ...this.servedModels.keys(),
          ...this.loops()
            .filter((l) => l.model !== null)
            .map((l) => l.name),
        ],
        history: (namespace, name) => this.history.points(namespace, name),
        metrics: this.metrics,
        health: () => this.health(),
        readiness: () => this.readiness(),
      },
      { bodyLimitBytes: config.api.bodyLimitBytes, observeRequest: this.observeHttp },
    );
    const { host, port } = splitListen(config.api.listen);
    const api = this.api;
    await listening('api.listen', config.api.listen, () => api.listen({ host, port }));
    const address = this.api.server.address();
    this.ports.api = typeof address === 'object' && address !== null ? address.port : port;
    this.logger.info(
      {
        api: this.ports.api,
        keda: this.ports.keda,
        externalMetrics: this.ports.externalMetrics,
        workloads: this.workloads.size,
      },
      'prescale serving',
    );
  }

  /** Every HTTP request answered (the API, the External Metrics API): its histogram, and a debug line. */
  private readonly observeHttp = (request: HttpRequest): void => {
    this.metrics.observeHttp(request);
    if (!this.logger.isLevelEnabled('debug')) return;
    const { seconds, ...fields } = request;
    this.logger.debug({ ...fields, milliseconds: seconds * 1000 }, 'request');
  };

  /** Every gRPC call of the KEDA scaler answered (a stream: ended): its histogram, and a debug line. */
  private readonly observeGrpc = (call: GrpcCall): void => {
    this.metrics.observeGrpc(call);
    if (!this.logger.isLevelEnabled('debug')) return;
    const { seconds, ...fields } = call;
    this.logger.debug({ server: 'keda', ...fields, milliseconds: seconds * 1000 }, 'grpc call');
  };

  private opened<Door extends Publisher>(door: Door): Door {
    this.doors.push(door);
    return door;
  }

  /**
   * Adds, changes and removes workloads in place, without a restart (the config file's list at start; the
   * operator's PredictiveAutoscalers as they change). A change that leaves the model as it is (planner, fallback,
   * bounds, mode, queries, integration) keeps the trained model and the data; a change of the model's own settings
   * starts a new loop, which retrains, holding the value published so far until it decides. A removed workload's
   * loop stops, its doors stop serving it and its saved model is deleted, unless it was `handedOver` to another
   * replica (sharding): its model is kept for when it comes back.
   */
  async applyWorkloads(
    next: readonly WorkloadConfig[],
    handedOver: ReadonlySet<string> = new Set(),
  ): Promise<WorkloadChanges> {
    const changes: WorkloadChanges = { added: [], updated: [], replaced: [], removed: [] };
    const changedFields: Record<string, string[]> = {};
    const wanted = new Map(next.map((workload) => [keyOf(workload), workload]));
    for (const [key, entry] of this.workloads) {
      if (wanted.has(key)) continue;
      await this.removeWorkload(key, entry, handedOver.has(key));
      changes.removed.push(key);
    }
    const now = this.clock.nowMs() / 1000;
    for (const [key, workload] of wanted) {
      const entry = this.workloads.get(key);
      if (entry === undefined) {
        await this.addWorkload(key, workload, now);
        changes.added.push(key);
      } else if (modelIdentity(entry.workload) === modelIdentity(workload)) {
        if (JSON.stringify(entry.workload) === JSON.stringify(workload)) continue;
        changedFields[key] = changedPaths(entry.workload, workload);
        entry.loop.reconfigure(workload, this.publishersFor(workload));
        entry.workload = workload;
        changes.updated.push(key);
      } else {
        changedFields[key] = changedPaths(entry.workload, workload);
        const lastPublished = entry.loop.status().published.replicas;
        this.stopWorkload(entry);
        await this.metrics.removeWorkload({ workload: workload.resource.name, namespace: workload.resource.namespace });
        await this.addWorkload(key, workload, now, lastPublished);
        changes.replaced.push(key);
      }
    }
    if (changes.added.length + changes.updated.length + changes.replaced.length + changes.removed.length > 0) {
      this.logger.info({ ...changes, changedFields }, 'workloads changed');
    }
    return changes;
  }

  /**
   * Deletes the saved models of every workload but `keepKeys` (`namespace/name`): the ones removed while this
   * process was not running. The caller knows the whole set (the config file's, or the cluster's resources once
   * listed); the service alone does not, as the operator adds workloads one by one.
   */
  async pruneSavedModels(keepKeys: ReadonlySet<string>): Promise<void> {
    const pruned = await pruneSavedModels(this.config.models.dir, keepKeys);
    if (pruned.length > 0) this.logger.info({ workloads: pruned }, 'saved models of removed workloads deleted');
  }

  private async addWorkload(key: string, workload: WorkloadConfig, now: number, lastPublished?: number): Promise<void> {
    const r = workload.resource;
    // Models saved for other settings of this workload are of no use (and would pile up).
    await deleteSavedModels(this.config.models.dir, workload, this.modelPath(workload));
    const url = r.metric.prometheus ?? this.config.prometheus.url;
    const client = this.clientFor(url);
    const loop = new WorkloadLoop({
      workload,
      loop: this.config.loop,
      source: new PrometheusSource(client, { sumSeries: true }),
      trainingSource: this.trainingSourceFor(url) ?? undefined,
      instant: client,
      trainer: this.trainer,
      trainingQueue: {
        queue: this.trainingQueue,
        key,
        // The workload's current settings: `applyWorkloads` updates the entry without a new loop.
        maxErrorPercent: () => (this.workloads.get(key)?.workload ?? workload).resource.policy.fallback.maxErrorPercent,
      },
      clock: this.clock,
      modelPath: this.modelPath(workload),
      publishers: this.publishersFor(workload),
      metrics: this.metrics,
      lastPublishedReplicas: lastPublished,
      log: (level, message, fields) => this.logger[level](fields ?? {}, message),
    });
    await loop.start(now);
    const entry: RunningWorkload = { loop, workload, runner: null };
    this.workloads.set(key, entry);
    if (this.runSignal !== null) this.startRunner(entry, this.runSignal);
  }

  private async removeWorkload(key: string, entry: RunningWorkload, keepSavedModel: boolean): Promise<void> {
    this.stopWorkload(entry);
    this.workloads.delete(key);
    // A fit in flight is aborted; once it has ended, nothing writes the files deleted below.
    await entry.loop.whenIdle();
    const { namespace, name } = entry.workload.resource;
    await this.metrics.removeWorkload({ workload: name, namespace });
    for (const door of [this.doorsByIntegration.keda, this.doorsByIntegration.externalMetrics]) {
      await door?.withdraw(namespace, name);
    }
    if (!keepSavedModel) await deleteSavedModels(this.config.models.dir, entry.workload);
    this.history.forget(namespace, name);
  }

  private stopWorkload(entry: RunningWorkload): void {
    entry.runner?.abort();
    entry.loop.close();
  }

  private publishersFor(workload: WorkloadConfig): Publisher[] {
    const door =
      workload.resource.integration === 'KEDA' ? this.doorsByIntegration.keda : this.doorsByIntegration.externalMetrics;
    return door === null ? [] : [door];
  }

  private modelPath(workload: WorkloadConfig): string {
    return savedModelPath(this.config.models.dir, workload);
  }

  private loops(): WorkloadLoop[] {
    return [...this.workloads.values()].map((entry) => entry.loop);
  }

  private loopsNamed(name: string): WorkloadLoop[] {
    return this.loops().filter((loop) => loop.name === name);
  }

  /** Sharding: both doors answer for workloads other replicas run by asking `remote` (their owners). */
  forwardTo(remote: RemoteDecisions): void {
    for (const door of [this.doorsByIntegration.keda, this.doorsByIntegration.externalMetrics]) {
      door?.forwardTo(remote);
    }
  }

  /** One sync of every workload at `nowSeconds` (default the clock's now). */
  async syncAll(nowSeconds = this.clock.nowMs() / 1000): Promise<void> {
    await Promise.all(this.loops().map((loop) => this.syncAndRecord(loop, nowSeconds)));
  }

  /**
   * Runs every workload on its own sync period until `signal` aborts: sync at once, then at the workload's own
   * offset in each period (`sync-schedule.ts`), so a fleet's syncs are spread over the period rather than all on
   * one tick. A sync never throws (failures become fallback reasons), so one workload cannot stop another.
   * Workloads added while it runs start at once; removed ones stop.
   */
  async run(signal: AbortSignal): Promise<void> {
    this.runSignal = signal;
    for (const entry of this.workloads.values()) this.startRunner(entry, signal);
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    this.runSignal = null;
    await Promise.all(this.runners);
  }

  private startRunner(entry: RunningWorkload, runSignal: AbortSignal): void {
    const controller = new AbortController();
    entry.runner = controller;
    const signal = AbortSignal.any([runSignal, controller.signal]);
    const { loop } = entry;
    const runner = (async () => {
      while (!signal.aborted) {
        try {
          await this.syncAndRecord(loop, this.clock.nowMs() / 1000);
        } catch (error) {
          this.logger.error({ workload: loop.name, error: (error as Error).message }, 'sync failed');
        }
        // Read each time: a reconfigured workload may have a new period.
        const periodMs = entry.workload.resource.policy.syncPeriodSeconds * 1000;
        const now = this.clock.nowMs();
        const next = nextSyncMs(now, periodMs, syncOffsetMs(keyOf(entry.workload), periodMs));
        try {
          await this.clock.sleep(next - now, signal);
        } catch {
          return;
        }
      }
    })();
    this.runners.add(runner);
    void runner.finally(() => this.runners.delete(runner));
  }

  private async syncAndRecord(loop: WorkloadLoop, nowSeconds: number): Promise<void> {
    await loop.sync(nowSeconds);
    this.history.record(loop.status());
  }

  /** Resolves when no background fit is running. */
  async whenIdle(): Promise<void> {
    await Promise.all(this.loops().map((loop) => loop.whenIdle()));
  }

  /** Every workload's status, as `GET /v1/workloads/:name` shows it. */
  statuses(): WorkloadStatus[] {
    return this.loops().map((loop) => loop.status());
  }

  /** Stops fits, closes the API, the doors, the trainer, the read thread and the Prometheus connections. */
  async stop(): Promise<void> {
    for (const entry of this.workloads.values()) this.stopWorkload(entry);
    await this.api?.close();
    for (const door of this.doors) await door.close();
    await this.trainer.close();
    await this.readThread?.close();
    for (const client of this.prometheusClients) await client.close();
  }

  private health(): { ok: boolean; reasons: string[] } {
    const now = this.clock.nowMs() / 1000;
    const reasons: string[] = [];
    for (const { loop, workload } of this.workloads.values()) {
      const periodSeconds = workload.resource.policy.syncPeriodSeconds;
      const last = loop.status().lastSyncSeconds ?? this.startedSeconds;
      if (now - last > STALLED_SYNC_PERIODS * periodSeconds) {
        reasons.push(`${loop.namespace}/${loop.name}: no sync for ${Math.round(now - last)}s`);
      }
    }
    return { ok: reasons.length === 0, reasons };
  }

  private readiness(): { ok: boolean; reasons: string[] } {
    const reasons = this.loops()
      .filter((loop) => loop.status().lastSyncSeconds === null)
      .map((loop) => `${loop.namespace}/${loop.name}: no sync yet`);
    return { ok: reasons.length === 0, reasons };
  }
}

/** One workload the service runs: its loop, the config it runs with, and its sync runner while `run` runs. */
interface RunningWorkload {
  readonly loop: WorkloadLoop;
  workload: WorkloadConfig;
  runner: AbortController | null;
}

/** What `applyWorkloads` did, as `namespace/name` keys. */
export interface WorkloadChanges {
  readonly added: string[];
  /** Settings changed, model kept. */
  readonly updated: string[];
  /** The model's own settings changed: a new loop that retrains. */
  readonly replaced: string[];
  readonly removed: string[];
}

function keyOf(workload: WorkloadConfig): string {
  return `${workload.resource.namespace}/${workload.resource.name}`;
}
