import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  choosePublishedReplicas,
  decideFallback,
  describeFallback,
  fallbackCauses,
  initialFallbackState,
  type PublishInput,
} from './fallback.js';
import type { FallbackCause, FallbackPolicy, FallbackState, WorkloadHealth } from './types.js';

const policy: FallbackPolicy = {
  maxErrorPercent: 35,
  recoverBelowPercent: 25,
  staleAfterSeconds: 90,
  recoverAfterSeconds: 60,
};

const healthy: WorkloadHealth = {
  prometheusError: null,
  lastSampleSeconds: 1000,
  modelProblem: null,
  forecastProblem: null,
  rollingErrorPercent: 10,
  planProblem: null,
};

const causeRows: { name: string; input: { health: Partial<WorkloadHealth>; now: number }; want: FallbackCause[] }[] = [
  { name: 'all healthy', input: { health: {}, now: 1000 }, want: [] },
  {
    name: 'unknown error while warming up is not a cause',
    input: { health: { rollingErrorPercent: null }, now: 1000 },
    want: [],
  },
  {
    name: 'Prometheus unreachable',
    input: { health: { prometheusError: 'connect ECONNREFUSED' }, now: 1000 },
    want: ['prometheus-unreachable'],
  },
  { name: 'sample exactly staleAfter old is still fresh', input: { health: {}, now: 1090 }, want: [] },
  { name: 'sample older than staleAfter is stale', input: { health: {}, now: 1091 }, want: ['data-stale'] },
  { name: 'never a sample', input: { health: { lastSampleSeconds: null }, now: 1000 }, want: ['data-stale'] },
  { name: 'no model', input: { health: { modelProblem: 'model file corrupt' }, now: 1000 }, want: ['model-missing'] },
  {
    name: 'forecast threw',
    input: { health: { forecastProblem: 'NaN at h=3' }, now: 1000 },
    want: ['forecast-failed'],
  },
  {
    name: 'error exactly at the threshold is trusted',
    input: { health: { rollingErrorPercent: 35 }, now: 1000 },
    want: [],
  },
  {
    name: 'error above the threshold',
    input: { health: { rollingErrorPercent: 35.1 }, now: 1000 },
    want: ['error-above-threshold'],
  },
  {
    name: 'the planner could not plan',
    input: { health: { planProblem: 'capacity: not enough (load, CPU) pairs' }, now: 1000 },
    want: ['plan-failed'],
  },
  {
    name: 'several causes in a fixed order',
    input: {
      health: { prometheusError: 'timeout', modelProblem: 'none', rollingErrorPercent: 80, planProblem: 'x' },
      now: 5000,
    },
    want: ['prometheus-unreachable', 'data-stale', 'model-missing', 'error-above-threshold', 'plan-failed'],
  },
];

for (const row of causeRows) {
  test(`fallbackCauses: ${row.name}`, () => {
    const reasons = fallbackCauses({ ...healthy, ...row.input.health }, row.input.now, policy);
    assert.deepEqual(
      reasons.map((r) => r.cause),
      row.want,
    );
    for (const reason of reasons) assert.ok(reason.message.length > 0);
  });
}

test('fallbackCauses: messages carry the culprit and the threshold', () => {
  const [stale] = fallbackCauses({ ...healthy, lastSampleSeconds: 0 }, 300, policy);
  assert.equal(stale.message, 'newest load sample is 5m old (staleAfter 1m30s)');
  const [error] = fallbackCauses({ ...healthy, rollingErrorPercent: 52.34 }, 1000, policy);
  assert.equal(error.message, 'rolling error 52.3% is above maxError 35%');
  const [prom] = fallbackCauses({ ...healthy, prometheusError: 'connect ECONNREFUSED 127.0.0.1:9' }, 1000, policy);
  assert.equal(prom.message, 'Prometheus read failed: connect ECONNREFUSED 127.0.0.1:9');
});

/** Runs a sequence of (time, health) syncs through decideFallback and returns each state. */
function run(steps: { now: number; health: Partial<WorkloadHealth> }[]): FallbackState[] {
  let state = initialFallbackState;
  return steps.map(({ now, health }) => {
    state = decideFallback({ ...healthy, lastSampleSeconds: now, ...health }, state, now, policy);
    return state;
  });
}

test('decideFallback: enters at once, keeps the episode start, recovers only after recoverAfter healthy seconds', () => {
  const states = run([
    { now: 0, health: {} },
    { now: 15, health: { prometheusError: 'down' } },
    { now: 30, health: { prometheusError: 'down' } },
    { now: 45, health: {} },
    { now: 60, health: {} },
    { now: 90, health: {} },
    { now: 105, health: {} },
  ]);
  assert.deepEqual(
    states.map((s) => s.active),
    [false, true, true, true, true, true, false],
  );
  assert.equal(states[1].sinceSeconds, 15);
  assert.equal(states[2].sinceSeconds, 15, 'the episode keeps its start');
  assert.equal(states[3].healthySinceSeconds, 45);
  assert.equal(states[5].healthySinceSeconds, 45);
  assert.equal(states[5].reasons[0].cause, 'prometheus-unreachable', 'the cause stays visible while recovering');
  assert.deepEqual(states[6], initialFallbackState);
});

