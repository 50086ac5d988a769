/**
 * One reconcile: the first one and a zero-replica target, the min/max bounds, metrics combined and invalid ones,
 * each metric source reaching a proposal, per-HPA tolerance, purity, conditions, and where desired may land.
 */
import assert from 'node:assert/strict';
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
import { DEFAULT_SCALE_UP_RULES } from './defaults.js';
import { applyConditions, EMPTY_CONTROLLER_STATE, reconcileHpa } from './reconcile.js';
import type { HpaBehavior, HpaControllerState, MetricSpec } from './types.js';

test('a reconcile on an HPA seen for the first time records (now, current) before anything else', () => {
  const hpa = hpaSpec({ metrics: [externalPerPod('queue', 1000)] });
  const result = reconcileHpa(externalDemand(hpa, 4, 4), EMPTY_CONTROLLER_STATE, 500);
  assert.deepEqual(result.state.recommendations, [
    { timestampSeconds: 500, replicas: 4 },
    { timestampSeconds: 500, replicas: 4 },
  ]);
  assert.equal(result.rescale, false);
  assert.deepEqual(conditionReasons(result), [
    'AbleToScale=True:ReadyForNewScale',
    'ScalingActive=True:ValidMetricFound',
    'ScalingLimited=False:DesiredWithinRange',
  ]);
});

test('current replicas of zero: scaling disabled, no metrics read, nothing changes', () => {
  const result = reconcileHpa(externalDemand(hpaSpec(), 0, 9), EMPTY_CONTROLLER_STATE, 100);
  assert.equal(result.desiredReplicas, 0);
  assert.equal(result.rescale, false);
  assert.deepEqual(result.metricProposals, []);
  assert.deepEqual(result.conditions, [
    {
      type: 'AbleToScale',
      status: 'True',
      reason: 'SucceededGetScale',
      message: "the HPA controller was able to get the target's current scale",
    },
    {
      type: 'ScalingActive',
      status: 'False',
      reason: 'ScalingDisabled',
      message: 'scaling is disabled since the replica count of the target is zero',
    },
  ]);
});

const boundsRows: {
  name: string;
  input: { current: number; behavior: HpaBehavior | null };
  want: { desired: number; reason: string; upEvents: number; downEvents: number };
}[] = [
  {
    name: 'above max, behavior set: straight to max, a scale-down event is stored',
    input: { current: 14, behavior: DEFAULT_BEHAVIOR },
    want: { desired: 10, reason: 'Current number of replicas above Spec.MaxReplicas', upEvents: 0, downEvents: 1 },
  },
  {
    name: 'below min, behavior set: straight to min (no rate limit), a scale-up event is stored',
    input: { current: 1, behavior: DEFAULT_BEHAVIOR },
    want: { desired: 8, reason: 'Current number of replicas below Spec.MinReplicas', upEvents: 1, downEvents: 0 },
  },
  {
    name: 'above max, legacy: straight to max, no events',
    input: { current: 14, behavior: null },
    want: { desired: 10, reason: 'Current number of replicas above Spec.MaxReplicas', upEvents: 0, downEvents: 0 },
  },
];

for (const row of boundsRows) {
  test(`bounds bypass metrics and normalization: ${row.name}`, () => {
    const hpa = hpaSpec({ minReplicas: 8, maxReplicas: 10, behavior: row.input.behavior });
    const result = reconcileHpa(externalDemand(hpa, row.input.current, 9), EMPTY_CONTROLLER_STATE, 100);
    assert.equal(result.desiredReplicas, row.want.desired);
    assert.equal(result.rescaleReason, row.want.reason);
    assert.deepEqual(result.metricProposals, []);
    assert.deepEqual(conditionReasons(result), ['AbleToScale=True:SucceededRescale']);
    assert.equal(result.state.scaleUpEvents.length, row.want.upEvents);
    assert.equal(result.state.scaleDownEvents.length, row.want.downEvents);
    assert.deepEqual(result.state.recommendations, [{ timestampSeconds: 100, replicas: row.input.current }]);
  });
}

