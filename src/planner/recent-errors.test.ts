import assert from 'node:assert/strict';
import { test } from 'node:test';
import { currentOf, decide, forecastOf, inputOf, testPolicy } from '../testing/planner-fixtures.js';
import { initialPlannerState } from './horizontal.js';
import {
  dispersionScale,
  type ForecastMiss,
  MIN_RECENT_MISSES,
  peakSpreadLoad,
  recentErrorSpread,
} from './recent-errors.js';

/** Misses at `forecast` whose standardized values (actual − forecast) / √forecast are `z`. */
function missesOf(forecast: number, z: number[]): ForecastMiss[] {
  return z.map((value) => ({ forecast, actual: forecast + value * Math.sqrt(forecast) }));
}

const spreads = [
  {
    name: 'the nearest-rank quantile of the standardized misses: 0.9 of 1..20 is the 18th',
    input: {
      misses: missesOf(
        400,
        Array.from({ length: 20 }, (_, i) => i + 1),
      ),
      quantile: 0.9,
    },
    want: 18,
  },
  {
    name: 'the same misses standardized at another load give the same spread (√load scale)',
    input: {
      misses: missesOf(
        25,
        Array.from({ length: 20 }, (_, i) => i + 1),
      ),
      quantile: 0.9,
    },
    want: 18,
  },
  {
    // −10 … −1: the 0.9 quantile is the 9th.
    name: 'a forecast that ran high narrows the band: negative spread',
    input: {
      misses: missesOf(
        100,
        Array.from({ length: 10 }, (_, i) => -10 + i),
      ),
      quantile: 0.9,
    },
    want: -2,
  },
  {
    name: 'non-finite misses are left out before counting',
    input: {
      misses: [...missesOf(100, Array(MIN_RECENT_MISSES).fill(2)), { forecast: 100, actual: Number.NaN }],
      quantile: 0.5,
    },
    want: 2,
  },
  {
    name: `fewer than ${MIN_RECENT_MISSES} misses: no spread (the model's interval is used)`,
    input: { misses: missesOf(100, Array(MIN_RECENT_MISSES - 1).fill(5)), quantile: 0.9 },
    want: null,
  },
];
for (const row of spreads) {
  test(`recentErrorSpread: ${row.name}`, () => {
    const got = recentErrorSpread(row.input.misses, row.input.quantile);
    if (row.want === null) assert.equal(got, null);
    else assert.ok(got !== null && Math.abs(got - row.want) < 1e-9, `${got} vs ${row.want}`);
  });
}

test('dispersionScale: √load, never below √1 so a forecast near zero cannot blow a miss up', () => {
  assert.equal(dispersionScale(400), 20);
  assert.equal(dispersionScale(0.01), 1);
  assert.equal(dispersionScale(0), 1);
});

test('peakSpreadLoad: the highest point + spread × √point over the buckets, never below 0', () => {
  const forecast = forecastOf(0, 60, [100, 400, 225]);
  assert.equal(peakSpreadLoad(forecast, 2, 0, 2), 400 + 2 * 20);
  assert.equal(peakSpreadLoad(forecast, 2, 0, 0), 100 + 2 * 10);
  assert.equal(peakSpreadLoad(forecastOf(0, 60, [4]), -5, 0, 0), 0);
});

// The planner with 100 load per pod, no headroom, quantile 0.9; decisions at 1000 s read buckets 0 and 1.
const NOW = 1000;
const policy = testPolicy({ quantile: 0.9, headroomPercent: 0, reactiveFloor: false });
// A wide model interval (upper bound 200 above the point at 80 %): the 0.9 quantile is point + 200.
const wide = forecastOf(960, 60, [400, 400, 400], [600, 600, 600]);

test('RecentErrors: the spread of the recent misses replaces the model interval', () => {
  const evidence = { recentMisses: missesOf(400, Array(20).fill(1.5)), recentLoad: null };
  const byModel = decide(inputOf({ current: currentOf(5, null), forecast: wide, policy }), initialPlannerState, NOW);
  const byErrors = decide(
    inputOf({
      current: currentOf(5, null),
      forecast: wide,
      policy: { ...policy, uncertainty: 'RecentErrors' },
      evidence,
    }),
    initialPlannerState,
    NOW,
  );
  assert.equal(byModel.decision.plannedLoad, 600);
  assert.equal(byModel.decision.desiredReplicas, 6);
  assert.equal(byErrors.decision.plannedLoad, 400 + 1.5 * 20);
  assert.equal(byErrors.decision.desiredReplicas, 5);
  assert.match(byErrors.decision.reason, /forecast q0\.9 \(recent misses\) peak 430/);
});

test('RecentErrors: the same standardized misses are a larger share of a small load (√load margin)', () => {
  const at = (load: number) =>
    decide(
      inputOf({
        current: currentOf(1, null),
        forecast: forecastOf(960, 60, [load, load, load]),
        policy: { ...policy, uncertainty: 'RecentErrors' },
        evidence: { recentMisses: missesOf(load, Array(20).fill(2)), recentLoad: null },
      }),
      initialPlannerState,
      NOW,
    ).decision.plannedLoad ?? Number.NaN;
  assert.equal(at(100) / 100, 1.2);
  assert.equal(at(1600) / 1600, 1.05);
});

test('RecentErrors: without enough scored misses the model interval sizes the plan', () => {
  const few = { recentMisses: missesOf(400, Array(MIN_RECENT_MISSES - 1).fill(9)), recentLoad: null };
  const got = decide(
    inputOf({
      current: currentOf(5, null),
      forecast: wide,
      policy: { ...policy, uncertainty: 'RecentErrors' },
      evidence: few,
    }),
    initialPlannerState,
    NOW,
  );
  assert.equal(got.decision.plannedLoad, 600);
});
