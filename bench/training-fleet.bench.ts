// The training budget of a fleet (issue 17): 10,000 workloads created over a week, the measured per-fit CPU of each
// model (MEASURED_FIT_COSTS), N replicas × loop.trainingConcurrency slots, on the simulator's clock.
// npx tsx bench/training-fleet.bench.ts [workloads]
import { performance } from 'node:perf_hooks';
import { REFIT_GRACE_SECONDS } from '../src/predictor/training-queue.js';
import {
  DEFAULT_FLEET,
  FIRST_FORECAST_TARGET_SECONDS,
  MEASURED_FIT_COSTS,
  simulateTrainingFleet,
  trainingCoresNeeded,
} from '../src/simulator/training-fleet.js';

const fleet = { ...DEFAULT_FLEET, workloads: Number(process.argv[2] ?? DEFAULT_FLEET.workloads) };
const mix = Object.entries(fleet.mix).map(([kind, share]) => `${kind} ${Math.round(100 * share)} %`);
process.stdout.write(
  `${fleet.workloads} workloads created over ${fleet.creationSpanSeconds / 86_400} d, ${fleet.durationSeconds / 86_400} d simulated; mix: ${mix.join(', ')}\n`,
);
for (const [kind, cost] of Object.entries(MEASURED_FIT_COSTS)) {
  process.stdout.write(
    `  ${kind}: first ${cost.firstFitCpuSeconds} s, refit ${cost.refitCpuSeconds} s CPU (${cost.source})\n`,
  );
}
const s = trainingCoresNeeded({ ...fleet, concurrencyPerReplica: 1 });
process.stdout.write(
  `sizing: steady ${s.steadyCores.toFixed(2)} + onboarding ${s.onboardingCores.toFixed(2)} cores, × 1.25 = ${s.cores.toFixed(2)} cores\n\n`,
);
process.stdout.write(
  `| replicas × slots | first forecast p50 / p99 / max | later than ${FIRST_FORECAST_TARGET_SECONDS / 60} min | refits | late (> ${REFIT_GRACE_SECONDS / 60} min past due) | worst lateness | utilisation | run |\n|---|---|---:|---:|---:|---:|---:|---:|\n`,
);
const plans: [number, number][] = [];
for (const concurrency of [2, 1]) {
  const predicted = trainingCoresNeeded({ ...fleet, concurrencyPerReplica: concurrency }).replicas;
  for (let replicas = predicted; replicas >= 1; replicas--) plans.push([replicas, concurrency]);
}
const minutes = (seconds: number) => `${(seconds / 60).toFixed(1)} min`;
for (const [replicas, concurrency] of plans) {
  const started = performance.now();
  const o = simulateTrainingFleet({ ...fleet, replicas, concurrencyPerReplica: concurrency });
  const f = o.firstForecastSeconds;
  process.stdout.write(
    `| ${replicas} × ${concurrency} | ${minutes(f.p50)} / ${minutes(f.p99)} / ${minutes(f.max)} | ${o.firstForecastsLate} | ${o.refits} | ${o.refitsLate} | ${minutes(o.maxRefitLateSeconds)} | ${(100 * o.utilization).toFixed(0)} % | ${((performance.now() - started) / 1000).toFixed(1)} s |\n`,
  );
}