test('decideFallback: a relapse during recovery restarts the healthy run', () => {
  const states = run([
    { now: 0, health: { modelProblem: 'corrupt' } },
    { now: 15, health: {} },
    { now: 45, health: { forecastProblem: 'threw' } },
    { now: 60, health: {} },
    { now: 105, health: {} },
    { now: 120, health: {} },
  ]);
  assert.deepEqual(
    states.map((s) => s.active),
    [true, true, true, true, true, false],
  );
  assert.equal(states[2].reasons[0].cause, 'forecast-failed');
  assert.equal(states[2].sinceSeconds, 0, 'still the same episode');
  assert.equal(states[3].healthySinceSeconds, 60);
});

test('decideFallback: hysteresis band — an error between recoverBelow and maxError keeps fallback but does not enter it', () => {
  const entered = run([
    { now: 0, health: { rollingErrorPercent: 30 } },
    { now: 15, health: { rollingErrorPercent: 50 } },
    { now: 30, health: { rollingErrorPercent: 30 } },
    { now: 200, health: { rollingErrorPercent: 30 } },
    { now: 215, health: { rollingErrorPercent: 20 } },
    { now: 275, health: { rollingErrorPercent: 24 } },
  ]);
  assert.deepEqual(
    entered.map((s) => s.active),
    [false, true, true, true, true, false],
  );
  assert.equal(entered[3].reasons[0].cause, 'error-above-threshold');
  assert.match(entered[3].reasons[0].message, /not yet at or below 25%/);
  assert.equal(entered[3].healthySinceSeconds, null, 'in the band the healthy run does not start');
});

test('describeFallback: says why and how far recovery has come', () => {
  const states = run([
    { now: 0, health: { prometheusError: 'connect ECONNREFUSED' } },
    { now: 15, health: {} },
    { now: 45, health: {} },
  ]);
  assert.equal(describeFallback(initialFallbackState, 0, policy), 'forecast trusted');
  assert.equal(describeFallback(states[0], 0, policy), 'fallback: Prometheus read failed: connect ECONNREFUSED');
  assert.equal(
    describeFallback(states[2], 45, policy),
    'fallback, recovering (healthy for 30s of 1m) after: Prometheus read failed: connect ECONNREFUSED',
  );
});

const base: PublishInput = {
  mode: 'Auto',
  fallbackActive: false,
  plannedReplicas: 7,
  reactiveReplicas: 4,
  lastPublishedReplicas: 5,
  minReplicas: 2,
  maxReplicas: 10,
};

const publishRows: { name: string; input: Partial<PublishInput>; want: { replicas: number; source: string } }[] = [
  { name: 'trusted forecast publishes the plan', input: {}, want: { replicas: 7, source: 'plan' } },
  {
    name: 'fallback publishes the reactive value',
    input: { fallbackActive: true },
    want: { replicas: 4, source: 'reactive' },
  },
  {
    name: 'ForecastOnly never steers by the plan',
    input: { mode: 'ForecastOnly' },
    want: { replicas: 4, source: 'reactive' },
  },
  {
    name: 'fallback without fresh metrics holds the last value',
    input: { fallbackActive: true, reactiveReplicas: null },
    want: { replicas: 5, source: 'last-published' },
  },
  {
    name: 'nothing known yet: minReplicas',
    input: { fallbackActive: true, reactiveReplicas: null, lastPublishedReplicas: null },
    want: { replicas: 2, source: 'min-replicas' },
  },
  {
    name: 'a NaN plan is never published',
    input: { plannedReplicas: Number.NaN },
    want: { replicas: 4, source: 'reactive' },
  },
  {
    name: 'NaN everywhere still publishes a number',
    input: {
      plannedReplicas: Number.NaN,
      reactiveReplicas: Number.POSITIVE_INFINITY,
      lastPublishedReplicas: Number.NaN,
    },
    want: { replicas: 2, source: 'min-replicas' },
  },
  { name: 'a fractional plan is rounded up', input: { plannedReplicas: 6.2 }, want: { replicas: 7, source: 'plan' } },
  { name: 'clamped to maxReplicas', input: { plannedReplicas: 40 }, want: { replicas: 10, source: 'plan' } },
  {
    name: 'clamped to minReplicas',
    input: { fallbackActive: true, reactiveReplicas: 0 },
    want: { replicas: 2, source: 'reactive' },
  },
  { name: 'a negative plan is refused', input: { plannedReplicas: -3 }, want: { replicas: 4, source: 'reactive' } },
];

for (const row of publishRows) {
  test(`choosePublishedReplicas: ${row.name}`, () => {
    const got = choosePublishedReplicas({ ...base, ...row.input });
    assert.deepEqual({ replicas: got.replicas, source: got.source }, row.want);
    assert.ok(got.reason.length > 0);
  });
}

test('choosePublishedReplicas: property — any inputs give a whole number within [min, max]', () => {
  const maybeNumber = fc.oneof(fc.constant(null), fc.double(), fc.integer({ min: -5, max: 500 }));
  fc.assert(
    fc.property(
      fc.record({
        mode: fc.constantFrom('Auto' as const, 'ForecastOnly' as const),
        fallbackActive: fc.boolean(),
        plannedReplicas: maybeNumber,
        reactiveReplicas: maybeNumber,
        lastPublishedReplicas: maybeNumber,
        minReplicas: fc.integer({ min: 0, max: 20 }),
        span: fc.integer({ min: 0, max: 100 }),
      }),
      ({ span, ...rest }) => {
        const input = { ...rest, maxReplicas: rest.minReplicas + span };
        const { replicas } = choosePublishedReplicas(input);
        assert.ok(Number.isInteger(replicas), String(replicas));
        assert.ok(replicas >= input.minReplicas && replicas <= input.maxReplicas);
      },
    ),
  );
});
