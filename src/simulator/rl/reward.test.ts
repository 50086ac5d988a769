import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SimulationRecord } from '../simulate.js';
import { decisionOutcomes } from './reward.js';

const START = 1_700_006_400;
const f = (values: number[]) => Float64Array.from(values);

/** Three minutes: 10, 20 and 10 billed pods; only minute 1 violates the SLO (10 % of its requests slow). */
const record: SimulationRecord = {
  policy: 'rl',
  seed: 1,
  startSeconds: START,
  minutes: 3,
  arrivals: f([100, 100, 100]),
  dropped: f([0, 0, 0]),
  slow: f([0, 10, 0]),
  p95Seconds: f([0.1, 0.4, 0.1]),
  readyPodSeconds: f([600, 1200, 600]),
  billedPodSeconds: f([600, 1200, 600]),
  specReplicas: f([10, 20, 10]),
  cpuCoreSeconds: f([0, 0, 0]),
  requestedCoreSeconds: f([0, 0, 0]),
  overPodSeconds: f([0, 0, 0]),
  underPodSeconds: f([0, 0, 0]),
  costPerPodHour: 0.045,
  events: [],
  wallMilliseconds: 0,
  trainingMilliseconds: 0,
};

test('the reward of each decision: its share of each minute’s pod cost and violation, at the violation price', () => {
  const slo = { latencyP95Seconds: 0.25, maxDropShare: 0.001 };
  const outcomes = decisionOutcomes(record, [START + 15, START + 75, START + 150], slo, 0.03);
  // [15, 75): ¾ of minute 0 (450 pod-s) and ¼ of minute 1 (300 pod-s, ¼ violation minute).
  // [75, 150): ¾ of minute 1 (900 pod-s, ¾ violation minute) and ½ of minute 2 (300 pod-s).
  // [150, 180): ½ of minute 2 (300 pod-s).
  const expected = [
    { cost: (750 / 3600) * 0.045, violationMinutes: 0.25 },
    { cost: (1200 / 3600) * 0.045, violationMinutes: 0.75 },
    { cost: (300 / 3600) * 0.045, violationMinutes: 0 },
  ];
  expected.forEach((e, i) => {
    assert.ok(Math.abs(outcomes[i].cost - e.cost) < 1e-12, `${i}: ${outcomes[i].cost}`);
    assert.equal(outcomes[i].violationMinutes, e.violationMinutes);
    assert.ok(Math.abs(outcomes[i].reward - -(e.cost + 0.03 * e.violationMinutes)) < 1e-12);
  });
  assert.ok(Math.abs(outcomes[0].reward - -0.016875) < 1e-12);
  // Summed, the run's cost after the first decision and its one violation minute.
  const total = outcomes.reduce((a, o) => a + o.reward, 0);
  assert.ok(Math.abs(total - -((2250 / 3600) * 0.045 + 0.03)) < 1e-12);
});
