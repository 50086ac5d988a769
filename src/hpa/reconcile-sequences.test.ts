/**
 * Reconciles in a row, each fed the last one's replicas and memory: the scaling-policy worked examples, the legacy cap,
 * bounded controller memory, the reconcile schedule and a day of real load with every step checked.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  conditionReasons,
  cpuUtilization,
  DEFAULT_BEHAVIOR,
  DOCS_SCALE_DOWN,
  externalDemand,
  externalPerPod,
  hpaSpec,
  observation,
  podsUsing,
} from '../testing/hpa-fixtures.js';
import { sharedRoot } from '../testing/paths.js';
import { DEFAULT_SCALE_UP_RULES } from './defaults.js';
import { EMPTY_CONTROLLER_STATE, nextReconcileSeconds, reconcileHpa } from './reconcile.js';
import type { HpaControllerState, HpaReconcileResult, HpaSpec } from './types.js';

/** Feeds each result's desired replicas and state into the next reconcile, every `step` seconds from `start`. */
function runSequence(
  hpa: HpaSpec,
  firstReplicas: number,
  rawAt: (nowSeconds: number) => number,
  times: number[],
): HpaReconcileResult[] {
  let state: HpaControllerState = EMPTY_CONTROLLER_STATE;
  let replicas = firstReplicas;
  const results: HpaReconcileResult[] = [];
  for (const now of times) {
    const result = reconcileHpa(externalDemand(hpa, replicas, rawAt(now)), state, now);
    results.push(result);
    state = result.state;
    replicas = result.desiredReplicas;
  }
  return results;
}

const every15s = (count: number, start = 0) => Array.from({ length: count }, (_, i) => start + 15 * i);

test('the Kubernetes docs scale-down example as a sequence: 80 → 72, held while the event is inside the 60 s period, then 64, then 57', () => {
  const hpa = hpaSpec({
    maxReplicas: 100,
    metrics: [externalPerPod('queue', 1000)],
    behavior: { scaleUp: DEFAULT_SCALE_UP_RULES, scaleDown: DOCS_SCALE_DOWN },
  });
  const results = runSequence(hpa, 80, () => 10, every15s(9));
  assert.deepEqual(
    results.map((r) => r.desiredReplicas),
    [72, 72, 72, 72, 64, 64, 64, 64, 57],
  );
  assert.deepEqual(conditionReasons(results[0]), [
    'AbleToScale=True:SucceededRescale',
    'ScalingActive=True:ValidMetricFound',
    'ScalingLimited=True:ScaleDownLimit',
  ]);
  assert.deepEqual(conditionReasons(results[1]), [
    'AbleToScale=True:ReadyForNewScale',
    'ScalingActive=True:ValidMetricFound',
    'ScalingLimited=True:ScaleDownLimit',
  ]);
  assert.equal(results[0].rescaleReason, 'All metrics below target');
  // The event at t=0 is exactly one period old at t=60 (kept, not outdated); at t=120 it is outdated and reused.
  assert.deepEqual(results[4].state.scaleDownEvents, [
    { timestampSeconds: 0, replicaChange: 8, outdated: false },
    { timestampSeconds: 60, replicaChange: 8, outdated: false },
  ]);
  assert.deepEqual(results[8].state.scaleDownEvents, [
    { timestampSeconds: 120, replicaChange: 7, outdated: false },
    { timestampSeconds: 60, replicaChange: 8, outdated: false },
  ]);
});

test('default scale-up policies in a reconcile: default behavior scales 2 → 6 → 12 → 24 → 48 → 60 every 15 s', () => {
  const hpa = hpaSpec({ maxReplicas: 100, metrics: [externalPerPod('queue', 1000)], behavior: DEFAULT_BEHAVIOR });
  const results = runSequence(hpa, 2, () => 60, every15s(6));
  assert.deepEqual(
    results.map((r) => r.desiredReplicas),
    [6, 12, 24, 48, 60, 60],
  );
  assert.deepEqual(
    results.map((r) => r.conditions.find((c) => c.type === 'ScalingLimited')?.reason),
    ['ScaleUpLimit', 'ScaleUpLimit', 'ScaleUpLimit', 'ScaleUpLimit', 'DesiredWithinRange', 'DesiredWithinRange'],
  );
  assert.equal(results[0].rescaleReason, 'external metric queue(nil) above target');
  // Each reconcile's event has left the 15 s period by the next one (a fresh allowance every time) and
  // is outdated one reconcile later, so its slot is reused: the list never grows past two entries.
  assert.deepEqual(
    results[3].state.scaleUpEvents.map((e) => [e.timestampSeconds, e.replicaChange]),
    [
      [30, 12],
      [45, 24],
    ],
  );
});

