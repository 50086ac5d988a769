import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScalingEvent, SimulationRecord } from './simulate.js';
import { aggregate, summarize, violatesSlo } from './summary.js';

const slo = { latencyP95Seconds: 0.25, maxDropShare: 0.001 };

/** A one-minute record with the given counts. */
function minute(arrivals: number, dropped: number, slow: number, events: ScalingEvent[] = []): SimulationRecord {
  const one = (v: number) => Float64Array.of(v);
  return {
    policy: 'test',
    seed: 1,
    startSeconds: 0,
    minutes: 1,
    arrivals: one(arrivals),
    dropped: one(dropped),
    slow: one(slow),
    p95Seconds: one(0.1),
    readyPodSeconds: one(120),
    billedPodSeconds: one(180),
    specReplicas: one(3),
    cpuCoreSeconds: one(60),
    requestedCoreSeconds: one(180),
    overPodSeconds: one(60),
    underPodSeconds: one(0),
    costPerPodHour: 0.05,
    events,
    wallMilliseconds: 0,
    trainingMilliseconds: 0,
  };
}

const verdicts = [
  { name: 'no traffic', input: minute(0, 0, 0), want: false },
  { name: 'fast and no drops', input: minute(1000, 0, 50), want: false },
  { name: 'exactly 5 % slow is p95 at the SLO', input: minute(1000, 0, 50), want: false },
  { name: 'over 5 % slow is p95 above the SLO', input: minute(1000, 0, 51), want: true },
  { name: 'drops at 0.1 % are allowed', input: minute(10_000, 10, 0), want: false },
  { name: 'drops above 0.1 % violate', input: minute(10_000, 11, 0), want: true },
  { name: 'slow share counts admitted requests only', input: minute(1000, 0.5, 49.99), want: true },
];

for (const row of verdicts) {
  test(`violatesSlo: ${row.name}`, () => {
    assert.equal(violatesSlo(row.input, 0, slo), row.want);
  });
}

const moves = (...pairs: [number, number][]): ScalingEvent[] =>
  pairs.map(([from, to], i) => ({ timeSeconds: i * 15, from, to, reason: '' }));

const oscillations = [
  { name: 'no change', input: moves(), want: 0 },
  { name: 'steady climb', input: moves([2, 3], [3, 5], [5, 6]), want: 0 },
  { name: 'up then down', input: moves([2, 3], [3, 2]), want: 1 },
  { name: 'up, down, up, up, down', input: moves([2, 3], [3, 2], [2, 4], [4, 5], [5, 4]), want: 3 },
];

for (const row of oscillations) {
  test(`summarize counts direction reversals: ${row.name}`, () => {
    const summary = summarize(minute(100, 0, 0, row.input), slo);
    // One minute = 1/60 hour.
    assert.equal(summary.oscillationsPerHour, row.want * 60);
    assert.equal(summary.scalingActions, row.input.length);
  });
}

test('summarize: pod-hours, cost and utilization from the minute counts', () => {
  const summary = summarize(minute(100, 0, 0), slo);
  assert.equal(summary.podHours, 180 / 3600);
  assert.equal(summary.cost, (180 / 3600) * 0.05);
  assert.equal(summary.meanUtilizationPercent, (100 * 60) / 180);
  assert.equal(summary.overProvisionedPodHours, 60 / 3600);
});

test('aggregate: mean and sample standard deviation', () => {
  assert.deepEqual(aggregate([2, 4, 6]), { mean: 4, std: 2, values: [2, 4, 6] });
  assert.deepEqual(aggregate([5]), { mean: 5, std: 0, values: [5] });
});
