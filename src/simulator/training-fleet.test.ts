import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { REFIT_GRACE_SECONDS } from '../predictor/training-queue.js';
import { readFleetFitCosts } from './fleet-fit-costs.js';
import {
  DEFAULT_FLEET,
  FIRST_FORECAST_TARGET_SECONDS,
  type FitCosts,
  NEURAL_FLEET_MIX,
  simulateTrainingFleet,
  trainingCoresNeeded,
} from './training-fleet.js';

// One training slot per replica: a 2-core replica keeps its other core for forecasts, the doors and reconciles.
const fleet = { ...DEFAULT_FLEET, concurrencyPerReplica: 1 };
const neuralFleet = { ...fleet, mix: NEURAL_FLEET_MIX };
// The measured costs of docs/models-cost.json (the cost bench's), as the bench reads them.
let costs: FitCosts;
before(async () => {
  costs = await readFleetFitCosts([...Object.keys(fleet.mix), ...Object.keys(neuralFleet.mix)]);
});

describe('the training fleet: 10,000 workloads created over a week, two weeks simulated', () => {
  test('the sizing rule: Σ CPU per refit ÷ interval plus the first fits of the arriving workloads, with headroom', () => {
    const sizing = trainingCoresNeeded(fleet, costs);
    // By hand from the costs: an `auto` workload selects once a week and refits its winner on the six other days;
    // a neural one refits warm every day after its cold first fit.
    const c = (model: string) => costs[model];
    const daily =
      0.5 * ((c('auto').selectionCpuSeconds! + 6 * c('auto').refitCpuSeconds) / 7) +
      0.1 * (c('ets').refitCpuSeconds + c('mstl').refitCpuSeconds + c('prophet').refitCpuSeconds) +
      0.1 * c('lstm').refitCpuSeconds +
      0.05 * (c('gru').refitCpuSeconds + c('prophet-lstm').refitCpuSeconds);
    const first =
      0.5 * c('auto').firstFitCpuSeconds +
      0.1 * (c('ets').firstFitCpuSeconds + c('mstl').firstFitCpuSeconds + c('prophet').firstFitCpuSeconds) +
      0.1 * c('lstm').firstFitCpuSeconds +
      0.05 * (c('gru').firstFitCpuSeconds + c('prophet-lstm').firstFitCpuSeconds);
    assert.ok(Math.abs(sizing.steadyCores - (10_000 * daily) / 86_400) < 1e-9);
    assert.ok(Math.abs(sizing.onboardingCores - (10_000 / (7 * 86_400)) * first) < 1e-9);
    assert.ok(Math.abs(sizing.cores - 1.25 * (sizing.steadyCores + sizing.onboardingCores)) < 1e-9);
    assert.equal(sizing.replicas, Math.ceil(sizing.cores));
    // The warm refits are what the steady state is charged for the neural models, not their cold fits.
    assert.ok(c('lstm').refitCpuSeconds < c('lstm').firstFitCpuSeconds / 5);
  });

  for (const [name, settings] of [
    ['the default mix', fleet],
    ['a neural fleet', neuralFleet],
  ] as const) {
    test(`${name}: at the predicted capacity every workload forecasts within 15 minutes and no refit is late`, () => {
      const sizing = trainingCoresNeeded(settings, costs);
      const outcome = simulateTrainingFleet({ ...settings, replicas: sizing.replicas }, costs);
      assert.equal(outcome.slots, sizing.replicas);
      assert.equal(outcome.firstForecastsLate, 0);
      assert.ok(
        outcome.firstForecastSeconds.max <= FIRST_FORECAST_TARGET_SECONDS,
        `${outcome.firstForecastSeconds.max}`,
      );
      // Every workload's first fit and about one refit a day after it (10,000 × ~10.5 days).
      assert.ok(outcome.refits > 95_000, `${outcome.refits} refits`);
      assert.equal(outcome.refitsLate, 0);
      assert.ok(outcome.maxRefitLateSeconds <= REFIT_GRACE_SECONDS);
      assert.ok(outcome.utilization < 1 / 1.25, `${outcome.utilization}`);
    });
  }

  test('a neural fleet at half the predicted replicas (rounded down) falls behind, and the outcome counts it', () => {
    const sizing = trainingCoresNeeded(neuralFleet, costs);
    const half = Math.floor(sizing.replicas / 2);
    assert.ok(half >= 1, `${sizing.replicas} replicas predicted`);
    const outcome = simulateTrainingFleet({ ...neuralFleet, replicas: half }, costs);
    assert.ok(outcome.refitsLate > 1000, `${outcome.refitsLate} late refits`);
    // Hours behind, not minutes (how many depends on the measured costs the file holds).
    assert.ok(outcome.maxRefitLateSeconds > 4 * REFIT_GRACE_SECONDS, `${outcome.maxRefitLateSeconds}`);
    assert.ok(outcome.utilization > 0.5, `the slot is busy: ${outcome.utilization}`);
    // New workloads still go first: they forecast within minutes while refits wait.
    assert.equal(outcome.firstForecastsLate, 0);
  });

  test('the same seed gives the same outcome', () => {
    const small = { ...fleet, workloads: 300, durationSeconds: 9 * 86_400, replicas: 1 };
    assert.deepEqual(simulateTrainingFleet(small, costs), simulateTrainingFleet(small, costs));
  });

  test('a mix naming a model without a cost is refused, the model named', () => {
    const { lstm: _, ...withoutLstm } = costs;
    assert.throws(
      () => trainingCoresNeeded(fleet, withoutLstm),
      (error: Error) => error.message.includes('names lstm without a fit cost'),
    );
    assert.throws(() => simulateTrainingFleet({ ...fleet, replicas: 1 }, withoutLstm), /lstm/);
  });
});