const externalQueue: MetricSpec = externalPerPod('queue', 1000);
const externalMissing: MetricSpec = externalPerPod('absent', 1000);

const combinationRows: {
  name: string;
  input: { metrics: MetricSpec[]; current: number; queue: number; cpuMilli?: number };
  want: { desired: number; scalingActive: string; proposals: (number | null)[] };
}[] = [
  {
    name: 'the largest proposal wins',
    input: { metrics: [cpuUtilization(50), externalQueue], current: 4, queue: 6, cpuMilli: 250 },
    want: { desired: 6, scalingActive: 'True:ValidMetricFound', proposals: [2, 6] },
  },
  {
    name: 'all metrics invalid: abort, first invalid metric names the condition',
    input: { metrics: [externalMissing, { ...cpuUtilization(50) }], current: 4, queue: 6 },
    want: { desired: 4, scalingActive: 'False:FailedGetExternalMetric', proposals: [null, null] },
  },
  {
    name: 'one invalid and the valid ones say scale down: abort (never down on partial data)',
    input: { metrics: [externalQueue, externalMissing], current: 4, queue: 2 },
    want: { desired: 4, scalingActive: 'False:FailedGetExternalMetric', proposals: [2, null] },
  },
  {
    name: 'one invalid and the valid ones say scale up: proceed',
    input: { metrics: [externalMissing, externalQueue], current: 4, queue: 7 },
    want: { desired: 7, scalingActive: 'True:ValidMetricFound', proposals: [null, 7] },
  },
  {
    name: 'one invalid and the valid ones say hold: proceed',
    input: { metrics: [externalQueue, externalMissing], current: 4, queue: 4 },
    want: { desired: 4, scalingActive: 'True:ValidMetricFound', proposals: [4, null] },
  },
];

for (const row of combinationRows) {
  test(`combining metrics: ${row.name}`, () => {
    const { metrics, current, queue, cpuMilli } = row.input;
    const pods = podsUsing(Array(current).fill(cpuMilli));
    const obs = observation(hpaSpec({ metrics }), current, pods, { externalMetrics: { queue: queue * 1000 } });
    const result = reconcileHpa(obs, EMPTY_CONTROLLER_STATE, 100);
    assert.equal(result.desiredReplicas, row.want.desired);
    const active = result.conditions.find((c) => c.type === 'ScalingActive');
    assert.equal(`${active?.status}:${active?.reason}`, row.want.scalingActive);
    assert.deepEqual(
      result.metricProposals.map((p) => (p.valid ? p.replicas : null)),
      row.want.proposals,
    );
  });
}

test('an aborted reconcile keeps only the initial recommendation and explains the first invalid metric', () => {
  const obs = observation(hpaSpec(), 3, podsUsing([undefined, undefined, undefined]));
  const result = reconcileHpa(obs, EMPTY_CONTROLLER_STATE, 100);
  assert.equal(result.rescale, false);
  assert.deepEqual(result.state.recommendations, [{ timestampSeconds: 100, replicas: 3 }]);
  assert.deepEqual(result.conditions[1], {
    type: 'ScalingActive',
    status: 'False',
    reason: 'FailedGetResourceMetric',
    message:
      'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for ' +
      'resource cpu: no metrics returned from resource metrics API',
  });
});

