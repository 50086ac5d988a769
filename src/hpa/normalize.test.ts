/** normalizeLegacy and normalizeWithBehavior: stabilization and rate limits together, with the conditions they set. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_BEHAVIOR } from '../testing/hpa-fixtures.js';
import { NOW, rec } from '../testing/hpa-memory-fixtures.js';
import { normalizeLegacy, normalizeWithBehavior } from './normalize.js';

test('normalizeLegacy: stabilized above raw sets ScaleDownStabilized; the cap sets ScalingLimited=True ScaleUpLimit', () => {
  const held = normalizeLegacy({
    recommendations: [rec(100, 8)],
    scaleUpEvents: [],
    scaleDownEvents: [],
    currentReplicas: 8,
    rawReplicas: 3,
    minReplicas: 1,
    maxReplicas: 10,
    downscaleStabilizationWindowSeconds: 300,
    nowSeconds: NOW,
  });
  assert.equal(held.replicas, 8);
  assert.equal(held.ableToScale.reason, 'ScaleDownStabilized');
  assert.deepEqual(
    { status: held.scalingLimited.status, reason: held.scalingLimited.reason },
    { status: 'False', reason: 'DesiredWithinRange' },
  );
  const capped = normalizeLegacy({
    recommendations: [rec(15, 2)],
    scaleUpEvents: [],
    scaleDownEvents: [],
    currentReplicas: 2,
    rawReplicas: 9,
    minReplicas: 1,
    maxReplicas: 10,
    downscaleStabilizationWindowSeconds: 300,
    nowSeconds: NOW,
  });
  assert.equal(capped.replicas, 4);
  assert.equal(capped.ableToScale.reason, 'ReadyForNewScale');
  assert.deepEqual(capped.scalingLimited, {
    type: 'ScalingLimited',
    status: 'True',
    reason: 'ScaleUpLimit',
    message: 'the desired replica count is increasing faster than the maximum scale rate',
  });
});

test('normalizeWithBehavior: a nil scaleDown window takes the controller flag', () => {
  const args = {
    recommendations: [rec(200, 8)],
    scaleUpEvents: [],
    scaleDownEvents: [],
    currentReplicas: 8,
    rawReplicas: 3,
    minReplicas: 1,
    maxReplicas: 10,
    nowSeconds: NOW,
  };
  assert.equal(
    normalizeWithBehavior(DEFAULT_BEHAVIOR, { ...args, downscaleStabilizationWindowSeconds: 300 }).replicas,
    8,
  );
  assert.equal(
    normalizeWithBehavior(DEFAULT_BEHAVIOR, { ...args, downscaleStabilizationWindowSeconds: 120 }).replicas,
    3,
  );
});
