import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pod } from '../testing/hpa-fixtures.js';
import { DEFAULT_CONTROLLER_CONFIG } from './defaults.js';
import { countReadyPods, cpuSampleReadiness, groupPods, type PodMetricsInfo, podRequestsMilli } from './pods.js';
import type { PodSnapshot } from './types.js';

const NOW = 10_000;
// Kubernetes' replica_calculator_test.go runs groupPods with a 2 min initialization period and 10 s delay.
const K8S_TEST_READINESS = { cpuInitializationPeriodSeconds: 120, initialReadinessDelaySeconds: 10 };

/** A pod shaped like the ones in TestGroupPods: no Ready condition and no start time unless given. */
function snapshot(
  name: string,
  fields: {
    phase?: PodSnapshot['phase'];
    start?: number;
    ready?: boolean;
    transition?: number;
    deleting?: boolean;
  } = {},
): PodSnapshot {
  return pod(name, {
    phase: fields.phase ?? 'Running',
    startTimeSeconds: fields.start ?? null,
    ready: fields.ready ?? false,
    readyTransitionTimeSeconds: fields.transition ?? null,
    deleting: fields.deleting ?? false,
  });
}

function samples(entries: [string, number?, number?][]): PodMetricsInfo {
  return new Map(
    entries.map(([name, timestampSeconds = 0, windowSeconds = 0]) => [
      name,
      { valueMilli: 1, timestampSeconds, windowSeconds },
    ]),
  );
}

// Golden rows: TestGroupPods, kubernetes pkg/controller/podautoscaler/replica_calculator_test.go
// (omerap12/kubernetes@a769d58), times made relative to NOW.
const groupRows: {
  name: string;
  input: { pods: PodSnapshot[]; metrics: PodMetricsInfo; isCpu: boolean };
  want: { ready: number; unready: string[]; missing: string[]; ignored: string[] };
}[] = [
  {
    name: 'void',
    input: { pods: [], metrics: samples([]), isCpu: true },
    want: { ready: 0, unready: [], missing: [], ignored: [] },
  },
  {
    name: 'count in a ready pod - memory',
    input: { pods: [snapshot('bentham')], metrics: samples([['bentham', NOW, 60]]), isCpu: false },
    want: { ready: 1, unready: [], missing: [], ignored: [] },
  },
  {
    name: 'unready a pod without ready condition - CPU',
    input: { pods: [snapshot('lucretius', { start: NOW })], metrics: samples([['lucretius']]), isCpu: true },
    want: { ready: 0, unready: ['lucretius'], missing: [], ignored: [] },
  },
  {
    name: 'count in a ready pod with fresh metrics during initialization period - CPU',
    input: {
      pods: [snapshot('bentham', { start: NOW - 60, ready: true, transition: NOW - 30 })],
      metrics: samples([['bentham', NOW, 30]]),
      isCpu: true,
    },
    want: { ready: 1, unready: [], missing: [], ignored: [] },
  },
  {
    name: 'unready a ready pod without fresh metrics during initialization period - CPU',
    input: {
      pods: [snapshot('bentham', { start: NOW - 60, ready: true, transition: NOW - 30 })],
      metrics: samples([['bentham', NOW, 60]]),
      isCpu: true,
    },
    want: { ready: 0, unready: ['bentham'], missing: [], ignored: [] },
  },
  {
    name: 'unready an unready pod during initialization period - CPU',
    input: {
      pods: [snapshot('lucretius', { start: NOW - 600, ready: false, transition: NOW - 594 })],
      metrics: samples([['lucretius']]),
      isCpu: true,
    },
    want: { ready: 0, unready: ['lucretius'], missing: [], ignored: [] },
  },
  {
    name: 'count in a ready pod without fresh metrics after initialization period - CPU',
    input: {
      pods: [snapshot('bentham', { start: NOW - 180, ready: true, transition: NOW - 180 })],
      metrics: samples([['bentham', NOW - 120, 60]]),
      isCpu: true,
    },
    want: { ready: 1, unready: [], missing: [], ignored: [] },
  },
  {
    name: 'count in an unready pod that was ready after initialization period - CPU',
    input: {
      pods: [snapshot('lucretius', { start: NOW - 600, ready: false, transition: NOW - 540 })],
      metrics: samples([['lucretius']]),
      isCpu: true,
    },
    want: { ready: 1, unready: [], missing: [], ignored: [] },
  },
  {
    name: 'unready pod that has never been ready after initialization period - CPU (edge: exactly start + delay counts)',
    input: {
      pods: [snapshot('lucretius', { start: NOW - 600, ready: false, transition: NOW - 590 })],
      metrics: samples([['lucretius']]),
      isCpu: true,
    },
    want: { ready: 1, unready: [], missing: [], ignored: [] },
  },
  {
    name: 'a missing pod',
    input: { pods: [snapshot('epicurus', { start: NOW - 180 })], metrics: samples([]), isCpu: true },
    want: { ready: 0, unready: [], missing: ['epicurus'], ignored: [] },
  },
  {
    name: 'several pods',
    input: {
      pods: [
        snapshot('lucretius', { start: NOW }),
        snapshot('niccolo', { start: NOW - 180, ready: true, transition: NOW - 180 }),
        snapshot('epicurus', { start: NOW - 180 }),
      ],
      metrics: samples([['lucretius'], ['niccolo']]),
      isCpu: true,
    },
    want: { ready: 1, unready: ['lucretius'], missing: ['epicurus'], ignored: [] },
  },
  {
    name: 'pending pods are unreadied',
    input: { pods: [snapshot('unscheduled', { phase: 'Pending' })], metrics: samples([]), isCpu: true },
    want: { ready: 0, unready: ['unscheduled'], missing: [], ignored: [] },
  },
  {
    name: 'ignore pods with deletion timestamps',
    input: {
      pods: [snapshot('deleted', { phase: 'Pending', deleting: true })],
      metrics: samples([['deleted']]),
      isCpu: true,
    },
    want: { ready: 0, unready: [], missing: [], ignored: ['deleted'] },
  },
  {
    name: 'ignore pods in a failed state',
    input: { pods: [snapshot('failed', { phase: 'Failed' })], metrics: samples([['failed']]), isCpu: true },
    want: { ready: 0, unready: [], missing: [], ignored: ['failed'] },
  },
  {
    // 1.36 ignores only Failed; the 1.37 development branch (IsPodTerminal) also ignores Succeeded.
    name: 'a succeeded pod is not ignored in 1.36: without a Ready condition its CPU sample is unready',
    input: { pods: [snapshot('succeeded', { phase: 'Succeeded' })], metrics: samples([['succeeded']]), isCpu: true },
    want: { ready: 0, unready: ['succeeded'], missing: [], ignored: [] },
  },
];