const invalidSourceRows: { name: string; input: MetricSpec; want: { reason: string; error: string } }[] = [
  {
    name: 'Pods metric without samples',
    input: {
      type: 'Pods',
      pods: { metric: { name: 'rps', selector: null }, target: { type: 'AverageValue', averageValueMilli: 1000 } },
    },
    want: {
      reason: 'FailedGetPodsMetric',
      error: 'unable to get metric rps: no metrics returned from custom metrics API',
    },
  },
  {
    name: 'Object metric without a value',
    input: {
      type: 'Object',
      object: {
        describedObject: { kind: 'Ingress', name: 'main' },
        metric: { name: 'hits', selector: null },
        target: { type: 'Value', valueMilli: 1000 },
      },
    },
    want: {
      reason: 'FailedGetObjectMetric',
      error: 'unable to get metric hits: no metrics returned from custom metrics API',
    },
  },
  {
    name: 'memory AverageValue without samples',
    input: {
      type: 'Resource',
      resource: { name: 'memory', target: { type: 'AverageValue', averageValueMilli: 1000 } },
    },
    want: {
      reason: 'FailedGetResourceMetric',
      error:
        'failed to get memory usage: unable to get metrics for resource memory: no metrics returned from resource metrics API',
    },
  },
];

for (const row of invalidSourceRows) {
  test(`invalid metric: ${row.name}`, () => {
    const result = reconcileHpa(
      observation(hpaSpec({ metrics: [row.input] }), 2, podsUsing([100, 100])),
      EMPTY_CONTROLLER_STATE,
      100,
    );
    const [proposal] = result.metricProposals;
    assert.ok(!proposal.valid);
    assert.deepEqual({ reason: proposal.conditionReason, error: proposal.error }, row.want);
  });
}

test('Pods, Object Value, memory utilization and cpu AverageValue metrics each reach a proposal', () => {
  const pods = podsUsing([200, 200, 200]).map((p) => ({
    ...p,
    requestsMilli: { cpu: 1000, memory: 1_000_000 },
    metrics: { ...p.metrics, memory: { valueMilli: 900_000, timestampSeconds: 0, windowSeconds: 0 } },
  }));
  const metrics: MetricSpec[] = [
    {
      type: 'Pods',
      pods: { metric: { name: 'rps', selector: null }, target: { type: 'AverageValue', averageValueMilli: 10_000 } },
    },
    {
      type: 'Object',
      object: {
        describedObject: { kind: 'Ingress', name: 'main' },
        metric: { name: 'hits', selector: null },
        target: { type: 'Value', valueMilli: 100_000 },
      },
    },
    { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 60 } } },
    { type: 'Resource', resource: { name: 'cpu', target: { type: 'AverageValue', averageValueMilli: 100 } } },
  ];
  const obs = observation(hpaSpec({ metrics, maxReplicas: 20 }), 3, pods, {
    podsMetrics: { rps: { 'web-0': 20_000, 'web-1': 20_000, 'web-2': 20_000 } },
    objectMetrics: { hits: 250_000 },
  });
  const result = reconcileHpa(obs, EMPTY_CONTROLLER_STATE, 100);
  assert.deepEqual(
    result.metricProposals.map((p) => (p.valid ? [p.description, p.replicas, p.current] : p.error)),
    [
      ['pods metric rps', 6, { averageValueMilli: 20_000 }],
      ['Ingress metric hits', 8, { valueMilli: 250_000 }],
      [
        'memory resource utilization (percentage of request)',
        5,
        { averageUtilization: 90, averageValueMilli: 900_000 },
      ],
      ['cpu resource', 6, { averageValueMilli: 200 }],
    ],
  );
  assert.equal(result.desiredReplicas, 6, 'the legacy cap max(2 × 3, 4) = 6 limits the winning 8');
  assert.equal(result.rescaleReason, 'Ingress metric hits above target');
});

