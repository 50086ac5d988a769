import {
  DEFAULT_CONTROLLER_CONFIG,
  DEFAULT_SCALE_DOWN_RULES,
  DEFAULT_SCALE_UP_RULES,
  type ScalingRules as HpaScalingRules,
  limitReplicasToRate,
  MAX_REPLICAS,
  periodStartFromEvents,
  stabilizeWithinWindows,
} from '../hpa/index.js';
import type { ScalingRules, TimedValue } from './types.js';

/**
 * The planner's ramp over the HPA kernel (`src/hpa`): the same stabilization and rate-policy rules the HPA
 * applies, read from the planner's memory (`TimedValue` records) and its one-period rules. Only the memory
 * bookkeeping is the planner's own.
 */

const timedValueOf = (record: TimedValue): number => record.value;

/**
 * HPA stabilization (the kernel's `stabilizeWithinWindows`): scale up only as far as the lowest recommendation
 * in the scale-up window, down only as far as the highest in the scale-down window. A record counts when its
 * time is strictly after `now − window`.
 */
export function stabilize(
  raw: number,
  current: number,
  recommendations: readonly TimedValue[],
  nowSeconds: number,
  scaleUp: ScalingRules,
  scaleDown: ScalingRules,
): number {
  return stabilizeWithinWindows(recommendations, timedValueOf, {
    rawReplicas: raw,
    currentReplicas: current,
    scaleUpWindowSeconds: scaleUp.stabilizationWindowSeconds,
    scaleDownWindowSeconds: scaleDown.stabilizationWindowSeconds,
    nowSeconds,
  });
}

/**
 * Appends (now, raw) and drops records outside both windows: they can never count again, so dropping them
 * gives the same results as the HPA's replace-one-stale-record and keeps the memory bounded.
 */
export function recordRecommendation(
  recommendations: readonly TimedValue[],
  raw: number,
  nowSeconds: number,
  scaleUp: ScalingRules,
  scaleDown: ScalingRules,
): TimedValue[] {
  const cutoff = nowSeconds - Math.max(scaleUp.stabilizationWindowSeconds, scaleDown.stabilizationWindowSeconds);
  const kept: TimedValue[] = [];
  for (let i = 0; i < recommendations.length; i++) {
    if (recommendations[i].timestampSeconds > cutoff) kept.push(recommendations[i]);
  }
  kept.push({ timestampSeconds: nowSeconds, value: raw });
  return kept;
}

/** The outcome of the rate limits and min/max: the replicas and what bound them (null when nothing did). */
export interface RateLimited {
  readonly replicas: number;
  readonly boundBy: 'scale-up-limit' | 'scale-down-limit' | 'max-replicas' | 'min-replicas' | null;
}

const BOUND_BY = {
  DesiredWithinRange: null,
  ScaleUpLimit: 'scale-up-limit',
  ScaleDownLimit: 'scale-down-limit',
  TooManyReplicas: 'max-replicas',
  TooFewReplicas: 'min-replicas',
} as const satisfies Record<string, RateLimited['boundBy']>;

const kernelRulesCache = new WeakMap<ScalingRules, HpaScalingRules>();

/**
 * The planner's rules as the HPA's: a Pods and a Percent policy over one period, `selectPolicy: Max`. A
 * direction with neither policy is not rate-limited, which a Pods policy of int32-max pods expresses exactly.
 */
export function toHpaScalingRules(rules: ScalingRules): HpaScalingRules {
  let converted = kernelRulesCache.get(rules);
  if (converted === undefined) {
    const { periodSeconds } = rules;
    const policies: HpaScalingRules['policies'][number][] = [];
    if (rules.maxPodsPerPeriod !== null) policies.push({ type: 'Pods', value: rules.maxPodsPerPeriod, periodSeconds });
    if (rules.maxPercentPerPeriod !== null) {
      policies.push({ type: 'Percent', value: rules.maxPercentPerPeriod, periodSeconds });
    }
    if (policies.length === 0) policies.push({ type: 'Pods', value: MAX_REPLICAS, periodSeconds });
    converted = {
      stabilizationWindowSeconds: rules.stabilizationWindowSeconds,
      selectPolicy: 'Max',
      policies,
      tolerance: null,
    };
    kernelRulesCache.set(rules, converted);
  }
  return converted;
}

