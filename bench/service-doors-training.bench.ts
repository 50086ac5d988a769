// Nothing waits for training (issue 17): `prescale serve` with many workloads (WORKLOADS, Prophet each, half behind
// KEDA, half behind the External Metrics API), every workload's first fit queued behind loop.trainingConcurrency = 1
// worker thread. The real worker trainer is wrapped in a pause: "saturated" lets the fits run back to back (the
// slot never idle, the queue long), "idle" holds the next fit before it reaches the worker, so no fit runs. The
// phases alternate (idle, saturated, idle, saturated) so that the machine's load drifts over both alike. Times, one
// call in flight as Kubernetes calls them: the KEDA scaler's GetMetrics, the External Metrics API's GET (HTTPS) and
// POST /v1/forecast (a served model, 150 points in, 30 out). The service syncs every workload every 15 s meanwhile,
// as in production. As in a cluster, Prometheus and the callers run in other processes (bench/service-doors-peers.ts),
// so this process is the service alone; its event-loop delay is sampled while each door is timed.
// Command: npx tsx bench/service-doors-training.bench.ts [workloads]
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { generate } from 'selfsigned';
import { safeParseServiceConfig } from '../src/config/service.js';
import { saveFittedModel } from '../src/models/persistence.js';
import { modelDefinition } from '../src/models/registry.js';
import { PrescaleService, type Trainer, WorkerTrainer } from '../src/predictor/index.js';
import { benchLoad, type ClientsSetup, DOORS, type Door, type Latencies } from './service-doors-peers.js';

const WORKLOADS = Number(process.argv[2] ?? 120);

/** Starts a peer process in `role` (bench/service-doors-peers.ts). */
function startPeer(role: 'prometheus' | 'clients'): ChildProcess {
  const child = fork(join(import.meta.dirname, 'service-doors-peers.ts'), [role], {
    execArgv: ['--import', 'tsx'],
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

const clients = startPeer('clients');
const setup: ClientsSetup = {
  workloads: WORKLOADS,
  kedaPort: service.ports.keda ?? 0,
  externalMetricsPort: service.ports.externalMetrics ?? 0,
  apiPort: service.ports.api,
  nowSeconds,
};
await ask(clients, { setup });
const eventLoopDelay = monitorEventLoopDelay({ resolution: 1 });
eventLoopDelay.enable();
const queue = () => service.trainingQueue.stats();
const row = (phase: string, door: string, l: Latencies, delay: string, before: string, after: string) =>
  process.stdout.write(
    `| ${phase} | ${door} | ${l.p50.toFixed(2)} | ${l.p99.toFixed(2)} | ${l.max.toFixed(1)} | ${delay} | ${before} → ${after} |\n`,
  );
const state = () => {
  const s = queue();
  return `${s.running} running, ${s.queued} queued`;
};

process.stdout.write(
  `${WORKLOADS} workloads (prophet), ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)}\n\n`,
);
process.stdout.write(
  '| training | door | p50 ms | p99 ms | max ms | service event-loop delay p99 / max ms | queue (before → after) |\n|---|---|---:|---:|---:|---:|---|\n',
);
while (queue().running === 0) await new Promise((resolve) => setTimeout(resolve, 100));
for (const phase of ['idle', 'saturated', 'idle', 'saturated'] as const) {
  pause(phase === 'idle');
  // Idle: let the fit already in the worker finish (a Prophet fit takes seconds under load).
  if (phase === 'idle') await new Promise((resolve) => setTimeout(resolve, 15_000));
  const fittedBefore = service.statuses().filter((s) => s.model.current !== null).length;
  for (const door of DOORS) {
    const before = state();
    eventLoopDelay.reset();
    const { latencies } = await ask<{ latencies: Latencies }>(clients, { door } satisfies { door: Door });
    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    const delay = `${ms(eventLoopDelay.percentile(99))} / ${ms(eventLoopDelay.max)}`;
    row(phase, door, latencies, delay, before, state());
  }
  const fittedAfter = service.statuses().filter((s) => s.model.current !== null).length;
  process.stdout.write(`| ${phase} | fits finished during the phase | ${fittedAfter - fittedBefore} | | | | |\n`);
}
pause(false);
const fitted = service.statuses().filter((s) => s.model.current !== null).length;
process.stdout.write(`\n${fitted} of ${WORKLOADS} workloads forecasting; load average ${loadavg()[0].toFixed(1)}\n`);
clients.disconnect();
stopping.abort();
await running;
await service.stop();
prometheus.disconnect();
await rm(dir, { recursive: true, force: true });
