// Plan decisions per second, the fallback verdict included (target ≥ 100,000 in-process): npx tsx bench/planner-horizontal.bench.ts
// Replays the NASA July 1995 trace (requests per minute) as the load: a decision every 15 s, each with a
// 10-minute forecast (the next ten minutes of the trace, ±15% as its 80% interval), current metrics from the
// trace, and its state fed to the next decision, as the simulator and the service call it.
import { performance } from 'node:perf_hooks';
import type { Forecast } from '../src/core/index.js';
import {
  initialFallbackState,
  initialPlannerState,
  type PlannerPolicy,
  type PlannerState,
  type PodProfile,
  planReplicas,
  planResources,
  planSchedule,
  resolveCapacity,
  trustedReplicaInput,
} from '../src/planner/index.js';
import { forecastOf, testPolicy } from '../src/testing/planner-fixtures.js';
import { readTraceCsv, sharedDataPath } from '../src/testing/trace-csv.js';

const trace = readTraceCsv(sharedDataPath('nasa-http/nasa_jul95_requests_per_minute.csv'));
const load = trace.values;
const t0 = trace.timestampsSeconds[0];
const HORIZON = 10;
const DECISIONS = 20_000; // 15 s apart: 83 hours of the trace
const pod: PodProfile = { loadPerPod: 10, cpuRequestMillicores: 500, costPerHour: 0.05 };

/** One forecast per minute of the trace, as subarray views (built once, outside the timed loop). */
const upper = Float64Array.from(load, (v) => v * 1.15);
const forecasts: Forecast[] = [];
for (let minute = 0; minute * 60 < DECISIONS * 15 + 60; minute++) {
  forecasts.push({
    startSeconds: t0 + minute * 60,
    stepSeconds: 60,
    point: load.subarray(minute, minute + HORIZON),
    intervals: {
      level: 0.8,
      lower: load.subarray(minute, minute + HORIZON),
      upper: upper.subarray(minute, minute + HORIZON),
    },
  });
}

/** Runs the decisions in sequence; returns decisions per second and the last state (so nothing is dead code). */
function run(policy: PlannerPolicy, withForecast: boolean): { perSecond: number; replicas: number } {
  let state: PlannerState = initialPlannerState;
  let replicas = 5;
  const started = performance.now();
  for (let k = 0; k < DECISIONS; k++) {
    const now = t0 + 60 + k * 15;
    const minute = Math.floor((now - t0) / 60);
    const loadNow = load[minute];
    const trusted = trustedReplicaInput(
      {
        policy,
        pod,
        current: {
          replicas,
          readyReplicas: replicas,
          utilizationPercent: replicas > 0 ? (loadNow / (replicas * pod.loadPerPod)) * 70 : null,
          load: loadNow,
        },
        forecast: withForecast ? forecasts[minute] : null,
        forecastErrorPercent: 12,
        sources: null,
      },
      state,
      now,
    );
    const out = planReplicas(trusted.input, trusted.state, now);
    replicas = out.decision.desiredReplicas;
    state = out.state;
  }
  return { perSecond: DECISIONS / ((performance.now() - started) / 1000), replicas };
}

/** Best of `repeats` runs after a warm-up. */
function best(policy: PlannerPolicy, withForecast: boolean, repeats = 5): number {
  run(policy, withForecast);
  let top = 0;
  for (let r = 0; r < repeats; r++) top = Math.max(top, run(policy, withForecast).perSecond);
  return top;
}

const defaults = testPolicy({ maxReplicas: 100 });
const budgeted = testPolicy({ maxReplicas: 100, budget: { maxCores: 6, maxCostPerHour: 0.5 }, sloMaxLoadPerPod: 12 });
const rows: [string, number][] = [
  ['planReplicas, default policy, forecast with interval', best(defaults, true)],
  ['planReplicas, budget + SLO, forecast with interval', best(budgeted, true)],
  ['planReplicas, fallback (no forecast)', best(defaults, false)],
];

// The schedule and the vertical plan run once per forecast, not per decision: timed for reference.
const scheduleStarted = performance.now();
const SCHEDULES = 2000;
for (let k = 0; k < SCHEDULES; k++) {
  planSchedule(
    {
      policy: defaults,
      pod,
      current: { replicas: 5, readyReplicas: 5, utilizationPercent: 70, load: load[k] },
      forecast: forecastOf(t0 + k * 60, 60, Array.from(load.subarray(k, k + HORIZON))),
      fallback: initialFallbackState,
    },
    initialPlannerState,
    t0 + k * 60,
  );
}
rows.push(['planSchedule (10-minute horizon, 15 s steps)', SCHEDULES / ((performance.now() - scheduleStarted) / 1000)]);

const samples = 2880; // two days of 60 s per-pod samples
const usageLoad = Float64Array.from({ length: samples }, (_, i) => load[i] / 5);
const usageCpu = Float64Array.from(usageLoad, (x, i) => 40 + 25 * x + ((i * 37) % 29));
const usageMemory = Float64Array.from({ length: samples }, (_, i) => (300 + ((i * 13) % 200)) * 1024 * 1024);
const resourcesStarted = performance.now();
const RESOURCE_PLANS = 200;
for (let k = 0; k < RESOURCE_PLANS; k++) {
  const capacity = resolveCapacity({
    perPod: null,
    targetUtilizationPercent: 70,
    cpuRequestMillicores: 1000,
    loadIsCpuCores: false,
    history: { load: usageLoad, cpuMillicores: usageCpu },
  });
  planResources({
    usage: { cpuMillicores: usageCpu, memoryBytes: usageMemory, load: usageLoad },
    oomMemoryBytes: [],
    current: { cpuRequestMillicores: 1000, cpuLimitMillicores: null, memoryRequestBytes: null, memoryLimitBytes: null },
    capacity,
  });
}
rows.push([
  `resolveCapacity + planResources (${samples} samples)`,
  RESOURCE_PLANS / ((performance.now() - resourcesStarted) / 1000),
]);

console.log('what                                                        per second');
for (const [what, perSecond] of rows) console.log(`${what.padEnd(58)}  ${Math.round(perSecond).toLocaleString('en')}`);