test('per-HPA tolerance in behavior widens or narrows the band per direction', () => {
  const load = [540, 540, 540]; // 54 % against a 50 % target: ratio 1.08
  const narrow: HpaBehavior = { ...DEFAULT_BEHAVIOR, scaleUp: { ...DEFAULT_SCALE_UP_RULES, tolerance: 0.05 } };
  const withFlag = reconcileHpa(
    observation(hpaSpec({ behavior: DEFAULT_BEHAVIOR }), 3, podsUsing(load)),
    EMPTY_CONTROLLER_STATE,
    0,
  );
  const withHpa = reconcileHpa(
    observation(hpaSpec({ behavior: narrow }), 3, podsUsing(load)),
    EMPTY_CONTROLLER_STATE,
    0,
  );
  assert.equal(withFlag.desiredReplicas, 3);
  assert.equal(withHpa.desiredReplicas, 4);
  const legacyIgnoresNothing = reconcileHpa(
    observation(hpaSpec(), 3, podsUsing(load), {
      controller: { ...observation(hpaSpec(), 3, []).controller, tolerance: 0.05 },
    }),
    EMPTY_CONTROLLER_STATE,
    0,
  );
  assert.equal(legacyIgnoresNothing.desiredReplicas, 4, 'the controller flag applies to HPAs without behavior');
});

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

test('reconcileHpa is pure: frozen inputs, identical outputs for identical calls', () => {
  const hpa = hpaSpec({
    metrics: [externalPerPod('queue', 1000)],
    behavior: { ...DEFAULT_BEHAVIOR, scaleDown: DOCS_SCALE_DOWN },
  });
  const obs = deepFreeze(externalDemand(hpa, 8, 2));
  const state = deepFreeze<HpaControllerState>({
    recommendations: [{ timestampSeconds: 0, replicas: 8 }],
    scaleUpEvents: [{ timestampSeconds: 10, replicaChange: 2, outdated: false }],
    scaleDownEvents: [{ timestampSeconds: 5, replicaChange: 1, outdated: false }],
  });
  const first = reconcileHpa(obs, state, 400);
  const second = reconcileHpa(obs, state, 400);
  assert.deepEqual(first, second);
  assert.equal(first.desiredReplicas, 4, 'Pods −4 beats Percent −10 % (trunc 7.2 = 7) under selectPolicy Max');
});

test('applyConditions keeps lastTransitionTime until a status flips and keeps untouched types', () => {
  const t0 = applyConditions(
    [],
    [
      { type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: 'a' },
      { type: 'ScalingLimited', status: 'False', reason: 'DesiredWithinRange', message: 'b' },
    ],
    0,
  );
  const t1 = applyConditions(
    t0,
    [
      { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'c' },
      { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', message: 'd' },
    ],
    15,
  );
  const t2 = applyConditions(
    t1,
    [{ type: 'ScalingLimited', status: 'True', reason: 'ScaleUpLimit', message: 'e' }],
    30,
  );
  assert.deepEqual(
    t2.map((c) => [c.type, c.reason, c.lastTransitionTimeSeconds]),
    [
      ['AbleToScale', 'ReadyForNewScale', 0],
      ['ScalingLimited', 'ScaleUpLimit', 30],
      ['ScalingActive', 'ValidMetricFound', 15],
    ],
  );
});

test('property: with current in [min, max], desired lies between current and the clamped raw proposal', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 0, max: 200 }),
      fc.integer({ min: 0, max: 60 }),
      fc.boolean(),
      (minReplicas, extra, rawSeed, currentSeed, withBehavior) => {
        const maxReplicas = minReplicas + extra;
        const current = minReplicas + (currentSeed % (extra + 1));
        const raw = rawSeed;
        const hpa = hpaSpec({
          minReplicas,
          maxReplicas,
          metrics: [externalPerPod('queue', 1000)],
          behavior: withBehavior ? DEFAULT_BEHAVIOR : null,
        });
        const result = reconcileHpa(externalDemand(hpa, current, raw), EMPTY_CONTROLLER_STATE, 1000);
        const clamped = Math.min(maxReplicas, Math.max(minReplicas, raw));
        assert.ok(result.desiredReplicas >= Math.min(current, clamped), JSON.stringify(result));
        assert.ok(result.desiredReplicas <= Math.max(current, clamped), JSON.stringify(result));
      },
    ),
    { numRuns: 300 },
  );
});
