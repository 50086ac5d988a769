// The training budget of a fleet (issue 17): 10,000 workloads created over a week, the measured per-fit CPU of each
// model (docs/models-cost.json, the cost bench's), N replicas × loop.trainingConcurrency slots, on the simulator's clock.
// Two mixes: the default (half `auto`) and a neural fleet. npx tsx bench/training-fleet.bench.ts [workloads]
import { performance } from 'node:perf_hooks';
import { REFIT_GRACE_SECONDS } from '../src/predictor/training-queue.js';
import { readFleetFitCosts } from '../src/simulator/fleet-fit-costs.js';
import {
  DEFAULT_FLEET,
  FIRST_FORECAST_TARGET_SECONDS,
  type FleetSettings,
  NEURAL_FLEET_MIX,
  simulateTrainingFleet,
  trainingCoresNeeded,
} from '../src/simulator/training-fleet.js';

const workloads = Number(process.argv[2] ?? DEFAULT_FLEET.workloads);
const minutes = (seconds: number) => `${(seconds / 60).toFixed(1)} min`;

/** The fleet's costs, its sizing and one row per capacity from the predicted replicas down to one. */
async function benchFleet(fleet: Omit<FleetSettings, 'replicas' | 'concurrencyPerReplica'>): Promise<void> {
  const mix = Object.entries(fleet.mix).map(([model, share]) => `${model} ${Math.round(100 * share)} %`);
  process.stdout.write(
    `\n${fleet.workloads} workloads created over ${fleet.creationSpanSeconds / 86_400} d, ${fleet.durationSeconds / 86_400} d simulated; mix: ${mix.join(', ')}\n`,
  );
  const costs = await readFleetFitCosts(Object.keys(fleet.mix));
  for (const cost of Object.values(costs)) {
    const selection = cost.selectionCpuSeconds === null ? '' : `, selection ${cost.selectionCpuSeconds.toFixed(3)} s`;
    process.stdout.write(
      `  ${cost.model}: first ${cost.firstFitCpuSeconds.toFixed(3)} s, refit ${cost.refitCpuSeconds.toFixed(3)} s${selection} CPU\n`,
    );
  }
  process.stdout.write(`  (from ${Object.values(costs)[0].source})\n`);
  const s = trainingCoresNeeded({ ...fleet, concurrencyPerReplica: 1 }, costs);
  process.stdout.write(
    `sizing: steady ${s.steadyCores.toFixed(2)} + onboarding ${s.onboardingCores.toFixed(2)} cores, × 1.25 = ${s.cores.toFixed(2)} cores\n\n`,
  );
  process.stdout.write(
    `| replicas × slots | first forecast p50 / p99 / max | later than ${FIRST_FORECAST_TARGET_SECONDS / 60} min | refits | late (> ${REFIT_GRACE_SECONDS / 60} min past due) | worst lateness | utilisation | run |\n|---|---|---:|---:|---:|---:|---:|---:|\n`,
  );
  const plans: [number, number][] = [];
  for (const concurrency of [2, 1]) {
    const predicted = trainingCoresNeeded({ ...fleet, concurrencyPerReplica: concurrency }, costs).replicas;
    for (let replicas = predicted; replicas >= 1; replicas--) plans.push([replicas, concurrency]);
  }
  for (const [replicas, concurrency] of plans) {
    const started = performance.now();
    const o = simulateTrainingFleet({ ...fleet, replicas, concurrencyPerReplica: concurrency }, costs);
    const f = o.firstForecastSeconds;
    process.stdout.write(
      `| ${replicas} × ${concurrency} | ${minutes(f.p50)} / ${minutes(f.p99)} / ${minutes(f.max)} | ${o.firstForecastsLate} | ${o.refits} | ${o.refitsLate} | ${minutes(o.maxRefitLateSeconds)} | ${(100 * o.utilization).toFixed(0)} % | ${((performance.now() - started) / 1000).toFixed(1)} s |\n`,
    );
  }
}

await benchFleet({ ...DEFAULT_FLEET, workloads });
await benchFleet({ ...DEFAULT_FLEET, workloads, mix: NEURAL_FLEET_MIX });
