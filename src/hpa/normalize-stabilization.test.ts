/** Stabilization: the recommendation memory and the windows that hold a scale-down (legacy) or either direction (behavior). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NOW, rec } from '../testing/hpa-memory-fixtures.js';
import { stabilizeRecommendation, stabilizeRecommendationWithBehaviors } from './normalize.js';
import type { TimestampedRecommendation } from './types.js';

// Golden rows: TestNormalizeDesiredReplicas (kubernetes horizontal_test.go), 5 min window.
const legacyStabilizationRows: {
  name: string;
  input: { recommendations: TimestampedRecommendation[]; raw: number };
  want: { replicas: number; stored: TimestampedRecommendation[] };
}[] = [
  {
    name: 'empty log',
    input: { recommendations: [], raw: 5 },
    want: { replicas: 5, stored: [rec(0, 5)] },
  },
  {
    name: 'stabilize',
    input: { recommendations: [rec(120, 4), rec(60, 5)], raw: 3 },
    want: { replicas: 5, stored: [rec(120, 4), rec(60, 5), rec(0, 3)] },
  },
  {
    name: 'no stabilize',
    input: { recommendations: [rec(120, 1), rec(60, 2)], raw: 3 },
    want: { replicas: 3, stored: [rec(120, 1), rec(60, 2), rec(0, 3)] },
  },
  {
    name: 'no stabilize - old recommendations (the last stale slot is reused)',
    input: { recommendations: [rec(600, 10), rec(540, 9)], raw: 3 },
    want: { replicas: 3, stored: [rec(600, 10), rec(0, 3)] },
  },
  {
    name: 'stabilize - old recommendations',
    input: { recommendations: [rec(600, 10), rec(60, 4), rec(120, 5), rec(540, 9)], raw: 3 },
    want: { replicas: 5, stored: [rec(600, 10), rec(60, 4), rec(120, 5), rec(0, 3)] },
  },
  {
    name: 'a record exactly at now − window still counts',
    input: { recommendations: [rec(300, 9)], raw: 3 },
    want: { replicas: 9, stored: [rec(300, 9), rec(0, 3)] },
  },
];

for (const row of legacyStabilizationRows) {
  test(`stabilizeRecommendation (legacy): ${row.name}`, () => {
    const before = structuredClone(row.input.recommendations);
    const result = stabilizeRecommendation(row.input.recommendations, row.input.raw, NOW, 300);
    assert.deepEqual({ replicas: result.replicas, stored: result.recommendations }, row.want);
    assert.deepEqual(row.input.recommendations, before, 'the input memory is not mutated');
  });
}

const behaviorStabilizationRows: {
  name: string;
  input: { recommendations: TimestampedRecommendation[]; raw: number; current: number; up: number; down: number };
  want: { replicas: number; reason: string; stored: TimestampedRecommendation[] };
}[] = [
  {
    name: 'defaults: scale-up is immediate (up window 0 sees no record)',
    input: { recommendations: [rec(15, 2)], raw: 7, current: 3, up: 0, down: 300 },
    want: { replicas: 7, reason: 'ScaleUpStabilized', stored: [rec(15, 2), rec(0, 7)] },
  },
  {
    name: 'scale-down goes no lower than the highest recent record',
    input: { recommendations: [rec(15, 8), rec(100, 6)], raw: 5, current: 10, up: 0, down: 300 },
    want: { replicas: 8, reason: 'ScaleDownStabilized', stored: [rec(15, 8), rec(100, 6), rec(0, 5)] },
  },
  {
    name: 'a higher recent record than current holds the current size (no scale-up toward it)',
    input: { recommendations: [rec(15, 8)], raw: 5, current: 6, up: 0, down: 300 },
    want: { replicas: 6, reason: 'ScaleDownStabilized', stored: [rec(15, 8), rec(0, 5)] },
  },
  {
    name: 'up window: scale up only to the lowest recent record',
    input: { recommendations: [rec(30, 7), rec(45, 12)], raw: 10, current: 5, up: 60, down: 300 },
    want: { replicas: 7, reason: 'ScaleUpStabilized', stored: [rec(30, 7), rec(45, 12), rec(0, 10)] },
  },
  {
    name: 'a record exactly at the up cutoff is outside the window (strictly after)',
    input: { recommendations: [rec(60, 2)], raw: 10, current: 5, up: 60, down: 300 },
    want: { replicas: 10, reason: 'ScaleUpStabilized', stored: [rec(60, 2), rec(0, 10)] },
  },
  {
    name: 'a record exactly at the down cutoff is outside the window (strictly after)',
    input: { recommendations: [rec(300, 9)], raw: 3, current: 5, up: 0, down: 300 },
    want: { replicas: 3, reason: 'ScaleDownStabilized', stored: [rec(300, 9), rec(0, 3)] },
  },
  {
    name: 'only a record older than both cutoffs is replaced',
    input: { recommendations: [rec(400, 1), rec(200, 4), rec(500, 2)], raw: 4, current: 4, up: 0, down: 300 },
    want: { replicas: 4, reason: 'ScaleUpStabilized', stored: [rec(400, 1), rec(200, 4), rec(0, 4)] },
  },
];

for (const row of behaviorStabilizationRows) {
  test(`stabilizeRecommendationWithBehaviors: ${row.name}`, () => {
    const { recommendations, raw, current, up, down } = row.input;
    const result = stabilizeRecommendationWithBehaviors({
      recommendations,
      rawReplicas: raw,
      currentReplicas: current,
      scaleUpWindowSeconds: up,
      scaleDownWindowSeconds: down,
      nowSeconds: NOW,
    });
    assert.deepEqual({ replicas: result.replicas, reason: result.reason, stored: result.recommendations }, row.want);
  });
}
