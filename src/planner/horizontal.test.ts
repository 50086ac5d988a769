import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Forecast } from '../core/index.js';
import {
  currentOf,
  decide,
  forecastOf,
  inputOf,
  schedule as scheduleOf,
  testPod,
  testPolicy,
} from '../testing/planner-fixtures.js';
import { budgetReplicas, initialPlannerState } from './horizontal.js';
import type { BoundBy, CurrentState, PlannerPolicy, PlannerState, PodProfile } from './types.js';

// Defaults: min 1, max 10, quantile 0.8, headroom 10%, podStartup 60 s, reactive floor on, 100 load per pod,
// 500m per pod. Forecast buckets of 60 s from 960 s; decisions at 1000 s read buckets 0 and 1 ([1000, 1060]).
const NOW = 1000;
const rising = forecastOf(960, 60, [300, 400, 500, 500, 500]);

interface Row {
  name: string;
  input: {
    current: CurrentState;
    forecast?: Forecast | null;
    policy?: Partial<PlannerPolicy>;
    pod?: Partial<PodProfile>;
    state?: PlannerState;
    errorPercent?: number;
  };
  want: { desired: number; boundBy: BoundBy; fallback?: boolean; reason?: string; conflict?: string };
}

const rows: Row[] = [
  {
    name: 'the forecast binds: ceil(400 × 1.1 / 100) = 5',
    input: { current: currentOf(4, 70) },
    want: {
      desired: 5,
      boundBy: 'forecast',
      reason: '5 replicas: forecast q0.8 peak 400 over the next 60 s, +10% headroom at 100 per pod',
    },
  },
  {
    name: 'quantile 0.9 on an 80% interval reads the upper bound: ceil(460 × 1.1 / 100) = 6',
    input: {
      current: currentOf(4, 70),
      forecast: forecastOf(960, 60, [300, 400, 500], [330, 460, 560]),
      policy: { quantile: 0.9 },
    },
    want: { desired: 6, boundBy: 'forecast' },
  },
  {
    name: 'the lead time looks past a low now to the surge: podStartup 120 s reaches bucket 2',
    input: {
      current: currentOf(4, 70),
      policy: { podStartupSeconds: 120 },
      forecast: forecastOf(960, 60, [100, 100, 900]),
    },
    want: { desired: 8, boundBy: 'scale-up-limit' },
  },
  {
    name: 'without the lead time the same forecast asks for 2 (ceil(1.1))',
    input: {
      current: currentOf(2, 70),
      policy: { podStartupSeconds: 0 },
      forecast: forecastOf(960, 60, [100, 100, 900]),
    },
    want: { desired: 2, boundBy: 'forecast' },
  },
  {
    name: 'the reactive floor lifts a low forecast: ceil(4 × 140 / 70) = 8',
    input: { current: currentOf(4, 140) },
    want: {
      desired: 8,
      boundBy: 'reactive-floor',
      reason: "8 replicas: reactive floor 8 from current metrics, above the forecast's 5",
    },
  },
  {
    name: 'with the floor disabled the forecast alone decides',
    input: { current: currentOf(4, 140), policy: { reactiveFloor: false } },
    want: { desired: 5, boundBy: 'forecast' },
  },
  {
    name: 'the SLO check binds above capacity: ceil(400 / 75) = 6 > 5',
    input: { current: currentOf(4, 70), policy: { sloMaxLoadPerPod: 75 } },
    want: { desired: 6, boundBy: 'slo' },
  },
  {
    name: 'the scale-up limit: from 2, max(2 + 4, 2 × 2) = 6 of the 11 wanted',
    input: { current: currentOf(2, 70), forecast: forecastOf(960, 60, [1000, 1000]) },
    want: {
      desired: 6,
      boundBy: 'scale-up-limit',
      reason: '6 replicas: scale-up limit (4 pods or 100% per 15 s) holds back 11',
    },
  },
  {
    name: 'maxReplicas caps 17',
    input: { current: currentOf(8, 70), forecast: forecastOf(960, 60, [1500, 1500]) },
    want: { desired: 10, boundBy: 'max-replicas' },
  },
  {
    name: 'first decision: the HPA remembers current, so scale-down waits for the window',
    input: { current: currentOf(8, 20), forecast: forecastOf(960, 60, [200, 200]) },
    want: { desired: 8, boundBy: 'scale-down-stabilization' },
  },
  {
    name: 'once the memory is older than 300 s it scales down to 3',
    input: {
      current: currentOf(8, 20),
      forecast: forecastOf(960, 60, [200, 200]),
      state: { ...initialPlannerState, recommendations: [{ timestampSeconds: 700, value: 8 }] },
    },
    want: { desired: 3, boundBy: 'forecast' },
  },
  {
    name: 'the budget caps: 2 cores / 500m = 4 pods',
    input: {
      current: currentOf(2, 70),
      forecast: forecastOf(960, 60, [500, 500]),
      policy: { budget: { maxCores: 2, maxCostPerHour: null } },
    },
    want: { desired: 4, boundBy: 'budget', reason: '4 replicas: the budget (maxCores 2 at 500m per pod) caps 6' },
  },
  {
    name: 'the cost budget: 1.0 per hour at 0.3 per pod = 3 pods',
    input: {
      current: currentOf(2, 70),
      forecast: forecastOf(960, 60, [500, 500]),
      policy: { budget: { maxCores: null, maxCostPerHour: 1 } },
      pod: { costPerHour: 0.3 },
    },
    want: { desired: 3, boundBy: 'budget' },
  },
  {
    name: 'a budget below the reactive floor wins by precedence, and says so',
    input: { current: currentOf(4, 140), policy: { budget: { maxCores: 2, maxCostPerHour: null } } },
    want: {
      desired: 4,
      boundBy: 'budget',
      conflict: 'the reactive floor asks for 8, the budget allows 4: the budget wins (precedence 2 over 4)',
    },
  },
  {
    name: 'a budget below minReplicas loses to minReplicas, and says so',
    input: { current: currentOf(3, 70), policy: { minReplicas: 3, budget: { maxCores: 1, maxCostPerHour: null } } },
    want: {
      desired: 3,
      boundBy: 'min-replicas',
      conflict: 'the budget allows 2 replicas, below minReplicas 3: minReplicas wins (precedence 1 over 2)',
    },
  },
  {
    name: 'current above maxReplicas goes to max at once (no ramp), like the HPA, over the reactive floor',
    input: { current: currentOf(14, 70) },
    want: {
      desired: 10,
      boundBy: 'max-replicas',
      conflict: 'the reactive floor asks for 14, maxReplicas allows 10: maxReplicas wins (precedence 1 over 4)',
    },
  },
  {
    name: 'current above the budget goes to the budget at once',
    input: { current: currentOf(8, 35), policy: { budget: { maxCores: 2, maxCostPerHour: null } } },
    want: { desired: 4, boundBy: 'budget' },
  },
  {
    name: 'a budget equal to minReplicas is still the budget binding, no conflict',
    input: { current: currentOf(3, 50), policy: { minReplicas: 2, budget: { maxCores: 1, maxCostPerHour: null } } },
    want: { desired: 2, boundBy: 'budget' },
  },
  {
    name: 'current below minReplicas goes to min at once',
    input: { current: currentOf(1, 70), policy: { minReplicas: 3 } },
    want: { desired: 3, boundBy: 'min-replicas' },
  },
  {
    name: 'no forecast: fallback to the reactive recommendation ceil(4 × 105 / 70) = 6',
    input: { current: currentOf(4, 105), forecast: null },
    want: {
      desired: 6,
      boundBy: 'fallback',
      fallback: true,
      reason: 'fallback: no forecast — 6 replicas: reactive recommendation 6 from current metrics',
    },
  },
  {
    name: 'a stale forecast: fallback, and the reason gives its age',
    input: { current: currentOf(4, 70), forecast: forecastOf(700, 60, [300, 400, 500, 500, 500, 500, 500]) },
    want: {
      desired: 4,
      boundBy: 'fallback',
      fallback: true,
      reason: 'fallback: forecast origin is 5m old (staleAfter 3m)',
    },
  },
  {
    name: 'a forecast with a recent error above maxError: fallback',
    input: { current: currentOf(4, 70), errorPercent: 50 },
    want: {
      desired: 4,
      boundBy: 'fallback',
      fallback: true,
      reason: 'fallback: rolling error 50.0% is above maxError 35%',
    },
  },
  {
    name: 'fallback without any current metric holds the current replicas',
    input: { current: currentOf(4, null), forecast: null },
    want: { desired: 4, boundBy: 'fallback', fallback: true, reason: 'no current metrics, holding 4' },
  },
  {
    name: 'ForecastOnly computes the same decision but does not act',
    input: { current: currentOf(4, 70), policy: { mode: 'ForecastOnly' } },
    want: { desired: 5, boundBy: 'forecast', reason: 'ForecastOnly, not acting: 5 replicas' },
  },
];

