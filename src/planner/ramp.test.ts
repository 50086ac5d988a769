import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultScaleDown, defaultScaleUp } from '../testing/planner-fixtures.js';
import { limitRate, recordRecommendation, recordScaleEvent, stabilize } from './ramp.js';
import type { ScalingRules, TimedValue } from './types.js';

// The worked examples of the HPA's behavior rules (docs/hpa-emulation.md), with the default behavior (min 1, max 100).
const rateRows: {
  name: string;
  input: { desired: number; current: number; up?: TimedValue[]; down?: TimedValue[]; scaleDown?: ScalingRules };
  want: ReturnType<typeof limitRate>;
}[] = [
  {
    name: 'up from 2: max(2 + 4, ceil(2 × 2)) = 6',
    input: { desired: 50, current: 2 },
    want: { replicas: 6, boundBy: 'scale-up-limit' },
  },
  {
    name: 'up from 10: max(14, 20) = 20',
    input: { desired: 50, current: 10 },
    want: { replicas: 20, boundBy: 'scale-up-limit' },
  },
  {
    name: 'up from 0: max(0 + 4, 0) = 4',
    input: { desired: 50, current: 0 },
    want: { replicas: 4, boundBy: 'scale-up-limit' },
  },
  {
    name: 'up within the limit is not limited',
    input: { desired: 5, current: 2 },
    want: { replicas: 5, boundBy: null },
  },
  {
    name: 'up past maxReplicas',
    input: { desired: 150, current: 60 },
    want: { replicas: 100, boundBy: 'max-replicas' },
  },
  {
    name: 'a scale-up 10 s ago still counts: start = 6 − 4, limit max(6, 4)',
    input: { desired: 50, current: 6, up: [{ timestampSeconds: 990, value: 4 }] },
    want: { replicas: 6, boundBy: 'scale-up-limit' },
  },
  {
    name: 'a scale-up exactly one period ago no longer counts (strictly after the cutoff)',
    input: { desired: 50, current: 6, up: [{ timestampSeconds: 985, value: 4 }] },
    want: { replicas: 12, boundBy: 'scale-up-limit' },
  },
  {
    name: 'down by 100% per period reaches the desired value',
    input: { desired: 3, current: 40 },
    want: { replicas: 3, boundBy: null },
  },
  {
    name: 'down below minReplicas',
    input: { desired: 0, current: 40 },
    want: { replicas: 1, boundBy: 'min-replicas' },
  },
  {
    name: 'docs example: 80 → 10 with Pods 4 and Percent 10 per 60 s: min(76, trunc(72)) = 72',
    input: {
      desired: 10,
      current: 80,
      scaleDown: { stabilizationWindowSeconds: 0, maxPodsPerPeriod: 4, maxPercentPerPeriod: 10, periodSeconds: 60 },
    },
    want: { replicas: 72, boundBy: 'scale-down-limit' },
  },
  {
    name: 'docs example, next reconcile within 60 s: start 72 + 8 = 80, no further step',
    input: {
      desired: 10,
      current: 72,
      down: [{ timestampSeconds: 985, value: 8 }],
      scaleDown: { stabilizationWindowSeconds: 0, maxPodsPerPeriod: 4, maxPercentPerPeriod: 10, periodSeconds: 60 },
    },
    want: { replicas: 72, boundBy: 'scale-down-limit' },
  },
  {
    name: 'docs example, once the event left the period: min(68, trunc(64.8)) = 64',
    input: {
      desired: 10,
      current: 72,
      down: [{ timestampSeconds: 940, value: 8 }],
      scaleDown: { stabilizationWindowSeconds: 0, maxPodsPerPeriod: 4, maxPercentPerPeriod: 10, periodSeconds: 60 },
    },
    want: { replicas: 64, boundBy: 'scale-down-limit' },
  },
];
for (const row of rateRows) {
  test(`limitRate: ${row.name}`, () => {
    const { desired, current, up = [], down = [], scaleDown = defaultScaleDown } = row.input;
    assert.deepEqual(limitRate(desired, current, up, down, 1000, defaultScaleUp, scaleDown, 1, 100), row.want);
  });
}

const upWindow: ScalingRules = { ...defaultScaleUp, stabilizationWindowSeconds: 60 };
const stabilizeRows: {
  name: string;
  input: { raw: number; current: number; recs: TimedValue[]; up?: ScalingRules };
  want: number;
}[] = [
  { name: 'no memory: the raw value', input: { raw: 3, current: 8, recs: [] }, want: 3 },
  {
    name: 'scale down only to the highest recommendation of the last 300 s',
    input: {
      raw: 3,
      current: 8,
      recs: [
        { timestampSeconds: 800, value: 6 },
        { timestampSeconds: 900, value: 5 },
      ],
    },
    want: 6,
  },
  {
    name: 'a recommendation exactly 300 s old no longer counts',
    input: {
      raw: 3,
      current: 8,
      recs: [
        { timestampSeconds: 700, value: 7 },
        { timestampSeconds: 900, value: 5 },
      ],
    },
    want: 5,
  },
  {
    name: 'with up window 0 scale-up is immediate',
    input: { raw: 12, current: 8, recs: [{ timestampSeconds: 990, value: 4 }] },
    want: 12,
  },
  {
    name: 'with an up window, scale up only to the lowest recent recommendation',
    input: {
      raw: 12,
      current: 8,
      recs: [
        { timestampSeconds: 960, value: 10 },
        { timestampSeconds: 980, value: 9 },
      ],
      up: upWindow,
    },
    want: 9,
  },
  {
    name: 'with an up window, a recent recommendation below current blocks scale-up',
    input: { raw: 12, current: 8, recs: [{ timestampSeconds: 980, value: 7 }], up: upWindow },
    want: 8,
  },
];
for (const row of stabilizeRows) {
  test(`stabilize: ${row.name}`, () => {
    const { raw, current, recs, up = defaultScaleUp } = row.input;
    assert.equal(stabilize(raw, current, recs, 1000, up, defaultScaleDown), row.want);
  });
}

test('recordRecommendation keeps what a window can still see, appends the new one', () => {
  const recs = [
    { timestampSeconds: 600, value: 9 },
    { timestampSeconds: 700, value: 8 },
    { timestampSeconds: 701, value: 7 },
  ];
  assert.deepEqual(recordRecommendation(recs, 4, 1000, defaultScaleUp, defaultScaleDown), [
    { timestampSeconds: 701, value: 7 },
    { timestampSeconds: 1000, value: 4 },
  ]);
  assert.equal(recs.length, 3, 'the input memory is not changed');
});

test('recordScaleEvent: the direction gets |change|, events older than both periods are dropped', () => {
  const up = [
    { timestampSeconds: 985, value: 1 },
    { timestampSeconds: 990, value: 2 },
  ];
  const down = [{ timestampSeconds: 900, value: 3 }];
  assert.deepEqual(recordScaleEvent(up, down, 5, 9, 1000, defaultScaleUp, defaultScaleDown), {
    scaleUpEvents: [
      { timestampSeconds: 990, value: 2 },
      { timestampSeconds: 1000, value: 4 },
    ],
    scaleDownEvents: [],
  });
  assert.deepEqual(recordScaleEvent([], [], 9, 5, 1000, defaultScaleUp, defaultScaleDown).scaleDownEvents, [
    { timestampSeconds: 1000, value: 4 },
  ]);
});
