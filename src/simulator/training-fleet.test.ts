import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { REFIT_GRACE_SECONDS } from '../predictor/training-queue.js';
import {
  DEFAULT_FLEET,
  FIRST_FORECAST_TARGET_SECONDS,
  MEASURED_FIT_COSTS,
  simulateTrainingFleet,
  trainingCoresNeeded,
} from './training-fleet.js';

// One training slot per replica: a 2-core replica keeps its other core for forecasts, the doors and reconciles.
const fleet = { ...DEFAULT_FLEET, concurrencyPerReplica: 1 };
const sizing = trainingCoresNeeded(fleet);

describe('the training fleet: 10,000 workloads created over a week, two weeks simulated', () => {
  test('the sizing rule: Σ CPU per refit ÷ interval plus the first fits of the arriving workloads, with headroom', () => {
    // By hand from the table: an `auto (every model)` workload costs (153.8 + 6 × 44.6) / 7 CPU-s a day, …
    const daily =
      0.4 * ((0.43 + 6 * 0.07) / 7) +
      0.1 * ((153.8 + 6 * 44.6) / 7) +
      0.1 * 0.208 +
      0.1 * 0.127 +
      0.1 * 0.59 +
      0.1 * 49.9 +
      0.05 * 32.4 +
      0.05 * 25.5;
    const first =
      0.4 * 0.43 + 0.1 * 153.8 + 0.1 * 0.208 + 0.1 * 0.127 + 0.1 * 0.59 + 0.1 * 49.9 + 0.05 * 32.4 + 0.05 * 25.5;
    assert.ok(Math.abs(sizing.steadyCores - (10_000 * daily) / 86_400) < 1e-9);
    assert.ok(Math.abs(sizing.onboardingCores - (10_000 / (7 * 86_400)) * first) < 1e-9);
    assert.ok(Math.abs(sizing.cores - 1.25 * (sizing.steadyCores + sizing.onboardingCores)) < 1e-9);
    assert.equal(sizing.replicas, Math.ceil(sizing.cores));
    assert.ok(Object.values(MEASURED_FIT_COSTS).every((cost) => cost.source.startsWith('docs/benchmarks.md')));
  });

  test('at the predicted capacity every workload forecasts within 15 minutes and no refit is late', () => {
    const outcome = simulateTrainingFleet({ ...fleet, replicas: sizing.replicas });
    assert.equal(outcome.slots, sizing.replicas);
    assert.equal(outcome.firstForecastsLate, 0);
    assert.ok(outcome.firstForecastSeconds.max <= FIRST_FORECAST_TARGET_SECONDS, `${outcome.firstForecastSeconds.max}`);
    // Every workload's first fit and about one refit a day after it (10,000 × ~10.5 days).
    assert.ok(outcome.refits > 95_000, `${outcome.refits} refits`);
    assert.equal(outcome.refitsLate, 0);
    assert.ok(outcome.maxRefitLateSeconds <= REFIT_GRACE_SECONDS);
    assert.ok(outcome.utilization < 1 / 1.25, `${outcome.utilization}`);
  });

  test('at half the predicted replicas (rounded down) the refits fall behind, and the outcome counts them late', () => {
    const half = Math.floor(sizing.replicas / 2);
    const outcome = simulateTrainingFleet({ ...fleet, replicas: half });
    assert.ok(outcome.refitsLate > 1000, `${outcome.refitsLate} late refits`);
    assert.ok(outcome.maxRefitLateSeconds > 86_400 / 2, `${outcome.maxRefitLateSeconds}`);
    assert.ok(outcome.utilization > 0.85, 'the slots are saturated');
    // New workloads still go first: they forecast within minutes while refits wait.
    assert.equal(outcome.firstForecastsLate, 0);
  });

  test('the same seed gives the same outcome', () => {
    const small = { ...fleet, workloads: 300, durationSeconds: 9 * 86_400, replicas: 1 };
    assert.deepEqual(simulateTrainingFleet(small), simulateTrainingFleet(small));
  });
});
