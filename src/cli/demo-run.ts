import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { readTraceFile } from '../collector/trace-file.js';
import { safeParseServiceConfig } from '../config/service.js';
import { type Clock, PrescaleError, systemClock } from '../core/index.js';
import { issueLines } from '../core/issues.js';
import { splitListen } from '../executor/index.js';
import { BUNDLED_DATASETS_PATH } from '../experiments/datasets.js';
import type { PrescaleService, ServiceLogger } from '../predictor/index.js';
import { type DemoPrometheus, startEmbeddedPrometheus, startRealPrometheus } from './demo-prometheus.js';
import { DEMO_CAPACITY_PER_POD, DEMO_QUERIES, DemoWorld, TraceReplay } from './demo-world.js';
import { prometheusInstalled } from './prometheus-process.js';

/** The bundled NASA trace (data/SOURCES.md), replayed from 1995-07-05 08:00 UTC: the morning climb to a busy day. */
const DEMO_TRACE_PATH = resolve(dirname(BUNDLED_DATASETS_PATH), 'nasa_jul95_requests_per_minute.csv');
const TRACE_START_SECONDS = 804_931_200;
const INITIAL_REPLICAS = 2;
/** How often the demo's world moves and its HPA follows the published value, milliseconds. */
const TICK_MS = 250;

/** What `prescale demo` runs with. */
export interface DemoOptions {
  /** Trace minutes per real minute. */
  readonly speed: number;
  /** The service's API and UI, host:port (port 0: any free port). */
  readonly listen: string;
  /** Use the embedded scrape even where Prometheus is installed. */
  readonly embeddedPrometheus: boolean;
  readonly logger?: ServiceLogger;
  readonly clock?: Clock;
}

/** A running demo: where to look, and how to stop all of it. */
export interface RunningDemo {
  readonly uiUrl: string;
  readonly apiUrl: string;
  readonly prometheus: DemoPrometheus;
  readonly demoMetricsUrl: string;
  readonly service: PrescaleService;
  /** Stops the service, the demo's loops, Prometheus and every port, and deletes the demo's files. */
  stop(): Promise<void>;
}

/** The demo's world, replaying the bundled trace from `nowSeconds`. */
async function demoWorld(speed: number, nowSeconds: number): Promise<DemoWorld> {
  const trace = await readTraceFile(DEMO_TRACE_PATH);
  return new DemoWorld(
    new TraceReplay(trace.series, TRACE_START_SECONDS, speed, nowSeconds),
    nowSeconds,
    INITIAL_REPLICAS,
  );
}

/** `--listen` checked, with the flag named when it is wrong. */
function listenAddress(listen: string): { host: string; port: number } {
  try {
    return splitListen(listen);
  } catch {
    throw new PrescaleError('invalid-input', `--listen: "${listen}" is not host:port; try 127.0.0.1:8080`, {
      field: '--listen',
    });
  }
}

/**
 * Only the demo app (for docker-compose.yml, where Prometheus and Prescale run in containers of their own): its
 * `/metrics` on `listen`, its Deployment scaled to what the Prescale at `prescaleUrl` publishes for `demo/demo`.
 */
export async function startDemoApp(options: {
  readonly speed: number;
  readonly listen: string;
  readonly prescaleUrl: string;
  readonly clock?: Clock;
}): Promise<{ readonly metricsUrl: string; stop(): Promise<void> }> {
  const clock = options.clock ?? systemClock;
  const { host, port } = listenAddress(options.listen);
  const world = await demoWorld(options.speed, clock.nowMs() / 1000);
  const server = await world.listen(host, port);
  const controller = new AbortController();
  const { signal } = controller;
  let published: number | undefined;
  const following = (async () => {
    while (!signal.aborted) {
      try {
        const response = await fetch(`${options.prescaleUrl}/v1/workloads/demo?namespace=demo`, { signal });
        if (response.ok)
          published = ((await response.json()) as { published: { replicas: number } }).published.replicas;
      } catch {
        // Prescale not up yet (or restarting): the Deployment keeps its replicas, as with a real HPA.
      }
      try {
        await clock.sleep(1000, signal);
      } catch {
        return;
      }
    }
  })();
  const ticking = tick(world, () => published, clock, signal);
  return {
    metricsUrl: `http://${host}:${server.port}/metrics`,
    stop: async () => {
      controller.abort();
      await Promise.all([following, ticking]);
      await server.close();
    },
  };
}