for (const row of rows) {
  test(`planReplicas: ${row.name}`, () => {
    const input = inputOf({
      current: row.input.current,
      forecast: row.input.forecast === undefined ? rising : row.input.forecast,
      policy: testPolicy(row.input.policy),
      pod: { ...testPod, ...row.input.pod },
      forecastErrorPercent: row.input.errorPercent ?? null,
    });
    const { decision } = decide(input, row.input.state ?? initialPlannerState, NOW);
    assert.equal(decision.desiredReplicas, row.want.desired, decision.reason);
    assert.equal(decision.boundBy, row.want.boundBy, decision.reason);
    assert.equal(decision.fallback.active, row.want.fallback ?? false);
    if (row.want.reason !== undefined) assert.ok(decision.reason.includes(row.want.reason), decision.reason);
    assert.equal(decision.conflict, row.want.conflict ?? null);
    if (row.want.conflict !== undefined) assert.ok(decision.reason.endsWith(row.want.conflict), 'the reason says so');
  });
}

test('planReplicas: state out remembers the recommendation, the scale event and the time', () => {
  const input = inputOf({ current: currentOf(4, 70), forecast: rising });
  const { decision, state } = decide(input, initialPlannerState, NOW);
  assert.equal(decision.desiredReplicas, 5);
  assert.deepEqual(state.recommendations, [
    { timestampSeconds: NOW, value: 4 },
    { timestampSeconds: NOW, value: 5 },
  ]);
  assert.deepEqual(state.scaleUpEvents, [{ timestampSeconds: NOW, value: 1 }]);
  assert.equal(state.lastScaleSeconds, NOW);
});

