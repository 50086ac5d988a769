/**
 * The fidelity checklist of docs/hpa-emulation.md (its items numbered as there), one test per item, named after it so a
 * reader can tick them off.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cpuUtilization,
  DEFAULT_BEHAVIOR,
  externalPerPod,
  hpaSpec,
  observation,
  pod,
  podsUsing,
} from '../testing/hpa-fixtures.js';
import { DEFAULT_SCALE_UP_RULES, DEFAULT_SYNC_PERIOD_SECONDS } from './defaults.js';
import { EMPTY_CONTROLLER_STATE, nextReconcileSeconds, reconcileHpa } from './reconcile.js';
import type { HpaBehavior, HpaControllerState, HpaSpec, MetricSpec } from './types.js';

/** Reconciles on the controller's schedule from `createdAt` until the first change; returns its time and value. */
function firstChange(hpa: HpaSpec, replicas: number, cpuPerPodMilli: number, createdAt: number) {
  let state: HpaControllerState = EMPTY_CONTROLLER_STATE;
  let now = nextReconcileSeconds(createdAt, createdAt, DEFAULT_SYNC_PERIOD_SECONDS);
  const firstReconcile = now;
  for (;;) {
    const result = reconcileHpa(
      observation(hpa, replicas, podsUsing(Array(replicas).fill(cpuPerPodMilli))),
      state,
      now,
    );
    if (result.rescale) return { firstReconcile, at: now, replicas: result.desiredReplicas };
    state = result.state;
    now = nextReconcileSeconds(createdAt, now, DEFAULT_SYNC_PERIOD_SECONDS);
  }
}

test('fidelity item 1 — 15 s reconcile cadence per HPA, first reconcile ~15 s after creation', () => {
  const created = 1000;
  const ticks: number[] = [];
  for (let t = created; ticks.length < 4; ) {
    t = nextReconcileSeconds(created, t, DEFAULT_SYNC_PERIOD_SECONDS);
    ticks.push(t);
  }
  assert.deepEqual(ticks, [1015, 1030, 1045, 1060]);
  // Consequence: a reconcile with no stored recommendation first records (now, current), so the first window
  // holds (first reconcile, current) and a fresh HPA at 5 replicas with load for 1 replica scales down only
  // 300 s after its first reconcile — 315 s after creation.
  const change = firstChange(hpaSpec({ behavior: DEFAULT_BEHAVIOR }), 5, 100, created);
  assert.deepEqual(change, { firstReconcile: 1015, at: 1315, replicas: 1 });
});

test('fidelity item 2 — metric freshness: a sample is judged by its own timestamp and window, not by now', () => {
  // A pod that became Ready at t=100 (started at 90, still initializing). The reconcile runs at t=130, but
  // the metrics-server sample it sees was scraped at t=110 over a 15 s window that overlaps the change.
  const starting = (sampleAt: number) =>
    pod('web-0', {
      startTimeSeconds: 90,
      readyTransitionTimeSeconds: 100,
      metrics: { cpu: { valueMilli: 900, timestampSeconds: sampleAt, windowSeconds: 15 } },
    });
  const steady = pod('web-1', { cpuMilli: 500 });
  const hpa = hpaSpec({ metrics: [cpuUtilization(50)] });
  const stale = reconcileHpa(observation(hpa, 2, [starting(110), steady]), EMPTY_CONTROLLER_STATE, 130);
  const fresh = reconcileHpa(observation(hpa, 2, [starting(115), steady]), EMPTY_CONTROLLER_STATE, 130);
  const utilization = (r: typeof stale) =>
    r.metricProposals[0].valid ? r.metricProposals[0].current.averageUtilization : -1;
  assert.equal(utilization(stale), 50, 'the overlapping sample is set aside: only web-1 at 50 % counts');
  assert.equal(stale.desiredReplicas, 2);
  assert.equal(utilization(fresh), 70, 'a full window after the readiness change, both samples count');
  assert.equal(fresh.desiredReplicas, 3);
});

