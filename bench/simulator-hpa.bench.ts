// Reconciles per second of the HPA emulation (src/hpa/reconcile.ts) on a typical input: one CPU
// utilization metric, pods that each report a sample, a day of NASA July 1995 load in closed loop at 15 s
// steps. The simulator calls reconcileHpa a few hundred thousand times per run.
// Command: npx tsx bench/simulator-hpa.bench.ts
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DEFAULT_SCALE_DOWN_RULES, DEFAULT_SCALE_UP_RULES } from '../src/hpa/defaults.js';
import {
  EMPTY_CONTROLLER_STATE,
  type HpaControllerState,
  type HpaObservation,
  type HpaSpec,
  reconcileHpa,
} from '../src/hpa/index.js';
import { cpuUtilization, hpaSpec, observation, podsUsing } from '../src/testing/hpa-fixtures.js';

const csv = readFileSync(
  new URL('../../shared/data/nasa-http/nasa_jul95_requests_per_minute.csv', import.meta.url),
  'utf8',
);
const requestsPerMinute = csv
  .trim()
  .split('\n')
  .slice(1, 1441)
  .map((line) => Number(line.split(',')[1]));

interface Call {
  observation: HpaObservation;
  state: HpaControllerState;
  nowSeconds: number;
}

/** Runs the day in closed loop once and records every reconcile's arguments, so timing replays them exactly. */
function recordDay(
  hpa: HpaSpec,
  millicoresPerRequest: number,
): { calls: Call[]; rescales: number; replicas: number[] } {
  const calls: Call[] = [];
  let state: HpaControllerState = EMPTY_CONTROLLER_STATE;
  let replicas = hpa.minReplicas;
  let rescales = 0;
  const seen: number[] = [];
  for (let step = 0; step < requestsPerMinute.length * 4; step++) {
    const demand = requestsPerMinute[Math.floor(step / 4)] * millicoresPerRequest;
    const perPod = Math.floor(demand / replicas);
    const obs = observation(hpa, replicas, podsUsing(Array(replicas).fill(perPod)));
    const call = { observation: obs, state, nowSeconds: step * 15 };
    calls.push(call);
    const result = reconcileHpa(call.observation, call.state, call.nowSeconds);
    if (result.rescale) rescales++;
    state = result.state;
    replicas = result.desiredReplicas;
    seen.push(replicas);
  }
  return { calls, rescales, replicas: seen };
}

/** Best reconciles/s over `repeats` timed replays of all calls (after one warm-up replay). */
function reconcilesPerSecond(calls: Call[], repeats = 5, passes = 20): number {
  let sink = 0;
  const replay = () => {
    for (let pass = 0; pass < passes; pass++) {
      for (const call of calls) sink += reconcileHpa(call.observation, call.state, call.nowSeconds).desiredReplicas;
    }
  };
  replay();
  let bestMs = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    replay();
    bestMs = Math.min(bestMs, performance.now() - t0);
  }
  if (sink < 0) throw new Error('unreachable');
  return (calls.length * passes * 1000) / bestMs;
}

const behavior = { scaleUp: DEFAULT_SCALE_UP_RULES, scaleDown: DEFAULT_SCALE_DOWN_RULES };
const variants = [
  {
    name: 'legacy path (behavior nil), 2–30 pods',
    hpa: hpaSpec({ minReplicas: 2, maxReplicas: 30, metrics: [cpuUtilization(50)] }),
    scale: 100,
  },
  {
    name: 'default behavior, 2–30 pods',
    hpa: hpaSpec({ minReplicas: 2, maxReplicas: 30, metrics: [cpuUtilization(50)], behavior }),
    scale: 100,
  },
  {
    name: 'default behavior, 20–300 pods',
    hpa: hpaSpec({ minReplicas: 20, maxReplicas: 300, metrics: [cpuUtilization(50)], behavior }),
    scale: 1000,
  },
];

process.stdout.write('| input | mean pods | rescales/day | reconciles/s |\n|---|---:|---:|---:|\n');
for (const variant of variants) {
  const day = recordDay(variant.hpa, variant.scale);
  const meanPods = day.replicas.reduce((sum, r) => sum + r, 0) / day.replicas.length;
  const rate = reconcilesPerSecond(day.calls);
  process.stdout.write(
    `| ${variant.name} | ${meanPods.toFixed(1)} | ${day.rescales} | ${Math.round(rate).toLocaleString('en-US')} |\n`,
  );
}
