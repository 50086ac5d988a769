/**
 * The replica calculator's per-pod, Value and AverageValue paths (Pods, Object and External metrics) against
 * Kubernetes' own expectations: the rows below are the cases of pkg/controller/podautoscaler/replica_calculator_test.go
 * (omerap12/kubernetes@a769d58, 1.37 dev), rebuilt on plain data.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_TOLERANCES,
  type Fixture,
  fixtureMetrics,
  fixturePods,
  K8S_TEST_READINESS,
  NOW,
} from '../testing/replica-calculator-fixtures.js';
import {
  MAX_REPLICAS,
  replicasForAverageValue,
  replicasForPerPodValue,
  replicasForValue,
  type Tolerances,
} from './replicas.js';

// TestReplicaCalcPodMetric (custom per-pod metric, AverageValue): readiness is not considered.
const averageValueRows: {
  name: string;
  input: Fixture & { target: number; tolerances?: Tolerances };
  want: { replicas: number; usage: number };
}[] = [
  {
    name: 'scale up',
    input: { currentReplicas: 3, levels: [20000, 10000, 30000], target: 15000 },
    want: { replicas: 4, usage: 20000 },
  },
  {
    name: 'scale up: unready hot-CPU pod scales less (readiness ignored for Pods metrics)',
    input: {
      currentReplicas: 3,
      levels: [50000, 10000, 30000],
      readiness: [true, true, false],
      startTime: ['3m', '3m', 'now'],
      target: 15000,
    },
    want: { replicas: 6, usage: 30000 },
  },
  {
    name: 'scale up: unready hot-CPU pods avoid scale-down',
    input: {
      currentReplicas: 3,
      levels: [50000, 15000, 30000],
      readiness: [false, true, false],
      startTime: ['now', '3m', 'now'],
      target: 15000,
    },
    want: { replicas: 7, usage: 31666 },
  },
  {
    name: 'scale down',
    input: { currentReplicas: 5, levels: [12000, 12000, 12000, 12000, 12000], target: 20000 },
    want: { replicas: 3, usage: 12000 },
  },
  {
    name: 'within default tolerance',
    input: { currentReplicas: 3, levels: [20000, 21000, 21000], target: 20000 },
    want: { replicas: 3, usage: 20666 },
  },
  {
    name: 'outside configurable 1% tolerance',
    input: {
      currentReplicas: 3,
      levels: [20000, 21000, 21000],
      target: 20000,
      tolerances: { scaleDown: 0.1, scaleUp: 0.01 },
    },
    want: { replicas: 4, usage: 20666 },
  },
  {
    name: 'no change: missing metrics',
    input: { currentReplicas: 5, levels: [20000, 19000, 21000], target: 20000 },
    want: { replicas: 5, usage: 20000 },
  },
  {
    name: 'rolling update with maxSurge: extra pod missing metric',
    input: { currentReplicas: 2, levels: [10000, 10000], phase: ['Running', 'Running', 'Running'], target: 17000 },
    want: { replicas: 2, usage: 10000 },
  },
];

for (const row of averageValueRows) {
  test(`replicasForAverageValue (Pods metric): ${row.name}`, () => {
    const f = row.input;
    const result = replicasForAverageValue(
      {
        currentReplicas: f.currentReplicas,
        pods: fixturePods(f, () => 1000),
        metrics: fixtureMetrics(f.levels, (level) => level),
        isCpu: false,
        tolerances: f.tolerances ?? DEFAULT_TOLERANCES,
        nowSeconds: NOW,
        readiness: K8S_TEST_READINESS,
      },
      f.target,
    );
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual({ replicas: result.replicas, usage: result.averageValueMilli }, row.want);
  });
}

test('replicasForAverageValue: no pods → the controller error', () => {
  const result = replicasForAverageValue(
    {
      currentReplicas: 1,
      pods: [],
      metrics: fixtureMetrics([100], (level) => level),
      isCpu: false,
      tolerances: DEFAULT_TOLERANCES,
      nowSeconds: NOW,
      readiness: K8S_TEST_READINESS,
    },
    100,
  );
  assert.deepEqual(result, { ok: false, error: 'no pods returned by selector while calculating replica count' });
});

// TestReplicaCalcObjectMetric / TestReplicaCalcExternalMetric (Value targets): ready pods multiply the ratio.
const valueRows: {
  name: string;
  input: { currentReplicas: number; readiness?: boolean[]; usage: number; target: number; tolerances?: Tolerances };
  want: number;
}[] = [
  { name: 'object: scale up', input: { currentReplicas: 3, usage: 20000, target: 15000 }, want: 4 },
  {
    name: 'object: very large metric saturates at int32 max',
    input: { currentReplicas: 3, usage: 9e15, target: 1 },
    want: MAX_REPLICAS,
  },
  {
    name: 'object: scale up ignores unready pods',
    input: { currentReplicas: 3, readiness: [false, true, false], usage: 50000, target: 10000 },
    want: 5,
  },
  { name: 'object: scale down', input: { currentReplicas: 5, usage: 12000, target: 20000 }, want: 3 },
  { name: 'object: within default tolerance', input: { currentReplicas: 3, usage: 20666, target: 20000 }, want: 3 },
  {
    name: 'object: outside configurable 1% tolerance',
    input: { currentReplicas: 3, usage: 20666, target: 20000, tolerances: { scaleDown: 0.1, scaleUp: 0.01 } },
    want: 4,
  },
  {
    name: 'external: scale down ignores unready pods (would otherwise scale up)',
    input: { currentReplicas: 3, readiness: [false, true, false], usage: 8600, target: 4400 },
    want: 2,
  },
  { name: 'external: scale down', input: { currentReplicas: 5, usage: 8600, target: 14334 }, want: 3 },
  { name: 'external: within default tolerance', input: { currentReplicas: 3, usage: 8600, target: 8888 }, want: 3 },
  {
    name: 'external: outside configurable 1% tolerance',
    input: { currentReplicas: 3, usage: 8900, target: 8800, tolerances: { scaleDown: 0.1, scaleUp: 0.01 } },
    want: 4,
  },
];

for (const row of valueRows) {
  test(`replicasForValue: ${row.name}`, () => {
    const f = row.input;
    const result = replicasForValue({
      currentReplicas: f.currentReplicas,
      usageMilli: f.usage,
      targetMilli: f.target,
      pods: fixturePods({ currentReplicas: f.currentReplicas, levels: [], readiness: f.readiness }, () => 1000),
      tolerances: f.tolerances ?? DEFAULT_TOLERANCES,
    });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.replicas, row.want);
  });
}

test('replicasForValue: outside tolerance with no pods → "unable to calculate ready pods"; inside tolerance needs no pods', () => {
  const args = { currentReplicas: 3, targetMilli: 1000, pods: [], tolerances: DEFAULT_TOLERANCES };
  assert.deepEqual(replicasForValue({ ...args, usageMilli: 5000 }), {
    ok: false,
    error: 'unable to calculate ready pods: no pods returned by selector while calculating replica count',
  });
  assert.deepEqual(replicasForValue({ ...args, usageMilli: 1050 }), {
    ok: true,
    replicas: 3,
    reason: 'within tolerance',
    usageRatio: 1.05,
    podCount: null,
  });
});

// TestReplicaCalcObjectPerPodMetric / TestReplicaCalcExternalPerPodMetric (AverageValue on Object/External).
const perPodRows: {
  name: string;
  input: { statusReplicas: number; usage: number; target: number; tolerances?: Tolerances };
  want: { replicas: number; averageValue: number };
}[] = [
  {
    name: 'object: scale up',
    input: { statusReplicas: 3, usage: 20000, target: 5000 },
    want: { replicas: 4, averageValue: 6667 },
  },
  {
    name: 'object: scale down',
    input: { statusReplicas: 5, usage: 6000, target: 2000 },
    want: { replicas: 3, averageValue: 1200 },
  },
  {
    name: 'object: within default tolerance',
    input: { statusReplicas: 4, usage: 20166, target: 5000 },
    want: { replicas: 4, averageValue: 5042 },
  },
  {
    name: 'object: outside configurable 1% tolerance',
    input: { statusReplicas: 4, usage: 20208, target: 5000, tolerances: { scaleDown: 0.1, scaleUp: 0.01 } },
    want: { replicas: 5, averageValue: 5052 },
  },
  {
    name: 'status replicas zero does not overflow the reported average',
    input: { statusReplicas: 0, usage: 20000, target: 5000 },
    want: { replicas: 4, averageValue: 0 },
  },
  {
    name: 'status replicas zero and metric zero',
    input: { statusReplicas: 0, usage: 0, target: 5000 },
    want: { replicas: 0, averageValue: 0 },
  },
  {
    name: 'external: scale up',
    input: { statusReplicas: 3, usage: 8600, target: 2150 },
    want: { replicas: 4, averageValue: 2867 },
  },
  {
    name: 'external: scale down',
    input: { statusReplicas: 5, usage: 8600, target: 2867 },
    want: { replicas: 3, averageValue: 1720 },
  },
  {
    name: 'external: within default tolerance',
    input: { statusReplicas: 3, usage: 8600, target: 2900 },
    want: { replicas: 3, averageValue: 2867 },
  },
  {
    name: 'external: outside configurable 1% tolerance',
    input: { statusReplicas: 3, usage: 8600, target: 2800, tolerances: { scaleDown: 0.1, scaleUp: 0.01 } },
    want: { replicas: 4, averageValue: 2867 },
  },
  {
    name: 'external: replica count saturates at int32 max',
    input: { statusReplicas: 1, usage: 9e15, target: 1 },
    want: { replicas: MAX_REPLICAS, averageValue: 9e15 },
  },
];

for (const row of perPodRows) {
  test(`replicasForPerPodValue: ${row.name}`, () => {
    const f = row.input;
    const result = replicasForPerPodValue({
      statusReplicas: f.statusReplicas,
      usageMilli: f.usage,
      targetPerPodMilli: f.target,
      tolerances: f.tolerances ?? DEFAULT_TOLERANCES,
    });
    assert.ok(result.ok);
    assert.deepEqual({ replicas: result.replicas, averageValue: result.averageValueMilli }, row.want);
  });
}
