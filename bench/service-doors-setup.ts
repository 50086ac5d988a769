// The service the doors' benchmarks measure, with its peers in their own processes (bench/service-doors-peers.ts):
// `prescale serve` with many workloads (Prophet each, 14 days of minutes from a synthetic Prometheus; half behind
// KEDA, half behind the External Metrics API over HTTPS) and a served naive model for POST /v1/forecast. Used by
// bench/service-doors-training.bench.ts (latency while training runs) and bench/service-allocation.bench.ts (bytes
// allocated per door call and per sync).
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { safeParseServiceConfig } from '../src/config/service.js';
import { saveFittedModel } from '../src/models/persistence.js';
import { modelDefinition } from '../src/models/registry.js';
import { PrescaleService, type Trainer } from '../src/predictor/index.js';
import { benchLoad, type ClientsSetup, type Door, type DoorTiming } from './service-doors-peers.js';

/** The running service and the callers' process. */
export interface DoorsBench {
  readonly service: PrescaleService;
  /** The minute the bench started at (unix seconds): the served model's data ends there. */
  readonly nowSeconds: number;
  /** Times one door from the callers' process (warm-up, then the timed calls, one in flight). */
  timeDoor(door: Door): Promise<DoorTiming>;
  /** Stops the callers, the service and Prometheus, and deletes the bench's files. */
  stop(): Promise<void>;
}

/**
 * Starts a peer process in `role` (bench/service-doors-peers.ts), with the service image's young generation
 * (k8s/Dockerfile): the stand-in callers' own collections would otherwise land in the tail they measure.
 */
function startPeer(role: 'prometheus' | 'clients'): ChildProcess {
  const child = fork(join(import.meta.dirname, 'service-doors-peers.ts'), [role], {
    execArgv: ['--min-semi-space-size=16', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.once('exit', (code) => {
    if (code !== 0) throw new Error(`the ${role} process exited with ${code}`);
  });
  return child;
}

/** Sends `message` (none: only listens) and waits for the peer's next message. */
function ask<Reply>(child: ChildProcess, message?: object): Promise<Reply> {
  return new Promise((resolve) => {
    child.once('message', (reply) => resolve(reply as Reply));
    if (message !== undefined) child.send(message);
  });
}

/** Starts Prometheus, the service with `workloads` workloads fitted by `trainer` (not yet running), and the callers. */
export async function startDoorsBench(workloads: number, trainer: Trainer): Promise<DoorsBench> {
  const dir = await mkdtemp(join(tmpdir(), 'prescale-doors-'));
  const prometheus = startPeer('prometheus');
  const prometheusUrl = (await ask<{ url: string }>(prometheus)).url;
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  await writeFile(join(dir, 'tls.crt'), pems.cert);
  await writeFile(join(dir, 'tls.key'), pems.private);
  const nowSeconds = Math.floor(Date.now() / 60_000) * 60;
  const served = await modelDefinition('naive')
    .create({ horizonSteps: 30 })
    .fit({
      startSeconds: nowSeconds - 86_400,
      stepSeconds: 60,
      values: Float64Array.from({ length: 1440 }, (_, i) => benchLoad(nowSeconds - 86_400 + 60 * i)),
    });
  await saveFittedModel(served, join(dir, 'served.json'));

  const parsed = safeParseServiceConfig({
    prometheus: { url: prometheusUrl, retries: 0 },
    api: { listen: '127.0.0.1:0' },
    keda: { listen: '127.0.0.1:0' },
    externalMetrics: { listen: '127.0.0.1:0', certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') },
    models: { dir: join(dir, 'models'), serve: [{ name: 'served', path: join(dir, 'served.json') }] },
    loop: { trainer: 'worker', trainingConcurrency: 1 },
    workloads: Array.from({ length: workloads }, (_, i) => ({
      metadata: { name: `w${i}`, namespace: 'bench' },
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: `w${i}` },
        integration: i % 2 === 0 ? 'KEDA' : 'HPA',
        model: 'prophet',
        predictionHorizon: '30m',
        metric: { query: 'bench_load', step: '60s' },
        capacity: { perPod: 100 },
        prediction: { history: '14d', retrainEvery: '24h' },
        minReplicas: 1,
        maxReplicas: 50,
      },
    })),
  });
  if (!parsed.success) throw new Error(JSON.stringify(parsed.issues));
  const service = await PrescaleService.start(parsed.data, { processMetrics: false, trainer });

  const clients = startPeer('clients');
  const setup: ClientsSetup = {
    workloads,
    kedaPort: service.ports.keda ?? 0,
    externalMetricsPort: service.ports.externalMetrics ?? 0,
    apiPort: service.ports.api,
    nowSeconds,
  };
  await ask(clients, { setup });
  return {
    service,
    nowSeconds,
    timeDoor: (door) => ask<DoorTiming>(clients, { door }),
    async stop() {
      clients.disconnect();
      await service.stop();
      prometheus.disconnect();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
