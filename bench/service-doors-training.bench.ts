// Nothing waits for training (issue 17): `prescale serve` with many workloads (WORKLOADS, Prophet each, half behind
// KEDA, half behind the External Metrics API), every workload's first fit queued behind loop.trainingConcurrency = 1
// worker thread. The real worker trainer is wrapped in a pause: "saturated" lets the fits run back to back (the
// slot never idle, the queue long), "idle" holds the next fit before it reaches the worker, so no fit runs. The
// phases alternate (idle, saturated, idle, saturated) so that the machine's load drifts over both alike. Times, one
// call in flight as Kubernetes calls them: the KEDA scaler's GetMetrics, the External Metrics API's GET (HTTPS) and
// POST /v1/forecast (a served model, 150 points in, 30 out). The service syncs every workload every 15 s meanwhile,
// as in production. As in a cluster, Prometheus and the callers run in other processes (bench/service-doors-peers.ts),
// so this process is the service alone; its event-loop delay is sampled while each door is timed. Beside each door's
// latencies: the service thread's garbage collections (bench/service-gc.ts: count, pauses, bytes allocated per call),
// how long the service's and the client's main threads waited for a core (bench/thread-schedule.ts), and how many of
// the calls at or above the p99 were under way during a GC pause of the service or of the client; per phase, the
// service thread's collections over the whole phase.
// Command, with the young generation the image gives the service (k8s/Dockerfile):
// node --min-semi-space-size=16 --import tsx bench/service-doors-training.bench.ts [workloads]
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { type Trainer, WorkerTrainer } from '../src/predictor/index.js';
import { DOORS, TIMED_CALLS } from './service-doors-peers.js';
import { startDoorsBench } from './service-doors-setup.js';
import { countOverlapping, type GcReport, recordGc } from './service-gc.js';
import { mainThreadSchedule, scheduleBetween, type ThreadSchedule } from './thread-schedule.js';

const WORKLOADS = Number(process.argv[2] ?? 120);

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
const bench = await startDoorsBench(WORKLOADS, trainer);
const { service } = bench;
const stopping = new AbortController();
const running = service.run(stopping.signal);

const eventLoopDelay = monitorEventLoopDelay({ resolution: 1 });
eventLoopDelay.enable();
const queue = () => service.trainingQueue.stats();
const state = () => {
  const s = queue();
  return `${s.running} running, ${s.queued} queued`;
};
/** The service thread's collections over a stretch: count (scavenges + full), pauses, bytes allocated per call. */
const gcCells = (gc: GcReport) =>
  `${gc.scavenges} + ${gc.markCompacts} | ${gc.pauseTotalMs.toFixed(0)} / ${gc.pauseP99Ms.toFixed(1)} / ${gc.pauseMaxMs.toFixed(1)}`;
const kib = (bytes: number) => (bytes / 1024).toFixed(1);

// The image starts node with --min-semi-space-size=16 (k8s/Dockerfile); without it V8 starts the young generation at 1 MiB.
const newSpaceMiB = (getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0) / 2 ** 20;
process.stdout.write(
  `${WORKLOADS} workloads (prophet), ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)}; the service's new space ${newSpaceMiB} MiB${
    newSpaceMiB < 16
      ? ' (the image starts it at 16: node --min-semi-space-size=16 --import tsx <this bench>)'
      : ', as in the image'
  }\n\n`,
);
/** Milliseconds the main thread of a process waited for a core (runnable, not running) over a stretch. */
const waited = (schedule: ThreadSchedule | null) => (schedule === null ? '–' : schedule.waitingForCpuMs.toFixed(0));
process.stdout.write(
  '| training | door | p50 ms | p99 ms | max ms | service event-loop delay p99 / max ms | service GCs (scavenges + full) | GC pause total / p99 / max ms | KiB allocated per call: service / client | ms waiting for a core: service / client | calls ≥ p99 during a GC: service / client | queue (before → after) |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n',
);
while (queue().running === 0) await new Promise((resolve) => setTimeout(resolve, 100));
for (const phase of ['idle', 'saturated', 'idle', 'saturated'] as const) {
  const phaseGc = recordGc();
  pause(phase === 'idle');
  // Idle: let the fit already in the worker finish (a Prophet fit takes seconds under load).
  if (phase === 'idle') await new Promise((resolve) => setTimeout(resolve, 15_000));
  const fittedBefore = service.statuses().filter((s) => s.model.current !== null).length;
  for (const door of DOORS) {
    const before = state();
    eventLoopDelay.reset();
    const doorGc = recordGc();
    const scheduledBefore = mainThreadSchedule();
    const { latencies: l, slowCalls, slowDuringClientGc, client, clientBytesPerCall } = await bench.timeDoor(door);
    const serviceThread = scheduleBetween(scheduledBefore, mainThreadSchedule());
    const gc = doorGc.stop();
    const slow = `${countOverlapping(slowCalls, gc.pauses)} / ${slowDuringClientGc} of ${slowCalls.length}`;
    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    const delay = `${ms(eventLoopDelay.percentile(99))} / ${ms(eventLoopDelay.max)}`;
    process.stdout.write(
      `| ${phase} | ${door} | ${l.p50.toFixed(2)} | ${l.p99.toFixed(2)} | ${l.max.toFixed(1)} | ${delay} | ${gcCells(gc)} | ${kib(gc.allocatedBytes / TIMED_CALLS)} / ${kib(clientBytesPerCall)} | ${waited(serviceThread)} / ${waited(client)} | ${slow} | ${before} → ${state()} |\n`,
    );
  }
  const fittedAfter = service.statuses().filter((s) => s.model.current !== null).length;
  process.stdout.write(
    `| ${phase} | the whole phase; fits finished: ${fittedAfter - fittedBefore} | | | | | ${gcCells(phaseGc.stop())} | | | | |\n`,
  );
}
pause(false);
const fitted = service.statuses().filter((s) => s.model.current !== null).length;
process.stdout.write(`\n${fitted} of ${WORKLOADS} workloads forecasting; load average ${loadavg()[0].toFixed(1)}\n`);
stopping.abort();
await running;
await bench.stop();