test('fidelity item 3 — resource formulas truncate utilization % and multiply by ready pods; Object/External AverageValue divides by status replicas', () => {
  // 999 m of 3000 m is 33.3 %, truncated to 33: 33/30 = 1.1 is inside the tolerance, so no scale-up.
  const truncated = reconcileHpa(
    observation(hpaSpec({ metrics: [cpuUtilization(30)] }), 3, podsUsing([333, 333, 333])),
    EMPTY_CONTROLLER_STATE,
    0,
  );
  assert.equal(truncated.desiredReplicas, 3);
  // Spec says 5 but only 3 pods exist and report 100 % against 50 %: ceil(2 × 3 ready pods) = 6, not ceil(2 × 5).
  const readyPods = reconcileHpa(
    observation(hpaSpec({ metrics: [cpuUtilization(50)] }), 5, podsUsing([1000, 1000, 1000])),
    EMPTY_CONTROLLER_STATE,
    0,
  );
  assert.equal(readyPods.metricProposals[0].valid && readyPods.metricProposals[0].replicas, 6);
  // External AverageValue: 10 over a per-pod target of 2 at 5 status replicas is ratio 1.0 → the proposal is
  // status replicas (5), so an HPA whose spec says 4 scales to 5 "within tolerance".
  const perPod = reconcileHpa(
    observation(hpaSpec({ metrics: [externalPerPod('queue', 2000)] }), 4, podsUsing([100, 100, 100, 100]), {
      scale: { specReplicas: 4, statusReplicas: 5 },
      externalMetrics: { queue: 10_000 },
    }),
    EMPTY_CONTROLLER_STATE,
    0,
  );
  assert.deepEqual(
    perPod.metricProposals.map((p) => p.valid && [p.replicas, p.reason, p.current]),
    [[5, 'within tolerance (ratio over status replicas)', { averageValueMilli: 2000 }]],
  );
  assert.equal(perPod.desiredReplicas, 5);
});

test('fidelity item 4 — missing and unready pods as the replica calculator groups them: starting pods without samples are missing, not zero', () => {
  const hpa = (metric: MetricSpec) => hpaSpec({ metrics: [metric] });
  const starting = [pod('new-1'), pod('new-2')]; // Running, no sample yet
  // Scale-down: 3 pods at 20 % plus 2 missing. Filled at 100 % of request: 52 % → 1.04, inside tolerance → hold.
  // Were they zeros, 600 m / 5000 m = 12 % would shrink the target to 2.
  const down = reconcileHpa(
    observation(hpa(cpuUtilization(50)), 5, [...podsUsing([200, 200, 200]), ...starting]),
    EMPTY_CONTROLLER_STATE,
    0,
  );
  assert.equal(down.metricProposals[0].valid && down.metricProposals[0].replicas, 5);
  assert.match(down.metricProposals[0].valid ? down.metricProposals[0].reason : '', /within tolerance once missing/);
  // Scale-up: 3 pods at 150 % of a 50 % target plus 2 missing filled at 0 %: 90 % → ceil(1.8 × 5 pods) = 9.
  const up = reconcileHpa(
    observation(hpa(cpuUtilization(50)), 5, [...podsUsing([1500, 1500, 1500]), ...starting]),
    EMPTY_CONTROLLER_STATE,
    0,
  );
  assert.equal(up.metricProposals[0].valid && up.metricProposals[0].replicas, 9);
  // A mild scale-up (60 % → ratio 1.2) dies out: with the missing pods at 0 % the ratio falls to 0.72, a reversal.
  const mild = reconcileHpa(
    observation(hpa(cpuUtilization(50)), 5, [...podsUsing([600, 600, 600]), ...starting]),
    EMPTY_CONTROLLER_STATE,
    0,
  );
  assert.equal(mild.metricProposals[0].valid && mild.metricProposals[0].replicas, 5);
  // Unready pods count as 0 only on a scale-up; a Pending pod is unready, a Failed one is ignored.
  const withUnready = reconcileHpa(
    observation(hpa(cpuUtilization(50)), 4, [
      ...podsUsing([1000, 1000]),
      pod('pending', { phase: 'Pending' }),
      pod('failed', { phase: 'Failed', cpuMilli: 5000 }),
    ]),
    EMPTY_CONTROLLER_STATE,
    0,
  );
  // 200 % on 2 ready pods; with the pending pod at 0: 2000/3000 = 66 % → 1.32 × 3 pods = ceil(3.96) = 4.
  assert.equal(withUnready.metricProposals[0].valid && withUnready.metricProposals[0].replicas, 4);
  // Pods metrics fill missing pods with exactly the target on a scale-down: 2 pods at 5 of 10, one missing
  // → (5 + 5 + 10) / 3 = 6.67 → ratio 0.666 → ceil(0.666 × 3) = 2.
  const podsMetric: MetricSpec = {
    type: 'Pods',
    pods: { metric: { name: 'rps', selector: null }, target: { type: 'AverageValue', averageValueMilli: 10_000 } },
  };
  const custom = reconcileHpa(
    observation(hpa(podsMetric), 3, podsUsing([100, 100, 100]), {
      podsMetrics: { rps: { 'web-0': 5000, 'web-1': 5000 } },
    }),
    EMPTY_CONTROLLER_STATE,
    0,
  );
  assert.equal(custom.metricProposals[0].valid && custom.metricProposals[0].replicas, 2);
});

