import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Series } from '../core/index.js';
import { currentOf, decide, forecastOf, inputOf, schedule, testPolicy } from '../testing/planner-fixtures.js';
import { initialPlannerState } from './horizontal.js';
import { DAILY_PERIOD_SECONDS, persistentPeak, seasonalEnvelopeLoad } from './seasonal-envelope.js';

const series = (startSeconds: number, values: number[]): Series => ({
  startSeconds,
  stepSeconds: 60,
  values: Float64Array.from(values),
});

const peaks = [
  {
    name: 'the highest level held for two buckets, over the window and one bucket after it',
    // Buckets 2 and 3 overlap [120, 180]; bucket 4 is the one after (the rate of [180, 240] is sampled at 240).
    input: { load: series(0, [1, 9, 2, 3, 7, 7, 50]), from: 120, to: 180 },
    want: 7,
  },
  {
    name: 'a one-bucket burst is not a level: it counts at its neighbour’s',
    input: { load: series(0, [5, 5, 90, 5, 5]), from: 60, to: 120 },
    want: 5,
  },
  { name: 'NaN pairs are skipped', input: { load: series(0, [1, Number.NaN, 2, 2]), from: 60, to: 60 }, want: 2 },
  {
    name: 'nothing observed in the window: null',
    input: { load: series(0, [1, Number.NaN, Number.NaN, Number.NaN]), from: 60, to: 60 },
    want: null,
  },
  { name: 'a window before the series: null', input: { load: series(6000, [5, 5]), from: 0, to: 60 }, want: null },
];
for (const row of peaks) {
  test(`persistentPeak: ${row.name}`, () => {
    assert.equal(persistentPeak(row.input.load, row.input.from, row.input.to), row.want);
  });
}

const DAY = DAILY_PERIOD_SECONDS;
/** Four days of 60 s buckets from 0, with `perDay[d]` (minutes from the day's start → load) on day d, else 400. */
function days(perDay: Record<number, number>[]): Series {
  const values = new Float64Array((4 * DAY) / 60).fill(400);
  perDay.forEach((levels, day) => {
    for (const [minute, load] of Object.entries(levels)) values[(day * DAY) / 60 + Number(minute)] = load;
  });
  return { startSeconds: 0, stepSeconds: 60, values };
}
/** Today, day 3, at 06:29:30 (a 60 s lead: the window [06:29:30, 06:30:30] and the bucket after reach 06:31). */
const NOW = 3 * DAY + 389 * 60 + 30;
/** From minute 390 (06:30) to 06:59 at `load`. */
const stepAt0630 = (load: number) => Object.fromEntries(Array.from({ length: 30 }, (_, i) => [390 + i, load]));

test('seasonalEnvelopeLoad: a step seen at this time on each of the last three days counts at the lowest day', () => {
  const load = days([stepAt0630(700), stepAt0630(650), stepAt0630(680)]);
  assert.equal(seasonalEnvelopeLoad(load, NOW, NOW, NOW + 60), 650);
});

test('seasonalEnvelopeLoad: a day at another level counts scaled by today’s last hour over its own', () => {
  // Day 1 ran at twice today's level (800 in the hour before 06:29:30, a step to 1300): it counts as 650.
  const busy = { ...Object.fromEntries(Array.from({ length: 60 }, (_, i) => [330 + i, 800])), ...stepAt0630(1300) };
  const load = days([stepAt0630(700), busy, stepAt0630(680)]);
  assert.equal(seasonalEnvelopeLoad(load, NOW, NOW, NOW + 60), 650);
});

test('seasonalEnvelopeLoad: a surge on two of the three days does not come back', () => {
  const load = days([stepAt0630(900), stepAt0630(900), {}]);
  assert.equal(seasonalEnvelopeLoad(load, NOW, NOW, NOW + 60), 400);
});

test('seasonalEnvelopeLoad: a day not observed gives no envelope', () => {
  const load = days([stepAt0630(700), stepAt0630(650), stepAt0630(680)]);
  const short: Series = { ...load, startSeconds: DAY, values: load.values.subarray(DAY / 60) };
  assert.equal(seasonalEnvelopeLoad(short, NOW, NOW, NOW + 60), null);
});

// Today at 06:29:30 the forecast is smooth (420 over the lead time); the three days before stepped to 650 at 06:30.
const today = NOW;
const recurring = days([stepAt0630(650), stepAt0630(650), stepAt0630(650)]);
const smooth = forecastOf(3 * DAY + 389 * 60, 60, [400, 420, 450, 470, 480]);
const policy = testPolicy({ quantile: 0.5, headroomPercent: 0, reactiveFloor: false });

test('Daily envelope: a recurring step raises the plan before it comes; None plans on the forecast alone', () => {
  const request = (seasonalEnvelope: 'None' | 'Daily') =>
    inputOf({
      current: currentOf(5, null),
      forecast: smooth,
      policy: { ...policy, seasonalEnvelope },
      evidence: { recentMisses: [], recentLoad: recurring },
    });
  const off = decide(request('None'), initialPlannerState, today);
  const daily = decide(request('Daily'), initialPlannerState, today);
  assert.equal(off.decision.plannedLoad, 420);
  assert.equal(off.decision.desiredReplicas, 5);
  assert.equal(daily.decision.plannedLoad, 650);
  assert.equal(daily.decision.desiredReplicas, 7);
  assert.match(daily.decision.reason, /load on each of the last days at this time held 650 over the next 60 s/);
});

test('Daily envelope: within the tolerance above the forecast, or without observed load, it changes nothing', () => {
  // 460 is within 10 % (planner.tolerance) of the forecast's 420: the target's slack covers it.
  for (const recentLoad of [days([]), days([stepAt0630(460), stepAt0630(460), stepAt0630(460)]), null]) {
    const got = decide(
      inputOf({
        current: currentOf(5, null),
        forecast: smooth,
        policy: { ...policy, seasonalEnvelope: 'Daily' },
        evidence: { recentMisses: [], recentLoad },
      }),
      initialPlannerState,
      today,
    );
    assert.equal(got.decision.plannedLoad, 420);
    assert.match(got.decision.reason, /forecast q0\.5 peak 420/);
  }
});

test('Daily envelope: the schedule reads the days before each of its own times', () => {
  const early = 3 * DAY + 385 * 60;
  const entries = schedule(
    inputOf({
      current: currentOf(4, null),
      forecast: forecastOf(early - 60, 60, Array(12).fill(400)),
      policy: { ...policy, seasonalEnvelope: 'Daily' },
      evidence: { recentMisses: [], recentLoad: recurring },
    }),
    initialPlannerState,
    early,
  );
  assert.equal(entries[0].replicas, 4);
  const up = entries.find((e) => e.replicas === 7);
  assert.ok(up !== undefined, JSON.stringify(entries));
  // The first sync whose window [t, t + 60] and the bucket after reach 06:30's level (the 06:30–06:31 pair).
  assert.equal(up.timeSeconds, 3 * DAY + 388 * 60);
});
