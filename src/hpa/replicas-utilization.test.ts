/**
 * The replica calculator's Resource Utilization path against Kubernetes' own expectations: the rows below are the
 * cases of pkg/controller/podautoscaler/replica_calculator_test.go (omerap12/kubernetes@a769d58, 1.37 dev),
 * rebuilt on plain data. Where 1.36 (our baseline) differs from that branch, the row says so.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pod } from '../testing/hpa-fixtures.js';
import {
  DEFAULT_TOLERANCES,
  type Fixture,
  fixtureMetrics,
  fixturePods,
  K8S_TEST_READINESS,
  NOW,
} from '../testing/replica-calculator-fixtures.js';
import { replicasForUtilization, type Tolerances } from './replicas.js';

const CONTAINERS_PER_POD = 2;

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
