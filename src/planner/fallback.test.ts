import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Forecast } from '../core/index.js';
import { forecastOf } from '../testing/planner-fixtures.js';
import {
  decideFallback,
  describeFallback,
  type FallbackCause,
  type FallbackEvidence,
  type FallbackPolicy,
  type FallbackState,
  fallbackReasons,
  initialFallbackState,
  type SourceHealth,
} from './fallback.js';

// The one fallback module: the service's source reports, the forecast itself and the rolling error in, the
// verdict (trusted forecast or null) and its hysteresis out.

const policy: FallbackPolicy = {
  maxErrorPercent: 35,
  recoverBelowPercent: 25,
  staleAfterSeconds: 90,
  recoverAfterSeconds: 60,
};

/** A service's view of one sync: its sources, the rolling error, and the forecast (fresh unless given). */
type Health = SourceHealth & { readonly rollingErrorPercent: number | null; readonly forecast?: Forecast | null };

const healthy: Health = {
  prometheusError: null,
  lastSampleSeconds: 1000,
  modelProblem: null,
  forecastProblem: null,
  rollingErrorPercent: 10,
  planProblem: null,
};

/** A forecast from `now` covering the 60 s lead, unless the row gives one. */
function evidence(health: Health, now: number): FallbackEvidence {
  const { rollingErrorPercent, forecast, ...sources } = health;
  return {
    sources,
    forecast: forecast === undefined ? forecastOf(now, 60, [1, 2, 3]) : forecast,
    errorPercent: rollingErrorPercent,
    leadSeconds: 60,
  };
}

const causeRows: { name: string; input: { health: Partial<Health>; now: number }; want: FallbackCause[] }[] = [
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
  {
    name: 'no forecast and nothing explains it',
    input: { health: { forecast: null }, now: 1000 },
    want: ['forecast-missing'],
  },
  {
    name: 'a missing forecast that no model explains is one reason, not two',
    input: { health: { modelProblem: 'never trained', forecast: null }, now: 1000 },
    want: ['model-missing'],
  },
];

for (const row of causeRows) {
  test(`fallbackReasons: ${row.name}`, () => {
    const reasons = fallbackReasons(
      evidence({ ...healthy, ...row.input.health }, row.input.now),
      row.input.now,
      policy,
    );
    assert.deepEqual(
      reasons.map((r) => r.cause),
      row.want,
    );
    for (const reason of reasons) assert.ok(reason.message.length > 0);
  });
}

test('fallbackReasons: messages carry the culprit and the threshold', () => {
  const at = (health: Partial<Health>, now: number) =>
    fallbackReasons(evidence({ ...healthy, ...health }, now), now, policy)[0];
  assert.equal(at({ lastSampleSeconds: 0 }, 300).message, 'newest load sample is 5m old (staleAfter 90s)');
  assert.equal(at({ rollingErrorPercent: 52.34 }, 1000).message, 'rolling error 52.3% is above maxError 35%');
  assert.equal(
    at({ prometheusError: 'connect ECONNREFUSED 127.0.0.1:9' }, 1000).message,
    'Prometheus read failed: connect ECONNREFUSED 127.0.0.1:9',
  );
});

// A plan request knows no sources: only its forecast and error decide. Eight one-minute buckets from 960 s.
const good = forecastOf(960, 60, [1, 2, 3, 4, 5, 6, 7, 8], [2, 3, 4, 5, 6, 7, 8, 9]);
const forecastRows: {
  name: string;
  forecast: Forecast | null;
  error: number | null;
  now: number;
  want: FallbackCause[];
}[] = [
  { name: 'fresh, long enough, finite, accurate', forecast: good, error: 10, now: 1000, want: [] },
  { name: 'no forecast', forecast: null, error: null, now: 1000, want: ['forecast-missing'] },
  { name: 'no points', forecast: forecastOf(960, 60, []), error: null, now: 1000, want: ['forecast-missing'] },
  { name: 'origin older than staleAfter', forecast: good, error: null, now: 1051, want: ['forecast-stale'] },
  { name: 'origin exactly staleAfter old is still fresh', forecast: good, error: null, now: 1050, want: [] },
  {
    name: 'ends before now + podStartup',
    forecast: forecastOf(960, 60, [1, 2]),
    error: null,
    now: 1030,
    want: ['forecast-too-short'],
  },
  {
    name: 'NaN inside the window',
    forecast: forecastOf(960, 60, [100, Number.NaN, 3]),
    error: null,
    now: 1000,
    want: ['forecast-non-finite'],
  },
  {
    name: 'NaN outside the window does not matter',
    forecast: forecastOf(960, 60, [100, 200, Number.NaN]),
    error: null,
    now: 1000,
    want: [],
  },
  { name: 'error above maxError', forecast: good, error: 35.5, now: 1000, want: ['error-above-threshold'] },
  { name: 'error exactly maxError is trusted', forecast: good, error: 35, now: 1000, want: [] },
];
for (const row of forecastRows) {
  test(`fallbackReasons of a plan request: ${row.name}`, () => {
    const request: FallbackEvidence = {
      sources: null,
      forecast: row.forecast,
      errorPercent: row.error,
      leadSeconds: 60,
    };
    assert.deepEqual(
      fallbackReasons(request, row.now, policy).map((r) => r.cause),
      row.want,
    );
  });
}

test('decideFallback hands on the forecast only when trusted', () => {
  const request = (): FallbackEvidence => ({
    sources: null,
    forecast: good,
    errorPercent: null,
    leadSeconds: 60,
  });
  const trusted = decideFallback(request(), initialFallbackState, 1000, policy);
  assert.equal(trusted.forecast, good);
  assert.deepEqual(trusted.state, initialFallbackState);
  const stale = decideFallback(request(), initialFallbackState, 1100, policy);
  assert.equal(stale.forecast, null);
  assert.deepEqual(
    stale.state.reasons.map((r) => r.cause),
    ['forecast-stale'],
  );
});

/** Runs a sequence of (time, health) syncs through decideFallback and returns each state. */
function run(steps: { now: number; health: Partial<Health> }[]): FallbackState[] {
  let state = initialFallbackState;
  return steps.map(({ now, health }) => {
    state = decideFallback(evidence({ ...healthy, lastSampleSeconds: now, ...health }, now), state, now, policy).state;
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