test('the legacy path caps each reconcile at max(2 × current, 4): 2 → 4 → 8 → 16 → 32 → 60', () => {
  const hpa = hpaSpec({ maxReplicas: 100, metrics: [externalPerPod('queue', 1000)] });
  const results = runSequence(hpa, 2, () => 60, every15s(6));
  assert.deepEqual(
    results.map((r) => r.desiredReplicas),
    [4, 8, 16, 32, 60, 60],
  );
  assert.deepEqual(results[5].state.scaleUpEvents, [], 'no scale events are kept without behavior');
});

const scheduleRows: { name: string; input: { created: number; after: number }; want: number }[] = [
  { name: 'first reconcile one sync period after creation', input: { created: 100, after: 100 }, want: 115 },
  { name: 'asking before creation still waits one period', input: { created: 100, after: 0 }, want: 115 },
  { name: 'strictly after the given time', input: { created: 100, after: 115 }, want: 130 },
  { name: 'between ticks', input: { created: 100, after: 121 }, want: 130 },
];

for (const row of scheduleRows) {
  test(`nextReconcileSeconds: ${row.name}`, () => {
    assert.equal(nextReconcileSeconds(row.input.created, row.input.after, 15), row.want);
  });
}

test('property: controller memory stays bounded over long 15 s sequences', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 50, maxLength: 120 }), (raws) => {
      const hpa = hpaSpec({ maxReplicas: 60, metrics: [externalPerPod('queue', 1000)], behavior: DEFAULT_BEHAVIOR });
      const results = runSequence(hpa, 5, (now) => raws[now / 15], every15s(raws.length));
      const last = results.at(-1)!.state;
      // 300 s window / 15 s + the record being written + one stale slot at most.
      assert.ok(last.recommendations.length <= 22, `${last.recommendations.length} recommendations kept`);
      assert.ok(last.scaleUpEvents.length <= 3 && last.scaleDownEvents.length <= 3);
    }),
    { numRuns: 50 },
  );
});

/** The first day of the NASA July 1995 trace (requests/minute), one CPU demand value per 15 s reconcile. */
function nasaDemandMillicores(): number[] {
  const path = resolve(sharedRoot, 'data/nasa-http/nasa_jul95_requests_per_minute.csv');
  const rows = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1, 1 + 1440);
  return rows.flatMap((line) => {
    const requests = Number(line.split(',')[1]);
    return Array(4).fill(requests * 100); // 100 millicores per request/minute, held for four 15 s ticks
  });
}

test('a day of real load (NASA 1995) in closed loop: every step obeys the rate and window rules of its path', () => {
  const demand = nasaDemandMillicores();
  assert.equal(demand.length, 5760);
  for (const behavior of [null, DEFAULT_BEHAVIOR]) {
    const hpa = hpaSpec({ minReplicas: 2, maxReplicas: 30, metrics: [cpuUtilization(50)], behavior });
    let state: HpaControllerState = EMPTY_CONTROLLER_STATE;
    let replicas = 2;
    let ups = 0;
    let downs = 0;
    for (let step = 0; step < demand.length; step++) {
      const now = step * 15;
      const perPod = Math.floor(demand[step] / replicas);
      const obs = observation(hpa, replicas, podsUsing(Array(replicas).fill(perPod)));
      const result = reconcileHpa(obs, state, now);
      const next = result.desiredReplicas;
      assert.ok(next >= 2 && next <= 30);
      if (next > replicas) {
        ups++;
        const cap = behavior === null ? Math.max(2 * replicas, 4) : Math.max(replicas + 4, 2 * replicas);
        assert.ok(next <= cap, `t=${now}: ${replicas} → ${next} beyond ${cap}`);
      }
      if (next < replicas) {
        downs++;
        // No scale-down below a raw recommendation of the last 300 s (inclusive edge on the legacy path).
        const window = state.recommendations.filter((r) =>
          behavior === null ? r.timestampSeconds >= now - 300 : r.timestampSeconds > now - 300,
        );
        for (const r of window)
          assert.ok(next >= Math.min(r.replicas, replicas), `t=${now}: below a recent ${r.replicas}`);
      }
      state = result.state;
      replicas = next;
    }
    assert.ok(ups > 5 && downs > 5, `the day exercises both directions (${ups} up, ${downs} down)`);
  }
});
