/**
 * The replica calculator against Kubernetes' own expectations: the rows below are the cases of
 * pkg/controller/podautoscaler/replica_calculator_test.go (omerap12/kubernetes@a769d58, 1.37 dev),
 * rebuilt on plain data. Where 1.36 (our baseline) differs from that branch, the row says so.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pod } from '../testing/hpa-fixtures.js';
import type { PodMetricsInfo } from './pods.js';
import {
  isWithinTolerance,
  MAX_REPLICAS,
  replicasForAverageValue,
  replicasForPerPodValue,
  replicasForUtilization,
  replicasForValue,
  type Tolerances,
  tolerancesForHpa,
} from './replicas.js';
import type { PodPhase, PodSnapshot } from './types.js';

const NOW = 10_000;
const K8S_TEST_READINESS = { cpuInitializationPeriodSeconds: 120, initialReadinessDelaySeconds: 10 };
const DEFAULT_TOLERANCES: Tolerances = { scaleDown: 0.1, scaleUp: 0.1 };
const CONTAINERS_PER_POD = 2;

/** The fake cluster of replica_calculator_test.go: n pods named test-pod-i, Ready since time zero. */
interface Fixture {
  currentReplicas: number;
  /** Per-pod container request in cores (both containers), as resource.MustParse strings. */
  requests?: string[];
  /** Container usage in millicores (both containers); a shorter list means missing pods, a longer one superfluous samples. */
  levels: number[];
  readiness?: boolean[];
  /** 'now' = still initializing; '3m' = three minutes ago (past the 2 min test period); default long ago. */
  startTime?: ('now' | '3m')[];
  phase?: PodPhase[];
  deleting?: boolean[];
}

function fixturePods(f: Fixture, requestPerPodMilli: (i: number) => number | undefined): PodSnapshot[] {
  const count = Math.max(f.currentReplicas, f.phase?.length ?? 0);
  return Array.from({ length: count }, (_, i) => {
    const request = requestPerPodMilli(i);
    const start = f.startTime?.[i];
    return pod(`test-pod-${i}`, {
      phase: f.phase?.[i] ?? 'Running',
      ready: f.readiness?.[i] ?? true,
      readyTransitionTimeSeconds: 0,
      startTimeSeconds: start === 'now' ? NOW : start === '3m' ? NOW - 180 : 0,
      deleting: f.deleting?.[i] ?? false,
      requestsMilli: request === undefined ? {} : { cpu: request },
    });
  });
}

/** metrics.k8s.io as the fake returns it: pod usage = sum of containers, timestamp zero, 1 min window. */
function fixtureMetrics(levels: number[], perPod: (level: number) => number): PodMetricsInfo {
  return new Map(
    levels.map((level, i) => [`test-pod-${i}`, { valueMilli: perPod(level), timestampSeconds: 0, windowSeconds: 60 }]),
  );
}

const cores = (text: string) => Math.round(Number(text) * 1000);

