import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { PrometheusClient, PrometheusSource } from '../collector/prometheus.js';
import type { ServiceConfig } from '../config/service.js';
import { type Clock, PrescaleError, systemClock } from '../core/index.js';
import { ExternalMetricsServer, KedaScaler, type Publisher, splitListen } from '../executor/index.js';
import { readFittedModel } from '../models/persistence.js';
import type { FittedForecaster } from '../models/types.js';
import { buildHttpApi } from './http-api.js';
import { ServiceMetrics } from './metrics.js';
import { inProcessTrainer, type Trainer, WorkerTrainer } from './trainer.js';
import { WorkloadLoop } from './workload-loop.js';
import type { WorkloadStatus } from './workload-status.js';

/** Structured log lines (pino's shape: fields first, then the message). */
export interface ServiceLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
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

const silentLogger: ServiceLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * `prescale serve`: the workloads' live loops, the HTTP API, the KEDA external scaler and the External
 * Metrics API, wired from one configuration. `run` drives every workload on its sync period with the
 * injected clock; `syncAll` runs one sync of each (what tests call on a manual clock).
 */
export class PrescaleService {
  private readonly loops: WorkloadLoop[] = [];
  private readonly servedModels = new Map<string, FittedForecaster>();
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
    private readonly logger: ServiceLogger,
    readonly metrics: ServiceMetrics,
  ) {}

  /** Loads served models, opens the doors and the API, reads saved workload models, publishes initial values. */
  static async start(config: ServiceConfig, options: ServiceOptions = {}): Promise<PrescaleService> {
    const clock = options.clock ?? systemClock;
    const trainer = options.trainer ?? (config.loop.trainer === 'worker' ? new WorkerTrainer() : inProcessTrainer);
    const metrics = new ServiceMetrics({ processMetrics: options.processMetrics });
    const service = new PrescaleService(config, clock, trainer, options.logger ?? silentLogger, metrics);
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
    const keda = config.keda.enabled ? await this.startKeda() : null;
    const externalMetrics = config.externalMetrics.enabled ? await this.startExternalMetrics() : null;
    this.doors = [keda, externalMetrics].filter((door): door is KedaScaler | ExternalMetricsServer => door !== null);
    this.ports.keda = keda?.port ?? null;
    this.ports.externalMetrics = externalMetrics?.port ?? null;

    const clients = new Map<string, PrometheusClient>();
    const bearerToken =
      config.prometheus.bearerTokenFile === null
        ? undefined
        : (await readConfigured(config.prometheus.bearerTokenFile, 'prometheus.bearerTokenFile'))
            .toString('utf8')
            .trim();
    const clientFor = (url: string) => {
      let client = clients.get(url);
      if (client === undefined) {
        client = new PrometheusClient({
          baseUrl: url,
          bearerToken,
          caFile: config.prometheus.caFile ?? undefined,
          timeoutSeconds: config.prometheus.timeoutSeconds,
          retries: config.prometheus.retries,
        });
        clients.set(url, client);
        this.prometheusClients.push(client);
      }
      return client;
    };
    const now = this.clock.nowMs() / 1000;
    for (const workload of config.workloads) {
      const r = workload.resource;
      const door = r.integration === 'KEDA' ? keda : externalMetrics;
      const client = clientFor(r.metric.prometheus ?? config.prometheus.url);
      const loop = new WorkloadLoop({
        workload,
        loop: config.loop,
        source: new PrometheusSource(client, { sumSeries: true }),
        instant: client,
        trainer: this.trainer,
        clock: this.clock,
        modelPath: join(config.models.dir, `${r.namespace}.${r.name}.model`),
        publishers: door === null ? [] : [door],
        metrics: this.metrics,
        log: (level, message, fields) => this.logger[level](fields ?? {}, message),
      });
      await loop.start(now);
      this.loops.push(loop);
    }
    this.api = buildHttpApi(
      {
        workloads: () => this.statuses(),
        model: (name) => this.servedModels.get(name) ?? this.loops.find((l) => l.name === name)?.model ?? undefined,
        modelNames: () => [
          ...this.servedModels.keys(),
          ...this.loops.filter((l) => l.model !== null).map((l) => l.name),
        ],
        metrics: this.metrics,
        health: () => this.health(),
        readiness: () => this.readiness(),
      },
      { bodyLimitBytes: config.api.bodyLimitBytes },
    );
    const { host, port } = splitListen(config.api.listen);
    await this.api.listen({ host, port });
    const address = this.api.server.address();
    this.ports.api = typeof address === 'object' && address !== null ? address.port : port;
    this.logger.info(
      {
        api: this.ports.api,
        keda: this.ports.keda,
        externalMetrics: this.ports.externalMetrics,
        workloads: this.loops.length,
      },
      'prescale serving',
    );
  }

  private async startKeda(): Promise<KedaScaler> {
    const tls = this.config.keda.tls;
    return KedaScaler.start({
      listen: this.config.keda.listen,
      tls:
        tls === null
          ? undefined
          : {
              cert: await readConfigured(tls.certFile, 'keda.tls.certFile'),
              key: await readConfigured(tls.keyFile, 'keda.tls.keyFile'),
              clientCa:
                tls.clientCaFile === null ? undefined : await readConfigured(tls.clientCaFile, 'keda.tls.clientCaFile'),
            },
    });
  }

  private async startExternalMetrics(): Promise<ExternalMetricsServer> {
    const c = this.config.externalMetrics;
    return ExternalMetricsServer.start({
      listen: c.listen,
      cert: await readConfigured(c.certFile, 'externalMetrics.certFile'),
      key: await readConfigured(c.keyFile, 'externalMetrics.keyFile'),
      requestheaderClientCa:
        c.requestheaderClientCaFile === null
          ? undefined
          : await readConfigured(c.requestheaderClientCaFile, 'externalMetrics.requestheaderClientCaFile'),
      requestheaderAllowedNames: c.requestheaderAllowedNames,
    });
  }

  /** One sync of every workload at `nowSeconds` (default the clock's now). */
  async syncAll(nowSeconds = this.clock.nowMs() / 1000): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.sync(nowSeconds)));
  }

  /**
   * Runs every workload on its own sync period until `signal` aborts: sync, then sleep to the next multiple
   * of the period. A sync never throws (failures become fallback reasons), so one workload cannot stop another.
   */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all(
      this.loops.map(async (loop, i) => {
        const periodMs = this.config.workloads[i].resource.policy.syncPeriodSeconds * 1000;
        while (!signal.aborted) {
          try {
            await loop.sync(this.clock.nowMs() / 1000);
          } catch (error) {
            this.logger.error({ workload: loop.name, error: (error as Error).message }, 'sync failed');
          }
          const now = this.clock.nowMs();
          const next = (Math.floor(now / periodMs) + 1) * periodMs;
          try {
            await this.clock.sleep(next - now, signal);
          } catch {
            return;
          }
        }
      }),
    );
    // A service that only serves models (no workloads) still answers until it is told to stop.
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  }

  /** Resolves when no background fit is running. */
  async whenIdle(): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.whenIdle()));
  }

  /** Every workload's status, as `GET /v1/workloads/:name` shows it. */
  statuses(): WorkloadStatus[] {
    return this.loops.map((loop) => loop.status());
  }

  /** Stops fits, closes the API, the doors, the trainer and the Prometheus connections. */
  async stop(): Promise<void> {
    for (const loop of this.loops) loop.close();
    await this.api?.close();
    for (const door of this.doors) await door.close();
    await this.trainer.close();
    for (const client of this.prometheusClients) await client.close();
  }

  private health(): { ok: boolean; reasons: string[] } {
    const now = this.clock.nowMs() / 1000;
    const reasons: string[] = [];
    for (const [i, loop] of this.loops.entries()) {
      const periodSeconds = this.config.workloads[i].resource.policy.syncPeriodSeconds;
      const last = loop.status().lastSyncSeconds ?? this.startedSeconds;
      if (now - last > STALLED_SYNC_PERIODS * periodSeconds) {
        reasons.push(`${loop.namespace}/${loop.name}: no sync for ${Math.round(now - last)}s`);
      }
    }
    return { ok: reasons.length === 0, reasons };
  }

  private readiness(): { ok: boolean; reasons: string[] } {
    const reasons = this.loops
      .filter((loop) => loop.status().lastSyncSeconds === null)
      .map((loop) => `${loop.namespace}/${loop.name}: no sync yet`);
    return { ok: reasons.length === 0, reasons };
  }
}

/** Reads a file the config names; the error names the config field. */
async function readConfigured(path: string, field: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new PrescaleError(
      'io-error',
      `${field}: cannot read ${path} (${(error as Error).message}); check the path and mount`,
      {
        field,
        cause: error,
      },
    );
  }
}