for (const row of groupRows) {
  test(`groupPods: ${row.name}`, () => {
    const groups = groupPods(row.input.pods, row.input.metrics, row.input.isCpu, NOW, K8S_TEST_READINESS);
    assert.equal(groups.readyPodCount, row.want.ready);
    assert.deepEqual([...groups.unready].sort(), row.want.unready);
    assert.deepEqual([...groups.missing].sort(), row.want.missing);
    assert.deepEqual([...groups.ignored].sort(), row.want.ignored);
  });
}

// The CPU readiness test with the default flags (300 s initialization period, 30 s initial readiness delay): edges.
const readinessRows: {
  name: string;
  input: { start: number; ready: boolean; transition: number; sampleAt: number; window: number };
  want: { group: 'ready' | 'unready'; reason: string };
}[] = [
  {
    name: 'young pod, a full window since it became Ready (edge: equal counts)',
    input: { start: NOW - 100, ready: true, transition: NOW - 30, sampleAt: NOW - 15, window: 15 },
    want: { group: 'ready', reason: 'cpu: Ready with a full window since its last readiness change' },
  },
  {
    name: 'young pod, sample window overlaps the readiness change by one second',
    input: { start: NOW - 100, ready: true, transition: NOW - 30, sampleAt: NOW - 16, window: 15 },
    want: { group: 'unready', reason: 'cpu: sample window overlaps the last readiness change' },
  },
  {
    name: 'young pod not Ready',
    input: { start: NOW - 100, ready: false, transition: NOW - 90, sampleAt: NOW, window: 15 },
    want: { group: 'unready', reason: 'cpu: not Ready during the initialization period' },
  },
  {
    name: 'exactly at the end of the initialization period counts as old (strict After)',
    input: { start: NOW - 300, ready: true, transition: NOW - 5, sampleAt: NOW, window: 15 },
    want: { group: 'ready', reason: 'cpu: past the initialization period' },
  },
  {
    name: 'old pod unready since 29 s after start: never Ready',
    input: { start: NOW - 1000, ready: false, transition: NOW - 971, sampleAt: NOW, window: 15 },
    want: { group: 'unready', reason: 'cpu: never Ready since start' },
  },
  {
    name: 'old pod unready since 30 s after start: its sample counts',
    input: { start: NOW - 1000, ready: false, transition: NOW - 970, sampleAt: NOW, window: 15 },
    want: { group: 'ready', reason: 'cpu: past the initialization period' },
  },
];

for (const row of readinessRows) {
  test(`cpuSampleReadiness: ${row.name}`, () => {
    const snap = snapshot('p', { start: row.input.start, ready: row.input.ready, transition: row.input.transition });
    const sample = { valueMilli: 100, timestampSeconds: row.input.sampleAt, windowSeconds: row.input.window };
    assert.deepEqual(cpuSampleReadiness(snap, sample, NOW, DEFAULT_CONTROLLER_CONFIG), row.want);
  });
}

test('podRequestsMilli: every pod needs a request, pending ones included', () => {
  const ok = podRequestsMilli([pod('a'), pod('b', { phase: 'Pending', requestsMilli: { cpu: 250 } })], 'cpu');
  assert.ok('requests' in ok);
  assert.deepEqual(
    [...ok.requests],
    [
      ['a', 1000],
      ['b', 250],
    ],
  );
  const missing = podRequestsMilli([pod('a'), pod('b', { phase: 'Failed', requestsMilli: {} })], 'cpu');
  assert.deepEqual(missing, { error: 'missing request for cpu in Pod b' });
});

test('countReadyPods: Running with Ready=True only; deleting pods still count, as in getReadyPodsCount', () => {
  const pods = [
    pod('running-ready'),
    pod('deleting', { deleting: true }),
    pod('not-ready', { ready: false }),
    pod('pending-ready', { phase: 'Pending' }),
    pod('no-condition', { readyTransitionTimeSeconds: null }),
  ];
  assert.equal(countReadyPods(pods), 2);
});