const utilizationRows: {
  name: string;
  input: Fixture & { target: number; tolerances?: Tolerances };
  want: { replicas: number; utilization: number; raw: number } | { error: string };
}[] = [
  {
    name: 'scale up',
    input: { currentReplicas: 3, levels: [300, 500, 700], target: 30 },
    want: { replicas: 5, utilization: 50, raw: 1000 },
  },
  {
    name: 'scale up: unready pod scales less',
    input: { currentReplicas: 3, levels: [300, 500, 700], readiness: [false, true, true], target: 30 },
    want: { replicas: 4, utilization: 60, raw: 1200 },
  },
  {
    name: 'scale up: hot-CPU pod scales less',
    input: { currentReplicas: 3, levels: [300, 500, 700], startTime: ['now', '3m', '3m'], target: 30 },
    want: { replicas: 4, utilization: 60, raw: 1200 },
  },
  {
    name: 'no scale: unready pods ignored',
    input: { currentReplicas: 3, levels: [400, 500, 700], readiness: [true, false, false], target: 30 },
    want: { replicas: 3, utilization: 40, raw: 800 },
  },
  {
    name: 'no scale: hot-CPU pods ignored',
    input: {
      currentReplicas: 3,
      levels: [400, 500, 700],
      readiness: [true, false, false],
      startTime: ['3m', 'now', 'now'],
      target: 30,
    },
    want: { replicas: 3, utilization: 40, raw: 800 },
  },
  {
    name: 'scale up: failed pods ignored',
    input: {
      currentReplicas: 2,
      requests: ['1.0', '1.0', '1.0', '1.0'],
      levels: [500, 700],
      readiness: [true, true, false, false],
      phase: ['Running', 'Running', 'Failed', 'Failed'],
      target: 30,
    },
    want: { replicas: 4, utilization: 60, raw: 1200 },
  },
  {
    // 1.37 dev ignores Succeeded pods and expects 4; in 1.36 they are missing pods filled with 0 on a scale-up.
    name: 'scale up with succeeded pods: 1.36 counts them as missing and holds',
    input: {
      currentReplicas: 2,
      requests: ['1.0', '1.0', '1.0', '1.0'],
      levels: [500, 700],
      readiness: [true, true, false, false],
      phase: ['Running', 'Running', 'Succeeded', 'Succeeded'],
      target: 30,
    },
    want: { replicas: 2, utilization: 60, raw: 1200 },
  },
  {
    name: 'scale up: pods being deleted are ignored',
    input: {
      currentReplicas: 2,
      requests: ['1.0', '1.0', '1.0', '1.0'],
      levels: [500, 700],
      readiness: [true, true, false, false],
      phase: ['Running', 'Running', 'Running', 'Running'],
      deleting: [false, false, true, true],
      target: 30,
    },
    want: { replicas: 4, utilization: 60, raw: 1200 },
  },
  {
    name: 'scale down',
    input: { currentReplicas: 5, levels: [100, 300, 500, 250, 250], target: 50 },
    want: { replicas: 3, utilization: 28, raw: 560 },
  },
  {
    name: 'scale down: exclude unready pods',
    input: {
      currentReplicas: 5,
      levels: [100, 300, 500, 250, 250],
      readiness: [true, true, true, false, false],
      target: 50,
    },
    want: { replicas: 2, utilization: 30, raw: 600 },
  },
  {
    name: 'scale down: exclude unscheduled pods',
    input: {
      currentReplicas: 5,
      levels: [100],
      readiness: [true, false, false, false, false],
      phase: ['Running', 'Pending', 'Pending', 'Pending', 'Pending'],
      target: 50,
    },
    want: { replicas: 1, utilization: 10, raw: 200 },
  },
  {
    name: 'scale down: ignore hot-CPU pods',
    input: {
      currentReplicas: 5,
      levels: [100, 300, 500, 250, 250],
      startTime: ['3m', '3m', '3m', 'now', 'now'],
      target: 50,
    },
    want: { replicas: 2, utilization: 30, raw: 600 },
  },
  {
    name: 'scale down: failed pods ignored',
    input: {
      currentReplicas: 5,
      requests: Array(7).fill('1.0'),
      levels: [100, 300, 500, 250, 250],
      readiness: [true, true, true, true, true, false, false],
      phase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'],
      target: 50,
    },
    want: { replicas: 3, utilization: 28, raw: 560 },
  },
  {
    // 1.37 dev expects 3; in 1.36 the two Succeeded pods are missing, filled at 100 % of request, and the change dies out.
    name: 'scale down with succeeded pods: 1.36 fills them in as missing and holds',
    input: {
      currentReplicas: 5,
      requests: Array(7).fill('1.0'),
      levels: [100, 300, 500, 250, 250],
      readiness: [true, true, true, true, true, false, false],
      phase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Succeeded', 'Succeeded'],
      target: 50,
    },
    want: { replicas: 5, utilization: 28, raw: 560 },
  },
  {
    name: 'scale down: pods being deleted are ignored',
    input: {
      currentReplicas: 5,
      requests: Array(7).fill('1.0'),
      levels: [100, 300, 500, 250, 250],
      readiness: [true, true, true, true, true, false, false],
      phase: Array(7).fill('Running'),
      deleting: [false, false, false, false, false, true, true],
      target: 50,
    },
    want: { replicas: 3, utilization: 28, raw: 560 },
  },
  // TestReplicaCalcResourceTolerance: requests 0.9, 1.0, 1.1 cores.
  {
    name: 'within default tolerance',
    input: { currentReplicas: 3, requests: ['0.9', '1.0', '1.1'], levels: [1010, 1030, 1020], target: 100 },
    want: { replicas: 3, utilization: 102, raw: 2040 },
  },
  {
    name: 'outside 0% tolerance',
    input: {
      currentReplicas: 3,
      requests: ['0.9', '1.0', '1.1'],
      levels: [909, 1010, 1111],
      target: 100,
      tolerances: { scaleDown: 0, scaleUp: 0 },
    },
    want: { replicas: 4, utilization: 101, raw: 2020 },
  },
  {
    name: 'within 200% scale-up tolerance',
    input: {
      currentReplicas: 3,
      requests: ['0.9', '1.0', '1.1'],
      levels: [1890, 1910, 1900],
      target: 100,
      tolerances: { scaleDown: 0.1, scaleUp: 2 },
    },
    want: { replicas: 3, utilization: 190, raw: 3800 },
  },
  {
    name: 'outside 8% scale-up tolerance (superfluous scale-down tolerance)',
    input: {
      currentReplicas: 3,
      requests: ['0.9', '1.0', '1.1'],
      levels: [1100, 1080, 1090],
      target: 100,
      tolerances: { scaleDown: 2, scaleUp: 0.08 },
    },
    want: { replicas: 4, utilization: 109, raw: 2180 },
  },
  {
    name: 'within 36% scale-down tolerance',
    input: {
      currentReplicas: 3,
      requests: ['0.9', '1.0', '1.1'],
      levels: [660, 640, 650],
      target: 100,
      tolerances: { scaleDown: 0.36, scaleUp: 0.1 },
    },
    want: { replicas: 3, utilization: 65, raw: 1300 },
  },
  {
    name: 'outside 34% scale-down tolerance',
    input: {
      currentReplicas: 3,
      requests: ['0.9', '1.0', '1.1'],
      levels: [660, 640, 650],
      target: 100,
      tolerances: { scaleDown: 0.34, scaleUp: 0.1 },
    },
    want: { replicas: 2, utilization: 65, raw: 1300 },
  },
  // TestReplicaCalcResourceMissingMetrics.
  {
    name: 'superfluous metrics counted',
    input: { currentReplicas: 4, levels: [4000, 9500, 3000, 7000, 3200, 2000], target: 100 },
    want: { replicas: 24, utilization: 587, raw: 11750 },
  },
  {
    name: 'some pods missing metrics scales down',
    input: { currentReplicas: 4, levels: [400, 95], target: 100 },
    want: { replicas: 3, utilization: 24, raw: 495 },
  },
  {
    name: 'no change: metric equal to target',
    input: { currentReplicas: 2, levels: [1000], target: 100 },
    want: { replicas: 2, utilization: 100, raw: 2000 },
  },
  {
    name: 'no change: metric above target',
    input: { currentReplicas: 2, levels: [1900], target: 100 },
    want: { replicas: 2, utilization: 190, raw: 3800 },
  },
  {
    name: 'no change: metric below target',
    input: { currentReplicas: 2, levels: [600], target: 100 },
    want: { replicas: 2, utilization: 60, raw: 1200 },
  },
  {
    name: 'no change: unready pod metric missing',
    input: { currentReplicas: 3, levels: [100, 450], readiness: [false, true, true], target: 50 },
    want: { replicas: 3, utilization: 45, raw: 900 },
  },
  {
    name: 'no change: hot-CPU pod metric missing',
    input: { currentReplicas: 3, levels: [100, 450], startTime: ['now', '3m', '3m'], target: 50 },
    want: { replicas: 3, utilization: 45, raw: 900 },
  },
  {
    name: 'scale up: unready pod metric missing',
    input: { currentReplicas: 3, levels: [100, 2000], readiness: [false, true, true], target: 50 },
    want: { replicas: 4, utilization: 200, raw: 4000 },
  },
  {
    name: 'scale up: hot-CPU pod metric missing',
    input: {
      currentReplicas: 3,
      levels: [100, 2000],
      readiness: [false, true, true],
      startTime: ['now', '3m', '3m'],
      target: 50,
    },
    want: { replicas: 4, utilization: 200, raw: 4000 },
  },
  {
    name: 'scale down: unready pod metric missing',
    input: { currentReplicas: 4, levels: [100, 100, 100], readiness: [false, true, true, true], target: 50 },
    want: { replicas: 3, utilization: 10, raw: 200 },
  },
  {
    name: 'scale down: target over 100',
    input: {
      currentReplicas: 4,
      requests: ['1.0', '1.0', '2.0', '2.0'],
      levels: [200, 100, 100],
      readiness: [false, true, true, true],
      target: 300,
    },
    want: { replicas: 2, utilization: 6, raw: 200 },
  },
  {
    name: 'rolling update with maxSurge: extra pod missing metric',
    input: {
      currentReplicas: 2,
      requests: ['1.0', '1.0', '1.0'],
      levels: [100, 100],
      phase: ['Running', 'Running', 'Running'],
      target: 50,
    },
    want: { replicas: 2, utilization: 10, raw: 200 },
  },
  {
    name: 'missing CPU request on container',
    input: { currentReplicas: 1, requests: [], levels: [200], target: 100 },
    want: { error: 'missing request for cpu in Pod test-pod-0' },
  },
];

