import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constantRateInput, nasaSimulationInput } from '../../testing/simulation-fixtures.js';
import { PodDelayStream } from '../cluster.js';
import { parseSimulationConfig, type SimulationConfig } from '../config.js';
import { createRandom } from '../random.js';
import { type SimulationInput, simulate } from '../simulate.js';
import { summarize, violatesSlo } from '../summary.js';
import type { AutoscalingPolicy } from '../types.js';
import { cheapestSchedule, costOptimalOraclePolicy, readyPodsNeededPerMinute } from './cost-optimal.js';

/** Exact delays: scheduled +2 s, running +10 s, ready +15 s (27 s from creation to traffic), gone 5 s after deletion. */
const exact = parseSimulationConfig({
  cluster: {
    startup: {
      scheduling: { distribution: 'constant', value: '2s' },
      containerStart: { distribution: 'constant', value: '10s' },
      readiness: { distribution: 'constant', value: '15s' },
    },
  },
  load: { noise: 'none' },
});
/** The simulator's default pod delays (lognormal scheduling and start, uniform readiness) and Poisson arrivals. */
const random = parseSimulationConfig({});
const START = 805_780_800;
const STARTUP_SECONDS = 27;

/** Requests/s that need 1, 2 and 3 ready pods to hold the SLO (asserted below). */
const ONE = 60;
const TWO = 150;
const THREE = 240;

/** A run of `perMinute` request rates, each held for a minute (Poisson-drawn when the config says so). */
function input(config: SimulationConfig, perMinute: readonly number[], seed = 1): SimulationInput {
  const rates = perMinute.flatMap((rate) => new Array<number>(60).fill(rate));
  const base = constantRateInput(config, rates, 1, START);
  if (config.load.noise === 'none') return { ...base, seed };
  // Poisson arrivals per second from the seed, as the experiment draws them.
  const noise = createRandom(seed, 'arrivals');
  return { ...base, arrivals: Float64Array.from(rates, (rate) => noise.poisson(rate)), seed };
}

function oracle(config: SimulationConfig, run: SimulationInput, maxReplicas: number, syncPeriodSeconds: number) {
  return costOptimalOraclePolicy({
    name: 'oracle-cost',
    input: run,
    slo: config.slo,
    minReplicas: 1,
    maxReplicas,
    syncPeriodSeconds,
  });
}

/** A policy that sets the replicas of `schedule[k]` at its k-th sync. */
function fixedSchedule(schedule: readonly number[], syncPeriodSeconds: number, start: number): AutoscalingPolicy<null> {
  return {
    name: 'fixed',
    syncPeriodSeconds,
    initialState: () => null,
    decide: (_observation, state, now) => ({
      replicas: schedule[(now - start) / syncPeriodSeconds - 1],
      reason: 'fixed',
      state,
    }),
  };
}

/** Billed pod-seconds and SLO-violation minutes of a run. */
async function outcome(policy: AutoscalingPolicy, config: SimulationConfig, run: SimulationInput) {
  const record = await simulate(policy, run);
  const podSeconds = record.billedPodSeconds.reduce((a, b) => a + b, 0);
  return { podSeconds, violations: summarize(record, config.slo).sloViolationMinutes, record };
}

test('the ready pods a minute needs: the fewest with which the simulator finds no violation in it', async () => {
  const run = input(exact, [ONE, TWO, THREE]);
  const needed = readyPodsNeededPerMinute(run.arrivals, run.queue, exact.slo, 1, 10);
  assert.deepEqual(Array.from(needed), [1, 2, 3]);
  // Checked against the simulator itself: a Deployment held at n pods breaks minute m exactly when n < needed[m].
  for (const replicas of [1, 2, 3]) {
    const record = await simulate(fixedSchedule(new Array(11).fill(replicas), 15, START), {
      ...run,
      initialReplicas: replicas,
    });
    for (let m = 0; m < 3; m++) {
      assert.equal(violatesSlo(record, m, exact.slo), replicas < needed[m], `${replicas} pods, minute ${m}`);
    }
  }
});

test('on a step load each pod is requested exactly its start-up delay before the need rises, and released at once when it falls', () => {
  // 1 pod's load for 5 minutes, 3 pods' for 5, then 1 pod's again: decisions every second (a perfect controller).
  const run = input(exact, [ONE, ONE, ONE, ONE, ONE, THREE, THREE, THREE, THREE, THREE, ONE, ONE, ONE]);
  const needed = readyPodsNeededPerMinute(run.arrivals, run.queue, exact.slo, 1, 10);
  const changes = (syncPeriodSeconds: number) =>
    cheapestSchedule({
      startSeconds: START,
      endSeconds: run.endSeconds,
      syncPeriodSeconds,
      neededPerMinute: needed,
      initialReplicas: 1,
      maxReplicas: 10,
      delays: PodDelayStream.forSeed(exact.cluster.lifecycle, 1),
    })
      .filter((sync, i, all) => sync.replicas !== (i === 0 ? 1 : all[i - 1].replicas))
      .map((sync) => ({ at: sync.timeSeconds - START, replicas: sync.replicas }));
  assert.deepEqual(changes(1), [
    { at: 300 - STARTUP_SECONDS, replicas: 3 },
    { at: 600, replicas: 1 },
  ]);
  // Every 15 s (the experiment's sync): the last sync from which the pods are ready in time, 270 s (ready at 297 s).
  assert.deepEqual(changes(15), [
    { at: 270, replicas: 3 },
    { at: 600, replicas: 1 },
  ]);
});