/**
 * HPA rules in the planner's one-period shape: the Pods and Percent policies of `selectPolicy: Max` sharing one
 * period. Used for the defaults, which Kubernetes writes that way; other rules have no such shape.
 */
function plannerRulesFromHpa(rules: HpaScalingRules, stabilizationWindowSeconds: number): ScalingRules {
  const periods = new Set(rules.policies.map((policy) => policy.periodSeconds));
  if (rules.selectPolicy !== 'Max' || periods.size !== 1) {
    throw new Error('planner rules need selectPolicy Max and one period shared by the policies');
  }
  const policyValue = (type: 'Pods' | 'Percent') =>
    rules.policies.find((policy) => policy.type === type)?.value ?? null;
  return {
    stabilizationWindowSeconds,
    maxPodsPerPeriod: policyValue('Pods'),
    maxPercentPerPeriod: policyValue('Percent'),
    periodSeconds: rules.policies[0].periodSeconds,
  };
}

/** The HPA's default scale-up behavior (no window; 4 pods or 100 % per 15 s), in the planner's shape. */
export const DEFAULT_PLANNER_SCALE_UP: ScalingRules = plannerRulesFromHpa(
  DEFAULT_SCALE_UP_RULES,
  DEFAULT_SCALE_UP_RULES.stabilizationWindowSeconds,
);

/** The HPA's default scale-down behavior (the controller's 300 s window; 100 % per 15 s), in the planner's shape. */
export const DEFAULT_PLANNER_SCALE_DOWN: ScalingRules = plannerRulesFromHpa(
  DEFAULT_SCALE_DOWN_RULES,
  DEFAULT_CONTROLLER_CONFIG.downscaleStabilizationWindowSeconds,
);

/**
 * HPA rate limits with min/max (the kernel's `limitReplicasToRate`): the replicas at the period start are
 * current − pods added + pods removed within the period; scale-up by at most max(start + pods,
 * ceil(start × (1 + percent/100))), scale-down by at most min(start − pods, trunc(start × (1 − percent/100))),
 * never past current, then max/minReplicas. Expects `current` within [minReplicas, maxReplicas].
 */
export function limitRate(
  desired: number,
  current: number,
  scaleUpEvents: readonly TimedValue[],
  scaleDownEvents: readonly TimedValue[],
  nowSeconds: number,
  scaleUp: ScalingRules,
  scaleDown: ScalingRules,
  minReplicas: number,
  maxReplicas: number,
): RateLimited {
  const limited = limitReplicasToRate({
    scaleUp: toHpaScalingRules(scaleUp),
    scaleDown: toHpaScalingRules(scaleDown),
    periodStart: periodStartFromEvents(current, scaleUpEvents, scaleDownEvents, nowSeconds, timedValueOf),
    currentReplicas: current,
    desiredReplicas: desired,
    minReplicas,
    maxReplicas,
  });
  return { replicas: limited.replicas, boundBy: BOUND_BY[limited.reason] };
}

/**
 * Records a rescale from `current` to `desired` in the direction's event list and drops events older than
 * both periods (they can no longer count). Returns the new lists.
 */
export function recordScaleEvent(
  scaleUpEvents: readonly TimedValue[],
  scaleDownEvents: readonly TimedValue[],
  current: number,
  desired: number,
  nowSeconds: number,
  scaleUp: ScalingRules,
  scaleDown: ScalingRules,
): { scaleUpEvents: TimedValue[]; scaleDownEvents: TimedValue[] } {
  const cutoff = nowSeconds - Math.max(scaleUp.periodSeconds, scaleDown.periodSeconds);
  const up = scaleUpEvents.filter((event) => event.timestampSeconds > cutoff);
  const down = scaleDownEvents.filter((event) => event.timestampSeconds > cutoff);
  if (desired > current) up.push({ timestampSeconds: nowSeconds, value: desired - current });
  if (desired < current) down.push({ timestampSeconds: nowSeconds, value: current - desired });
  return { scaleUpEvents: up, scaleDownEvents: down };
}
