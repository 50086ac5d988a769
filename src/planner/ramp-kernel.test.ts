import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  type HpaBehavior,
  normalizeWithBehavior,
  type ScalingPolicy,
  type TimestampedScaleEvent,
} from '../hpa/index.js';
import { defaultScaleUp } from '../testing/planner-fixtures.js';
import { limitRate, stabilize } from './ramp.js';
import type { ScalingRules, TimedValue } from './types.js';

// The planner's ramp (stabilization, then rate limits with min/max) against the HPA kernel's
// `normalizeWithBehavior` on the same memory: they must agree on every input, since the planner claims to
// apply the HPA's rules.

const NOW = 10_000;

const rulesArbitrary = (direction: 'up' | 'down') =>
  fc
    .record({
      stabilizationWindowSeconds: fc.integer({ min: 0, max: 600 }),
      maxPodsPerPeriod: fc.option(fc.integer({ min: 1, max: 20 }), { nil: null }),
      maxPercentPerPeriod: fc.option(fc.integer({ min: 1, max: direction === 'up' ? 900 : 100 }), { nil: null }),
      periodSeconds: fc.integer({ min: 1, max: 600 }),
    })
    .filter((rules) => rules.maxPodsPerPeriod !== null || rules.maxPercentPerPeriod !== null);

const timedValues = (maxValue: number) =>
  fc.array(
    fc.record({
      timestampSeconds: fc.integer({ min: NOW - 900, max: NOW }),
      value: fc.integer({ min: 0, max: maxValue }),
    }),
    { maxLength: 12 },
  );

/** The planner's one-period rules written as an HPA `behavior` direction, independently of the adapter. */
function asHpaRules(rules: ScalingRules) {
  const policies: ScalingPolicy[] = [];
  if (rules.maxPodsPerPeriod !== null) {
    policies.push({ type: 'Pods', value: rules.maxPodsPerPeriod, periodSeconds: rules.periodSeconds });
  }
  if (rules.maxPercentPerPeriod !== null) {
    policies.push({ type: 'Percent', value: rules.maxPercentPerPeriod, periodSeconds: rules.periodSeconds });
  }
  return {
    stabilizationWindowSeconds: rules.stabilizationWindowSeconds,
    selectPolicy: 'Max' as const,
    policies,
    tolerance: null,
  };
}

const asEvents = (values: readonly TimedValue[]): TimestampedScaleEvent[] =>
  values.map((event) => ({ timestampSeconds: event.timestampSeconds, replicaChange: event.value, outdated: false }));

test('property: the planner ramp equals the HPA kernel (stabilization, rate policies, min/max) on random inputs', () => {
  fc.assert(
    fc.property(
      rulesArbitrary('up'),
      rulesArbitrary('down'),
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 0, max: 200 }),
      fc.integer({ min: 0, max: 200 }),
      timedValues(200),
      timedValues(20),
      timedValues(20),
      (scaleUp, scaleDown, minReplicas, span, currentSeed, raw, recommendations, upEvents, downEvents) => {
        const maxReplicas = minReplicas + span;
        const current = minReplicas + (currentSeed % (span + 1));
        const planned = stabilize(raw, current, recommendations, NOW, scaleUp, scaleDown);
        const limited = limitRate(
          planned,
          current,
          upEvents,
          downEvents,
          NOW,
          scaleUp,
          scaleDown,
          minReplicas,
          maxReplicas,
        );

        const behavior: HpaBehavior = { scaleUp: asHpaRules(scaleUp), scaleDown: asHpaRules(scaleDown) };
        const kernel = normalizeWithBehavior(behavior, {
          recommendations: recommendations.map((r) => ({ timestampSeconds: r.timestampSeconds, replicas: r.value })),
          scaleUpEvents: asEvents(upEvents),
          scaleDownEvents: asEvents(downEvents),
          currentReplicas: current,
          rawReplicas: raw,
          minReplicas,
          maxReplicas,
          downscaleStabilizationWindowSeconds: 300,
          nowSeconds: NOW,
        });
        assert.equal(limited.replicas, kernel.replicas);
        const kernelLimited = kernel.scalingLimited.status === 'True';
        assert.equal(limited.boundBy !== null && limited.replicas !== planned, kernelLimited);
      },
    ),
    { numRuns: 2000 },
  );
});

test('an 80 %-per-period scale-down from 10 replicas allows 1, as Kubernetes truncates 10 × (1 − 0.8) = 1.999…', () => {
  const scaleDown: ScalingRules = {
    stabilizationWindowSeconds: 0,
    maxPodsPerPeriod: null,
    maxPercentPerPeriod: 80,
    periodSeconds: 60,
  };
  assert.deepEqual(limitRate(1, 10, [], [], NOW, defaultScaleUp, scaleDown, 1, 20), { replicas: 1, boundBy: null });
  assert.deepEqual(limitRate(0, 10, [], [], NOW, defaultScaleUp, scaleDown, 0, 20), {
    replicas: 1,
    boundBy: 'scale-down-limit',
  });
});