test('fidelity item 5 — strict > vs ≥ at window edges: behavior ignores a record exactly at the cutoff, legacy keeps it', () => {
  const state: HpaControllerState = {
    recommendations: [{ timestampSeconds: 0, replicas: 5 }],
    scaleUpEvents: [],
    scaleDownEvents: [],
  };
  const lowLoad = (behavior: HpaBehavior | null, now: number) =>
    reconcileHpa(observation(hpaSpec({ behavior }), 5, podsUsing(Array(5).fill(100))), state, now).desiredReplicas;
  assert.equal(lowLoad(DEFAULT_BEHAVIOR, 300), 1, 'behavior: the record at now − 300 is outside the window');
  assert.equal(lowLoad(null, 300), 5, 'legacy: the record at now − 300 still holds the size');
  assert.equal(lowLoad(null, 301), 1);
  // Policy periods are strict too: an event exactly one period old no longer counts.
  const rateLimited = (age: number) =>
    reconcileHpa(
      observation(
        hpaSpec({
          maxReplicas: 50,
          metrics: [externalPerPod('queue', 1000)],
          behavior: {
            ...DEFAULT_BEHAVIOR,
            scaleUp: { ...DEFAULT_SCALE_UP_RULES, policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }] },
          },
        }),
        8,
        podsUsing(Array(8).fill(100)),
        { externalMetrics: { queue: 40_000 } },
      ),
      {
        recommendations: [],
        scaleUpEvents: [{ timestampSeconds: 1000 - age, replicaChange: 4, outdated: false }],
        scaleDownEvents: [],
      },
      1000,
    ).desiredReplicas;
  assert.equal(rateLimited(59), 8, 'the +4 of 59 s ago uses up the 60 s allowance');
  assert.equal(rateLimited(60), 12, 'the +4 of exactly 60 s ago has left the period');
});

test('fidelity item 6 — nil behavior and default-valued behavior are different algorithms', () => {
  const rawTen = (behavior: HpaBehavior | null, current: number, state = EMPTY_CONTROLLER_STATE) =>
    reconcileHpa(
      observation(
        hpaSpec({ maxReplicas: 20, metrics: [externalPerPod('queue', 1000)], behavior }),
        current,
        podsUsing(Array(current).fill(100)),
        {
          externalMetrics: { queue: 10_000 },
        },
      ),
      state,
      1000,
    ).desiredReplicas;
  assert.equal(rawTen(null, 2), 4, 'legacy: max(2 × 2, 4)');
  assert.equal(rawTen(DEFAULT_BEHAVIOR, 2), 6, 'behavior defaults: max(2 + 4, 2 × 2)');
  // The legacy window maximum can pull the size *up* toward an older, higher recommendation; behavior cannot.
  const memory: HpaControllerState = {
    recommendations: [{ timestampSeconds: 940, replicas: 16 }],
    scaleUpEvents: [],
    scaleDownEvents: [],
  };
  assert.equal(rawTen(null, 6, memory), 12, 'legacy: max(10, 16) = 16, capped at 2 × 6');
  assert.equal(rawTen(DEFAULT_BEHAVIOR, 6, memory), 10, 'behavior: clamp 6 into [10, 16] = 10');
});

test('fidelity item 7 — spec replicas (not running pods) is the current size', () => {
  // Spec 6 while only 4 pods run (a rollout in progress): within tolerance the proposal is 6, not 4,
  // and the 2 missing pods are not created or removed by the HPA.
  const hpa = hpaSpec({ behavior: DEFAULT_BEHAVIOR, maxReplicas: 20 });
  const hold = reconcileHpa(observation(hpa, 6, podsUsing([500, 500, 500, 500])), EMPTY_CONTROLLER_STATE, 0);
  assert.equal(hold.metricProposals[0].valid && hold.metricProposals[0].replicas, 6);
  assert.deepEqual([hold.desiredReplicas, hold.rescale], [6, false]);
  // Rate limits start from spec replicas too: from 6, max(6 + 4, 2 × 6) = 12 even though 4 pods run.
  const surge = reconcileHpa(observation(hpa, 6, podsUsing([5000, 5000, 5000, 5000])), EMPTY_CONTROLLER_STATE, 0);
  assert.equal(surge.desiredReplicas, 12);
  // And the bounds check reads spec: spec 25 > max 20 scales to 20 without looking at the 4 pods.
  const over = reconcileHpa(observation(hpa, 25, podsUsing([100, 100, 100, 100])), EMPTY_CONTROLLER_STATE, 0);
  assert.deepEqual([over.desiredReplicas, over.metricProposals.length], [20, 0]);
});
