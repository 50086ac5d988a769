import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assessForecast, initialFallbackState, updateFallback } from './fallback.js';
import { forecastOf, testPolicy } from './fixtures.js';
import type { FallbackCause, FallbackState } from './types.js';

const policy = testPolicy().fallback; // maxError 35, recoverBelow 28, staleAfter 180 s, recoverAfter 120 s
// Eight one-minute buckets from 960 s: the forecast covers up to 1440 s.
const good = forecastOf(960, 60, [1, 2, 3, 4, 5, 6, 7, 8], [2, 3, 4, 5, 6, 7, 8, 9]);

const assessRows: {
  name: string;
  input: { forecast: typeof good | null; error: number | null; now: number };
  want: FallbackCause | null;
}[] = [
  { name: 'fresh, long enough, finite, accurate', input: { forecast: good, error: 10, now: 1000 }, want: null },
  { name: 'no forecast', input: { forecast: null, error: null, now: 1000 }, want: 'missing' },
  { name: 'no points', input: { forecast: forecastOf(960, 60, []), error: null, now: 1000 }, want: 'missing' },
  { name: 'origin older than staleAfter', input: { forecast: good, error: null, now: 1141 }, want: 'stale' },
  {
    name: 'origin exactly staleAfter old is still fresh',
    input: { forecast: good, error: null, now: 1140 },
    want: null,
  },
  {
    name: 'ends before now + podStartup',
    input: { forecast: forecastOf(960, 60, [1, 2]), error: null, now: 1030 },
    want: 'too-short',
  },
  {
    name: 'NaN inside the window',
    input: { forecast: forecastOf(960, 60, [100, Number.NaN, 3]), error: null, now: 1000 },
    want: 'non-finite',
  },
  {
    name: 'NaN outside the window does not matter',
    input: { forecast: forecastOf(960, 60, [100, 200, Number.NaN]), error: null, now: 1000 },
    want: null,
  },
  { name: 'error above maxError', input: { forecast: good, error: 35.5, now: 1000 }, want: 'error' },
  { name: 'error exactly maxError is trusted', input: { forecast: good, error: 35, now: 1000 }, want: null },
];
for (const row of assessRows) {
  test(`assessForecast: ${row.name}`, () => {
    assert.equal(assessForecast(row.input.forecast, row.input.error, row.input.now, 60, policy).cause, row.want);
  });
}

test('updateFallback: enters at once, recovers only after recoverAfter of health at or below recoverBelow', () => {
  // Each row: (time, cause seen, rolling error) → active after the step.
  const steps: { now: number; cause: FallbackCause | null; error: number | null; active: boolean }[] = [
    { now: 0, cause: null, error: 20, active: false },
    { now: 15, cause: 'error', error: 40, active: true }, // above 35: fallback at once
    { now: 30, cause: null, error: 30, active: true }, // healthy by maxError but above recoverBelow 28
    { now: 45, cause: null, error: 25, active: true }, // healthy run starts at 45
    { now: 150, cause: null, error: 25, active: true }, // 105 s of 120
    { now: 165, cause: null, error: 25, active: false }, // 120 s: recovered
    { now: 180, cause: null, error: 33, active: false }, // between 28 and 35 and not in fallback: stays out
    { now: 195, cause: 'stale', error: null, active: true },
    { now: 210, cause: null, error: null, active: true }, // unknown error counts as healthy; run starts
    { now: 225, cause: 'stale', error: null, active: true }, // relapse resets the run
    { now: 240, cause: null, error: null, active: true },
    { now: 360, cause: null, error: null, active: false },
  ];
  let state: FallbackState = initialFallbackState;
  for (const s of steps) {
    state = updateFallback(state, s.cause, s.error, s.now, policy);
    assert.equal(state.active, s.active, `at ${s.now}`);
  }
});

test('updateFallback: with recoverAfter 0 the first healthy decision recovers', () => {
  const zero = { ...policy, recoverAfterSeconds: 0 };
  const entered = updateFallback(initialFallbackState, 'missing', null, 0, zero);
  assert.deepEqual(entered, { active: true, cause: 'missing', healthySinceSeconds: null });
  assert.deepEqual(updateFallback(entered, null, null, 15, zero), initialFallbackState);
});