/** Starts every part of the demo; whatever started is stopped again when a later part fails. */
export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const clock = options.clock ?? systemClock;
  listenAddress(options.listen);
  const dir = await mkdtemp(join(tmpdir(), 'prescale-demo-'));
  const controller = new AbortController();
  const cleanups: (() => Promise<void>)[] = [async () => rm(dir, { recursive: true, force: true })];
  const stopAll = async () => {
    controller.abort();
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const world = await demoWorld(options.speed, clock.nowMs() / 1000);
    const demoApp = await world.listen();
    cleanups.push(() => demoApp.close());
    let service: PrescaleService | null = null;
    const ticking = tick(world, () => service?.statuses()[0]?.published.replicas, clock, controller.signal);
    cleanups.push(() => ticking);
    const embedded = options.embeddedPrometheus || !(await prometheusInstalled());
    const prometheus = embedded
      ? await startEmbeddedPrometheus(() => world.sample(), clock, controller.signal)
      : await startRealPrometheus(dir, demoApp.port, clock);
    cleanups.push(() => prometheus.stop());
    const { PrescaleService } = await import('../predictor/index.js');
    const config = parseDemoConfig(
      demoServiceConfig({
        prometheusUrl: prometheus.url,
        listen: options.listen,
        kedaListen: '127.0.0.1:0',
        modelsDir: join(dir, 'models'),
      }),
    );
    service = await PrescaleService.start(config, {
      clock,
      logger: options.logger,
    });
    const started = service;
    cleanups.push(() => started.stop());
    const running = started.run(controller.signal);
    cleanups.push(() => running);
    const apiUrl = `http://127.0.0.1:${service.ports.api}`;
    return {
      uiUrl: `${apiUrl}/ui/`,
      apiUrl,
      prometheus,
      demoMetricsUrl: `http://127.0.0.1:${demoApp.port}/metrics`,
      service: started,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    if ((error as { code?: string }).code === 'EADDRINUSE') {
      throw new PrescaleError('invalid-input', `--listen: ${options.listen} is in use; choose another port`, {
        field: '--listen',
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Moves the demo's world in real time and, as the HPA in front of the service (target value 1, as KEDA's
 * ScaledObject for Prescale), scales it to the published value once the service runs.
 */
async function tick(
  world: DemoWorld,
  publishedReplicas: () => number | undefined,
  clock: Clock,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    const nowSeconds = clock.nowMs() / 1000;
    world.advance(nowSeconds);
    const published = publishedReplicas();
    if (published !== undefined) world.scaleTo(published, nowSeconds);
    try {
      await clock.sleep(TICK_MS, signal);
    } catch {
      return;
    }
  }
}

/**
 * The service's configuration for the demo, as written (deploy/prescale.yaml is the same for docker-compose.yml):
 * one workload read with `DEMO_QUERIES` every second, the naive model (it forecasts from the first samples; the
 * trace's daily season needs days of data; its interval is measured from its own errors, none on the first
 * sample it is fitted on, so the band appears with the first hourly refit), time-compressed planner and fallback settings as in the end-to-end
 * test, and the KEDA door.
 */
export function demoServiceConfig(where: {
  readonly prometheusUrl: string;
  readonly listen: string;
  readonly kedaListen: string;
  readonly modelsDir: string;
}) {
  return {
    prometheus: { url: where.prometheusUrl, retries: 0, timeout: '2s' },
    api: { listen: where.listen },
    keda: { listen: where.kedaListen },
    externalMetrics: { enabled: false },
    models: { dir: where.modelsDir },
    loop: { trainer: 'in-process', contextWindow: '10m', accuracyWindow: '60s', retrainRetry: '2s' },
    workloads: [
      {
        metadata: { name: 'demo', namespace: 'demo' },
        spec: {
          targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'demo' },
          integration: 'KEDA',
          model: 'naive',
          predictionHorizon: '60s',
          metric: { query: DEMO_QUERIES.requests, step: '1s' },
          capacity: { perPod: DEMO_CAPACITY_PER_POD },
          minReplicas: 1,
          maxReplicas: 40,
          // Refit hourly (the least allowed): the first fit, on the first samples, measures no interval width.
          prediction: { history: '1h', retrainEvery: '1h' },
          planner: { podStartup: '5s', syncPeriod: '1s' },
          fallback: { recoverAfter: '3s', maxError: 60 },
        },
        queries: { cpu: DEMO_QUERIES.cpu, replicas: DEMO_QUERIES.replicas },
        pod: { cpuRequest: '100m' },
      },
    ],
  };
}

function parseDemoConfig(input: ReturnType<typeof demoServiceConfig>) {
  const parsed = safeParseServiceConfig(input);
  if (!parsed.success) throw new Error(`the demo's own configuration is invalid:\n${issueLines(parsed.issues)}`);
  return parsed.data;
}
