import { ceilReplicas } from './reactive.js';
import type { ScalingRules, TimedValue } from './types.js';

/**
 * HPA stabilization (`kubernetes-integration.md` §1.8 step 1): scale up only as far as the lowest
 * recommendation in the scale-up window, down only as far as the highest in the scale-down window, i.e.
 * clamp `current` into [min(raw, recent up-window recs), max(raw, recent down-window recs)]. A record counts
 * when its time is strictly after `now − window`.
 */
export function stabilize(
  raw: number,
  current: number,
  recommendations: readonly TimedValue[],
  nowSeconds: number,
  scaleUp: ScalingRules,
  scaleDown: ScalingRules,
): number {
  const upCutoff = nowSeconds - scaleUp.stabilizationWindowSeconds;
  const downCutoff = nowSeconds - scaleDown.stabilizationWindowSeconds;
  let upRecommendation = raw;
  let downRecommendation = raw;
  for (let i = 0; i < recommendations.length; i++) {
    const { timestampSeconds, value } = recommendations[i];
    if (timestampSeconds > upCutoff && value < upRecommendation) upRecommendation = value;
    if (timestampSeconds > downCutoff && value > downRecommendation) downRecommendation = value;
  }
  let stabilized = current;
  if (stabilized < upRecommendation) stabilized = upRecommendation;
  if (stabilized > downRecommendation) stabilized = downRecommendation;
  return stabilized;
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

/** Sum of the event sizes strictly after `cutoffSeconds`. */
function changedSince(events: readonly TimedValue[], cutoffSeconds: number): number {
  let sum = 0;
  for (let i = 0; i < events.length; i++) if (events[i].timestampSeconds > cutoffSeconds) sum += events[i].value;
  return sum;
}

/** The outcome of the rate limits and min/max: the replicas and what bound them (null when nothing did). */
export interface RateLimited {
  readonly replicas: number;
  readonly boundBy: 'scale-up-limit' | 'scale-down-limit' | 'max-replicas' | 'min-replicas' | null;
}

/**
 * HPA rate limits with min/max (`kubernetes-integration.md` §1.8 step 2, `selectPolicy: Max`). Replicas at the
 * period start = current − pods added + pods removed within the period. Scale up: at most
 * max(start + maxPods, ceil(start × (1 + maxPercent/100))), never below current, then maxReplicas. Scale down:
 * at least min(start − maxPods, floor(start × (1 − maxPercent/100))), never above current, then minReplicas.
 * Expects `current` within [minReplicas, maxReplicas].
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
  if (desired > current) {
    const cutoff = nowSeconds - scaleUp.periodSeconds;
    const periodStart = current - changedSince(scaleUpEvents, cutoff) + changedSince(scaleDownEvents, cutoff);
    let limit = Number.POSITIVE_INFINITY;
    if (scaleUp.maxPodsPerPeriod !== null || scaleUp.maxPercentPerPeriod !== null) {
      limit = Number.NEGATIVE_INFINITY;
      if (scaleUp.maxPodsPerPeriod !== null) limit = periodStart + scaleUp.maxPodsPerPeriod;
      if (scaleUp.maxPercentPerPeriod !== null) {
        limit = Math.max(limit, ceilReplicas(periodStart * (1 + scaleUp.maxPercentPerPeriod / 100)));
      }
    }
    if (limit < current) limit = current;
    const rateBinds = limit < maxReplicas;
    const maxAllowed = rateBinds ? limit : maxReplicas;
    if (desired <= maxAllowed) return { replicas: desired, boundBy: null };
    return { replicas: maxAllowed, boundBy: rateBinds ? 'scale-up-limit' : 'max-replicas' };
  }
  if (desired < current) {
    const cutoff = nowSeconds - scaleDown.periodSeconds;
    const periodStart = current - changedSince(scaleUpEvents, cutoff) + changedSince(scaleDownEvents, cutoff);
    let limit = Number.NEGATIVE_INFINITY;
    if (scaleDown.maxPodsPerPeriod !== null || scaleDown.maxPercentPerPeriod !== null) {
      limit = Number.POSITIVE_INFINITY;
      if (scaleDown.maxPodsPerPeriod !== null) limit = periodStart - scaleDown.maxPodsPerPeriod;
      if (scaleDown.maxPercentPerPeriod !== null) {
        // Truncation rounds the pods removed up, as the HPA does; the 1e-9 forgives float noise (30 × 0.7).
        limit = Math.min(limit, Math.floor(periodStart * (1 - scaleDown.maxPercentPerPeriod / 100) + 1e-9));
      }
    }
    if (limit > current) limit = current;
    const rateBinds = limit > minReplicas;
    const minAllowed = rateBinds ? limit : minReplicas;
    if (desired >= minAllowed) return { replicas: desired, boundBy: null };
    return { replicas: minAllowed, boundBy: rateBinds ? 'scale-down-limit' : 'min-replicas' };
  }
  return { replicas: desired, boundBy: null };
}

/**
 * Records a rescale from `current` to `desired` in the direction's event list and drops events older than
 * both periods (they can no longer count, `kubernetes-integration.md` §1.8 step 3). Returns the new lists.
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