test('a dip shorter than a replacement start-up keeps the pods; a longer one releases them', () => {
  const schedule = (perMinute: number[], syncPeriodSeconds: number) => {
    const run = input(exact, perMinute);
    return cheapestSchedule({
      startSeconds: START,
      endSeconds: run.endSeconds,
      syncPeriodSeconds,
      neededPerMinute: Int32Array.from(perMinute, (rate) => (rate === ONE ? 1 : 3)),
      initialReplicas: 3,
      maxReplicas: 10,
      delays: PodDelayStream.forSeed(exact.cluster.lifecycle, 1),
    }).map((sync) => sync.replicas);
  };
  // A one-minute dip at 60-s syncs: releasing at 120 s and requesting again at 120 s is impossible, so hold 3.
  assert.deepEqual(schedule([THREE, THREE, ONE, THREE], 60), [3, 3, 3]);
  // At 15-s syncs the same dip is worth releasing: 5 s of termination + 13 s of billed start-up < 60 s kept.
  const fine = schedule([THREE, THREE, ONE, THREE], 15);
  assert.equal(fine[(120 - 15) / 15], 1, 'released when the dip starts');
  assert.equal(fine[(180 - 30 - 15) / 15], 3, 'requested again at 150 s, ready at 177 s');
});

/**
 * Every schedule of `syncs` decisions with 1..maxReplicas replicas, run in the simulator: the cheapest that holds
 * the SLO in every minute. 3^8 = 6,561 runs of 3 minutes.
 */
async function cheapestByBruteForce(
  config: SimulationConfig,
  run: SimulationInput,
  maxReplicas: number,
  period: number,
) {
  const syncs = Math.ceil((run.endSeconds - run.startSeconds) / period) - 1;
  let best = Number.POSITIVE_INFINITY;
  const schedule = new Array<number>(syncs).fill(1);
  for (;;) {
    const result = await outcome(fixedSchedule(schedule, period, run.startSeconds), config, run);
    if (result.violations === 0) best = Math.min(best, result.podSeconds);
    let i = 0;
    while (i < syncs && schedule[i] === maxReplicas) schedule[i++] = 1;
    if (i === syncs) return best;
    schedule[i]++;
  }
}

const BRUTE_FORCE_CASES: { name: string; config: SimulationConfig; perMinute: number[]; seed: number }[] = [
  { name: 'a step up, exact delays', config: exact, perMinute: [ONE, THREE, THREE], seed: 1 },
  { name: 'a dip between two peaks, exact delays', config: exact, perMinute: [THREE, ONE, THREE], seed: 1 },
  { name: 'a short peak, exact delays', config: exact, perMinute: [ONE, THREE, ONE], seed: 1 },
  { name: 'a ramp, random pod delays and noisy arrivals', config: random, perMinute: [ONE, TWO, THREE], seed: 2 },
  { name: 'a dip, random pod delays and noisy arrivals', config: random, perMinute: [THREE, ONE, TWO], seed: 3 },
];

for (const c of BRUTE_FORCE_CASES) {
  test(`no schedule is cheaper and holds the SLO: ${c.name} (brute force over every schedule at 20-s syncs)`, async () => {
    const period = 20;
    const run = { ...input(c.config, c.perMinute, c.seed), initialReplicas: c.perMinute[0] === ONE ? 1 : 3 };
    const mine = await outcome(oracle(c.config, run, 3, period), c.config, run);
    assert.equal(mine.violations, 0);
    const best = await cheapestByBruteForce(c.config, run, 3, period);
    assert.ok(Number.isFinite(best), 'some schedule holds the SLO');
    assert.ok(mine.podSeconds <= best + 1e-9, `oracle ${mine.podSeconds} pod-s, cheapest found ${best} pod-s`);
  });
}

test('on an hour of the NASA trace the oracle holds the SLO in every minute', async () => {
  const { input: run, config } = await nasaSimulationInput({ seconds: 3600 });
  const result = await outcome(oracle(config, run, 50, 15), config, run);
  assert.equal(result.violations, 0);
  // And it is not the static peak: it scales with the load.
  assert.ok(result.record.events.length > 10);
});

test('the one trick it does not play: creating a pod only to delete it before it starts, to skip its slow start-up', async () => {
  // The k-th pod created takes the k-th delays of the seed, so a schedule can "burn" a slow pod. Here: 3 pods at
  // the start, 1 needed in minute 0 and 2 in minute 1, 15-s syncs. The next pod takes 31.8 s to serve, the one
  // after it 27.9 s. The oracle keeps a second pod through minute 0; releasing it, requesting two at 30 s and
  // deleting the slow one (still pending, so it goes at once) at 45 s is 2 pod-seconds cheaper.
  const run = { ...input(random, [ONE, TWO], 23), initialReplicas: 3 };
  const mine = await outcome(oracle(random, run, 3, 15), random, run);
  const burning = await outcome(fixedSchedule([1, 3, 2, 2, 2, 2, 2], 15, START), random, run);
  assert.equal(mine.violations, 0);
  assert.equal(burning.violations, 0);
  assert.deepEqual([mine.podSeconds, burning.podSeconds], [260, 258]);
});
