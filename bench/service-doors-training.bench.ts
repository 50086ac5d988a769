// Nothing waits for training (issue 17): `prescale serve` with many workloads (WORKLOADS, Prophet each, half behind
// KEDA, half behind the External Metrics API), every workload's first fit queued behind loop.trainingConcurrency = 1
// worker thread. The real worker trainer is wrapped in a pause: "saturated" lets the fits run back to back (the
// slot never idle, the queue long), "idle" holds the next fit before it reaches the worker, so no fit runs. The
// phases alternate (idle, saturated, idle, saturated) so that the machine's load drifts over both alike. Times, one
// call in flight as Kubernetes calls them: the KEDA scaler's GetMetrics, the External Metrics API's GET (HTTPS) and
// POST /v1/forecast (a served model, 150 points in, 30 out). The service syncs every workload every 30 s meanwhile,
// as in production. Clients run in the service's process: both phases pay the same for them.
// Command: npx tsx bench/service-doors-training.bench.ts [workloads]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { generate } from 'selfsigned';
import { safeParseServiceConfig } from '../src/config/service.js';
import { externalScalerLoaderOptions, externalScalerProtoPath } from '../src/executor/index.js';
import { saveFittedModel } from '../src/models/persistence.js';
import { modelDefinition } from '../src/models/registry.js';
import { PrescaleService, type Trainer, WorkerTrainer } from '../src/predictor/index.js';
import { startSyntheticPrometheus } from '../src/testing/synthetic-prometheus.js';

const WORKLOADS = Number(process.argv[2] ?? 120);
const CALLS = 1000;
const load = (t: number) => 400 + 300 * Math.sin((2 * Math.PI * t) / 86_400) + 40 * Math.sin(t / 97);

interface Latencies {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

async function timed(call: (i: number) => Promise<unknown>): Promise<Latencies> {
  for (let i = 0; i < 100; i++) await call(i); // warm-up
  const ms = new Float64Array(CALLS);
  for (let i = 0; i < CALLS; i++) {
    const started = performance.now();
    await call(i);
    ms[i] = performance.now() - started;
  }
  ms.sort();
  return { p50: ms[Math.floor(0.5 * CALLS)], p99: ms[Math.floor(0.99 * CALLS)], max: ms[CALLS - 1] };
}

const dir = await mkdtemp(join(tmpdir(), 'prescale-doors-'));
const prometheus = await startSyntheticPrometheus({ bench_load: load });
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
    values: Float64Array.from({ length: 1440 }, (_, i) => load(nowSeconds - 86_400 + 60 * i)),
  });
await saveFittedModel(served, join(dir, 'served.json'));

