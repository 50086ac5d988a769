import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AutoSelection } from '../models/auto.js';
import { DRIFT_SUSTAIN_SECONDS, type DriftMemory, driftLimitPercent, nextAutoFit, trackDrift } from './auto-refit.js';

const DAY = 86_400;
const selection: AutoSelection = {
  chosen: 'ets',
  reason: 'ets: lowest RMSE',
  stage: 'full',
  historySeconds: 3 * DAY,
  nextStageHistorySeconds: null,
  validationStartSeconds: -DAY,
  validationEndSeconds: 0,
  candidates: [
    { model: 'naive', rmse: 12, wapePercent: 30 },
    { model: 'ets', rmse: 9, wapePercent: 20 },
  ],
};
const settings = { reselectEverySeconds: 7 * DAY, retrainEverySeconds: DAY, maxErrorPercent: 35 };

test('the drift limit is 1.5 × the winner backtest WAPE, never above fallback.maxError', () => {
  assert.equal(driftLimitPercent(selection, 35), 30);
  assert.equal(driftLimitPercent(selection, 25), 25);
  const older = { ...selection, candidates: [{ model: 'ets', rmse: 9 }] };
  assert.equal(driftLimitPercent(older, 35), 35, 'a record without the WAPE: maxError alone');
});

test('drift memory starts when the error first exceeds the limit and ends when it does not', () => {
  const above = trackDrift(null, 40, 30, 100);
  assert.deepEqual(above, { sinceSeconds: 100, errorPercent: 40, limitPercent: 30 });
  assert.deepEqual(trackDrift(above, 45, 30, 160), { sinceSeconds: 100, errorPercent: 45, limitPercent: 30 });
  assert.equal(trackDrift(above, 30, 30, 160), null, 'at the limit is not above it');
  assert.equal(trackDrift(above, null, 30, 160), null, 'too few scored points');
});

test('nextAutoFit: a table of times, schedules and drift', () => {
  const drifting = (sinceSeconds: number): DriftMemory => ({ sinceSeconds, errorPercent: 50, limitPercent: 30 });
  const rows: { name: string; now: number; scheduled: number; drift: DriftMemory | null; want: string | null }[] = [
    { name: 'between refits', now: DAY / 2, scheduled: DAY, drift: null, want: null },
    { name: 'the daily refit', now: DAY, scheduled: DAY, drift: null, want: 'winner-refit' },
    { name: 'the 6th daily refit', now: 6 * DAY, scheduled: 6 * DAY, drift: null, want: 'winner-refit' },
    {
      name: 'the 7th, a step short of 7 days',
      now: 7 * DAY - 60,
      scheduled: 7 * DAY - 60,
      drift: null,
      want: 'selection',
    },
    { name: 'a week old between refits', now: 7 * DAY, scheduled: 7.5 * DAY, drift: null, want: 'selection' },
    { name: 'drift not sustained yet', now: 2 * DAY, scheduled: 3 * DAY, drift: drifting(2 * DAY - 60), want: null },
    {
      name: 'drift sustained, selection a day old',
      now: 2 * DAY,
      scheduled: 3 * DAY,
      drift: drifting(2 * DAY - DRIFT_SUSTAIN_SECONDS),
      want: 'selection',
    },
    {
      name: 'drift sustained, selection under a day old',
      now: DAY / 2,
      scheduled: DAY,
      drift: drifting(DAY / 2 - DRIFT_SUSTAIN_SECONDS),
      want: null,
    },
  ];
  for (const row of rows) {
    const planned = nextAutoFit({
      nowSeconds: row.now,
      scheduledSeconds: row.scheduled,
      selection,
      drift: row.drift,
      settings,
    });
    assert.equal(planned?.kind ?? null, row.want, row.name);
  }
  assert.deepEqual(nextAutoFit({ nowSeconds: 2 * DAY, scheduledSeconds: 2 * DAY, selection, drift: null, settings }), {
    kind: 'winner-refit',
    why: 'refit of ets; last selection 2.0 d ago, the next in 5.0 d or on drift',
  });
  assert.deepEqual(
    nextAutoFit({
      nowSeconds: 2 * DAY,
      scheduledSeconds: 3 * DAY,
      selection,
      drift: drifting(2 * DAY - 1800),
      settings,
    }),
    { kind: 'selection', why: 'ets drifted: online error 50.0 % above 30.0 % for 30 min; last selection 2.0 d ago' },
  );
});