for (const row of utilizationRows) {
  test(`replicasForUtilization: ${row.name}`, () => {
    const f = row.input;
    const requests = f.requests ?? Array(Math.max(f.currentReplicas, f.phase?.length ?? 0)).fill('1.0');
    const pods = fixturePods(f, (i) =>
      requests[i] === undefined ? undefined : CONTAINERS_PER_POD * cores(requests[i]),
    );
    const result = replicasForUtilization(
      {
        currentReplicas: f.currentReplicas,
        pods,
        metrics: fixtureMetrics(f.levels, (level) => CONTAINERS_PER_POD * level),
        isCpu: true,
        tolerances: f.tolerances ?? DEFAULT_TOLERANCES,
        nowSeconds: NOW,
        readiness: K8S_TEST_READINESS,
      },
      'cpu',
      f.target,
    );
    if ('error' in row.want) {
      assert.deepEqual(result, { ok: false, error: row.want.error });
      return;
    }
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(
      { replicas: result.replicas, utilization: result.utilization, raw: result.rawAverageMilli },
      row.want,
    );
  });
}

test('replicasForUtilization: samples only for unknown pods → "no metrics returned matched known pods"', () => {
  const result = replicasForUtilization(
    {
      currentReplicas: 1,
      pods: [pod('test-pod-0')],
      metrics: new Map([['an-older-pod-name', { valueMilli: 200, timestampSeconds: 0, windowSeconds: 60 }]]),
      isCpu: true,
      tolerances: DEFAULT_TOLERANCES,
      nowSeconds: NOW,
      readiness: K8S_TEST_READINESS,
    },
    'cpu',
    100,
  );
  assert.deepEqual(result, { ok: false, error: 'no metrics returned matched known pods' });
});