const parsed = safeParseServiceConfig({
  prometheus: { url: prometheus.url, retries: 0 },
  api: { listen: '127.0.0.1:0' },
  keda: { listen: '127.0.0.1:0' },
  externalMetrics: { listen: '127.0.0.1:0', certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') },
  models: { dir: join(dir, 'models'), serve: [{ name: 'served', path: join(dir, 'served.json') }] },
  loop: { trainer: 'worker', trainingConcurrency: 1 },
  workloads: Array.from({ length: WORKLOADS }, (_, i) => ({
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
// The pause: while set, a fit waits here before it reaches the worker thread.
let resume: (() => void) | null = null;
let paused: Promise<void> | null = null;
const worker = new WorkerTrainer();
const trainer: Trainer = {
  async fit(request, signal) {
    while (paused !== null) await paused;
    return worker.fit(request, signal);
  },
  close: () => worker.close(),
};
const pause = (on: boolean) => {
  if (on && paused === null) {
    paused = new Promise((resolve) => {
      resume = resolve;
    });
  } else if (!on && paused !== null) {
    paused = null;
    resume?.();
  }
};
const service = await PrescaleService.start(parsed.data, { processMetrics: false, trainer });
const stopping = new AbortController();
const running = service.run(stopping.signal);

const proto = grpc.loadPackageDefinition(
  protoLoader.loadSync(externalScalerProtoPath, externalScalerLoaderOptions),
) as unknown as {
  externalscaler: { ExternalScaler: new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client };
};
const keda = new proto.externalscaler.ExternalScaler(
  `127.0.0.1:${service.ports.keda}`,
  grpc.credentials.createInsecure(),
) as grpc.Client & {
  GetMetrics(request: object, callback: (error: Error | null) => void): void;
};
const getMetrics = (i: number) =>
  new Promise<void>((resolve, reject) => {
    const workload = `w${2 * (i % (WORKLOADS / 2))}`;
    keda.GetMetrics(
      {
        scaledObjectRef: { name: workload, namespace: 'bench', scalerMetadata: { workload } },
        metricName: `prescale-${workload}`,
      },
      (error) => (error ? reject(error) : resolve()),
    );
  });
const agent = new Agent({ keepAlive: true, rejectUnauthorized: false });
const externalMetric = (i: number) =>
  new Promise<void>((resolve, reject) => {
    const workload = `w${2 * (i % (WORKLOADS / 2)) + 1}`;
    const req = request(
      {
        host: '127.0.0.1',
        port: service.ports.externalMetrics ?? 0,
        agent,
        path: `/apis/external.metrics.k8s.io/v1beta1/namespaces/bench/prescale_desired_replicas?labelSelector=workload%3D${workload}`,
      },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end();
  });
const body = JSON.stringify({
  model: 'served',
  series: {
    startSeconds: nowSeconds - 150 * 60,
    values: Array.from({ length: 150 }, (_, i) => load(nowSeconds - (150 - i) * 60)),
  },
  horizonSteps: 30,
  level: 0.8,
});
const forecast = async () => {
  const response = await fetch(`http://127.0.0.1:${service.ports.api}/v1/forecast`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`status ${response.status}`);
};

const doors = { 'KEDA GetMetrics': getMetrics, 'External Metrics GET': externalMetric, 'POST /v1/forecast': forecast };
const queue = () => service.trainingQueue.stats();
const row = (phase: string, door: string, l: Latencies, before: string, after: string) =>
  process.stdout.write(
    `| ${phase} | ${door} | ${l.p50.toFixed(2)} | ${l.p99.toFixed(2)} | ${l.max.toFixed(1)} | ${before} → ${after} |\n`,
  );
const state = () => {
  const s = queue();
  return `${s.running} running, ${s.queued} queued`;
};

process.stdout.write(
  `${WORKLOADS} workloads (prophet), ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)}\n\n`,
);
process.stdout.write(
  '| training | door | p50 ms | p99 ms | max ms | queue (before → after) |\n|---|---|---:|---:|---:|---|\n',
);
while (queue().running === 0) await new Promise((resolve) => setTimeout(resolve, 100));
for (const phase of ['idle', 'saturated', 'idle', 'saturated'] as const) {
  pause(phase === 'idle');
  // Idle: let the fit already in the worker finish (a Prophet fit takes seconds under load).
  if (phase === 'idle') await new Promise((resolve) => setTimeout(resolve, 15_000));
  const fittedBefore = service.statuses().filter((s) => s.model.current !== null).length;
  for (const [door, call] of Object.entries(doors)) {
    const before = state();
    const latencies = await timed(call);
    row(phase, door, latencies, before, state());
  }
  const fittedAfter = service.statuses().filter((s) => s.model.current !== null).length;
  process.stdout.write(`| ${phase} | fits finished during the phase | ${fittedAfter - fittedBefore} | | | |\n`);
}
pause(false);
const fitted = service.statuses().filter((s) => s.model.current !== null).length;
process.stdout.write(`\n${fitted} of ${WORKLOADS} workloads forecasting; load average ${loadavg()[0].toFixed(1)}\n`);
keda.close();
agent.destroy();
stopping.abort();
await running;
await service.stop();
await prometheus.close();
await rm(dir, { recursive: true, force: true });
