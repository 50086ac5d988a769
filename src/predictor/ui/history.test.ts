import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WorkloadStatus } from '../workload-status.js';
import { historyJson, StatusHistory } from './history.js';

const T0 = 1_800_000_000;
const STEP = 60;

/** A synced workload's status at `syncSeconds`: the load of the bucket before it, a 3-step forecast from it. */
function synced(syncSeconds: number, load: number, published: number, source: 'plan' | 'reactive' = 'plan') {
  return {
    name: 'web',
    namespace: 'shop',
    lastSyncSeconds: syncSeconds,
    data: { load, lastSampleSeconds: syncSeconds - STEP, replicas: published - 1 },
    forecast: {
      startSeconds: syncSeconds,
      stepSeconds: STEP,
      point: Float64Array.from([load + 1, load + 2, load + 3]),
      intervals: { level: 0.8, lower: Float64Array.from([0, 1, 2]), upper: Float64Array.from([10, 11, 12]) },
    },
    plan: { decision: { reactiveReplicas: published + 1 } },
    published: { replicas: published, source, reason: `${published} replicas (${source})` },
    accuracy: { planningHorizonSteps: 2 },
    fallback: { active: source !== 'plan', summary: '' },
  } as unknown as WorkloadStatus;
}

test('the history keeps one point per sync, the newest `capacity`, and forgets a removed workload', () => {
  const history = new StatusHistory(3);
  for (let i = 0; i < 5; i++) history.record(synced(T0 + i * STEP, 100 + i, 2));
  history.record(synced(T0 + 4 * STEP, 999, 2)); // the same sync again: not a new point
  const points = history.points('shop', 'web');
  assert.deepEqual(
    points.map((p) => [p.timeSeconds, p.load?.value]),
    [
      [T0 + 2 * STEP, 102],
      [T0 + 3 * STEP, 103],
      [T0 + 4 * STEP, 104],
    ],
  );
  // The forecast at the planning horizon (h = 2) targets the second bucket after the sync.
  assert.deepEqual(points[0].forecast, { targetSeconds: T0 + 3 * STEP, point: 104, lower: 1, upper: 11 });
  history.forget('shop', 'web');
  assert.deepEqual(history.points('shop', 'web'), []);
});

test('historyJson: observed load, past forecasts at the time they target and the current forecast share one axis', () => {
  const history = new StatusHistory();
  const statuses = [synced(T0, 100, 2), synced(T0 + STEP, 110, 3), synced(T0 + 2 * STEP, 120, 3, 'reactive')];
  for (const s of statuses) history.record(s);
  const json = historyJson(history.points('shop', 'web'), statuses[2]);
  const t = (k: number) => T0 + k * STEP;
  assert.deepEqual(json.load.timesSeconds, [t(-1), t(0), t(1), t(2), t(3), t(4)]);
  assert.deepEqual(json.load.observed, [100, 110, 120, null, null, null]);
  // t(1), t(2): forecasts the first two syncs made for their planning horizon; t(2)..t(4): the current forecast.
  assert.deepEqual(json.load.predicted, [null, null, 102, 121, 122, 123]);
  assert.deepEqual(json.load.upper, [null, null, 11, 10, 11, 12]);
  assert.equal(json.planningHorizonSeconds, 2 * STEP);
  assert.deepEqual(json.replicas, {
    timesSeconds: [t(0), t(1), t(2)],
    desired: [2, 3, 3],
    current: [1, 2, 2],
    reactive: [3, 4, 4],
  });
  // Newest first; the third sync kept 3 replicas but changed source, which is a decision too.
  assert.deepEqual(
    json.decisions.map((d) => [d.timeSeconds, d.from, d.to, d.source, d.fallbackActive]),
    [
      [t(2), 3, 3, 'reactive', true],
      [t(1), 2, 3, 'plan', false],
      [t(0), null, 2, 'plan', false],
    ],
  );
  assert.equal(json.decisions[1].reason, '3 replicas (plan)');
});