test('replicasForUtilization: only unready samples → "did not receive metrics for targeted pods"', () => {
  const result = replicasForUtilization(
    {
      currentReplicas: 2,
      pods: [
        pod('test-pod-0', { phase: 'Pending' }),
        pod('test-pod-1', { ready: false, readyTransitionTimeSeconds: 1 }),
      ],
      metrics: fixtureMetrics([100, 100], (level) => level),
      isCpu: true,
      tolerances: DEFAULT_TOLERANCES,
      nowSeconds: NOW,
      readiness: K8S_TEST_READINESS,
    },
    'cpu',
    50,
  );
  assert.deepEqual(result, { ok: false, error: 'did not receive metrics for targeted pods (pods might be unready)' });
});

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

const toleranceRows: { name: string; input: { tolerances: Tolerances; ratio: number }; want: boolean }[] = [
  { name: 'lower bound is inclusive', input: { tolerances: DEFAULT_TOLERANCES, ratio: 0.9 }, want: true },
  { name: 'upper bound is inclusive', input: { tolerances: DEFAULT_TOLERANCES, ratio: 1.1 }, want: true },
  { name: 'just below the band', input: { tolerances: DEFAULT_TOLERANCES, ratio: 0.8999 }, want: false },
  { name: 'just above the band', input: { tolerances: DEFAULT_TOLERANCES, ratio: 1.1001 }, want: false },
  { name: 'asymmetric: 5 % up', input: { tolerances: { scaleDown: 0.1, scaleUp: 0.05 }, ratio: 1.06 }, want: false },
  { name: 'asymmetric: 30 % down', input: { tolerances: { scaleDown: 0.3, scaleUp: 0.05 }, ratio: 0.75 }, want: true },
  { name: 'NaN is never within', input: { tolerances: DEFAULT_TOLERANCES, ratio: Number.NaN }, want: false },
];

for (const row of toleranceRows) {
  test(`isWithinTolerance: ${row.name}`, () => {
    assert.equal(isWithinTolerance(row.input.tolerances, row.input.ratio), row.want);
  });
}

test('tolerancesForHpa: the flag both ways; behavior overrides per direction; legacy HPAs ignore nothing else', () => {
  const rules = { stabilizationWindowSeconds: 0, selectPolicy: 'Max' as const, policies: [], tolerance: null };
  assert.deepEqual(tolerancesForHpa(null, 0.1), { scaleDown: 0.1, scaleUp: 0.1 });
  assert.deepEqual(
    tolerancesForHpa({ scaleUp: { ...rules, tolerance: 0.05 }, scaleDown: { ...rules, tolerance: null } }, 0.1),
    { scaleDown: 0.1, scaleUp: 0.05 },
  );
  assert.deepEqual(
    tolerancesForHpa({ scaleUp: rules, scaleDown: { ...rules, stabilizationWindowSeconds: null, tolerance: 0 } }, 0.2),
    { scaleDown: 0, scaleUp: 0.2 },
  );
});