test('planReplicas: ForecastOnly remembers recommendations but records no scale event', () => {
  const input = inputOf({ current: currentOf(4, 70), forecast: rising, policy: testPolicy({ mode: 'ForecastOnly' }) });
  const { decision, state } = decide(input, initialPlannerState, NOW);
  assert.equal(decision.act, false);
  assert.equal(state.recommendations.length, 2);
  assert.deepEqual(state.scaleUpEvents, []);
  assert.equal(state.lastScaleSeconds, null);
});

test('planReplicas: a falling forecast steps down only after the 300 s window, call by call', () => {
  // 8 replicas serving a load that drops to 200 (3 replicas) at 1000 s; decisions every 15 s.
  let state = initialPlannerState;
  let replicas = 8;
  const seen: number[] = [];
  for (let t = 1000; t <= 1330; t += 15) {
    const forecast = forecastOf(t - 30, 60, [200, 200, 200]);
    const out = decide(inputOf({ current: currentOf(replicas, 20), forecast }), state, t);
    replicas = out.decision.desiredReplicas;
    state = out.state;
    seen.push(replicas);
  }
  // The first record (1000, 8) leaves the window once t − 300 ≥ 1000, i.e. at 1300.
  assert.deepEqual(seen.slice(0, 20), new Array(20).fill(8));
  assert.equal(seen[20], 3, `at 1300: ${seen.join(',')}`);
});

test('planSchedule: the change points over the horizon, ramped and capped, ending where the forecast ends', () => {
  // 2 replicas; the forecast surges to 1800 (20 replicas, capped at 10) and falls back to 100.
  const low = new Array(12).fill(100);
  const forecast = forecastOf(960, 60, [100, 100, 1800, 1800, 1800, 1800, 1800, 1800, ...low]); // ends at 2160
  const input = inputOf({ current: currentOf(2, 50), forecast });
  const schedule = scheduleOf(input, initialPlannerState, NOW);
  assert.deepEqual(
    schedule.map((e) => [e.timeSeconds, e.replicas, e.boundBy]),
    [
      [1000, 2, 'forecast'],
      [1030, 6, 'scale-up-limit'], // window [1030, 1090] reaches bucket 2 (1080): ramp 2 → 6
      [1045, 10, 'max-replicas'], // max(6 + 4, 12) = 12, capped at 10
      // The last surge bucket starts at 1380: windows up to t = 1435 still see it. The recommendation of 20
      // made at 1435 leaves the 300 s scale-down window (strictly after now − 300) at 1735.
      [1735, 2, 'forecast'],
    ],
  );
  assert.ok(schedule.every((e) => e.timeSeconds + 60 < 2160));
});

test('planSchedule: in fallback the schedule is the decision now alone', () => {
  const schedule = scheduleOf(inputOf({ current: currentOf(4, 105) }), initialPlannerState, NOW);
  assert.deepEqual(schedule, [{ timeSeconds: NOW, replicas: 6, plannedLoad: null, boundBy: 'fallback' }]);
});

const budgetRows = [
  { name: 'no budget', input: { maxCores: null, maxCostPerHour: null }, want: null },
  { name: 'cores: floor(2.2 / 0.5) = 4', input: { maxCores: 2.2, maxCostPerHour: null }, want: 4 },
  {
    name: 'cost: floor(1 / 0.25) = 4 exactly, despite float noise',
    input: { maxCores: null, maxCostPerHour: 1 },
    want: 4,
  },
  { name: 'both: the smaller', input: { maxCores: 1.5, maxCostPerHour: 1 }, want: 3 },
];
for (const row of budgetRows) {
  test(`budgetReplicas: ${row.name}`, () => {
    assert.equal(budgetReplicas(row.input, { ...testPod, costPerHour: 0.25 }), row.want);
  });
}
