/**
 * From the raw metric proposal to the replicas written (legacy and behavior paths): stabilization windows, the
 * legacy 2×/4 cap, behavior rate policies and min/max, plus the scale-event memory. Free functions
 * over plain data, as `convertDesiredReplicasWithRules` is in Kubernetes; `now` and memory are passed in.
 */
import type {
  HpaBehavior,
  HpaCondition,
  HpaConditionReason,
  ScalingPolicy,
  ScalingRules,
  TimestampedRecommendation,
  TimestampedScaleEvent,
} from './types.js';

/** A replica count with the ScalingLimited reason and message the controller attaches to it. */
export interface LimitedReplicas {
  readonly replicas: number;
  readonly reason: Extract<
    HpaConditionReason,
    'DesiredWithinRange' | 'TooManyReplicas' | 'TooFewReplicas' | 'ScaleUpLimit' | 'ScaleDownLimit'
  >;
  readonly message: string;
}

/** A stabilized recommendation and the memory after recording the raw one. */
export interface Stabilized {
  readonly replicas: number;
  readonly recommendations: readonly TimestampedRecommendation[];
}

const WITHIN_RANGE: LimitedReplicas['message'] = 'the desired count is within the acceptable range';
const MESSAGES = {
  TooManyReplicas: 'the desired replica count is more than the maximum replica count',
  TooFewReplicas: 'the desired replica count is less than the minimum replica count',
  ScaleUpLimit: 'the desired replica count is increasing faster than the maximum scale rate',
  ScaleDownLimit: 'the desired replica count is decreasing faster than the maximum scale rate',
} as const;

/** Records `(now, raw)` over the slot at `staleIndex` (the last stale record) or appends it. */
function recordRecommendation(
  recommendations: readonly TimestampedRecommendation[],
  staleIndex: number,
  record: TimestampedRecommendation,
): TimestampedRecommendation[] {
  const next = recommendations.slice();
  if (staleIndex >= 0) next[staleIndex] = record;
  else next.push(record);
  return next;
}

/**
 * Legacy `stabilizeRecommendation`: the maximum of the raw proposal and every record
 * not older than the window — a record exactly at `now − window` still counts.
 */
export function stabilizeRecommendation(
  recommendations: readonly TimestampedRecommendation[],
  rawReplicas: number,
  nowSeconds: number,
  windowSeconds: number,
): Stabilized {
  const cutoff = nowSeconds - windowSeconds;
  let replicas = rawReplicas;
  let staleIndex = -1;
  for (let i = 0; i < recommendations.length; i++) {
    const record = recommendations[i];
    if (record.timestampSeconds < cutoff) staleIndex = i;
    else if (record.replicas > replicas) replicas = record.replicas;
  }
  const stored = recordRecommendation(recommendations, staleIndex, {
    timestampSeconds: nowSeconds,
    replicas: rawReplicas,
  });
  return { replicas, recommendations: stored };
}

/** Legacy per-reconcile cap: never more than max(2 × current, 4) in one step. */
export function legacyScaleUpLimit(currentReplicas: number): number {
  return Math.trunc(Math.max(2 * currentReplicas, 4));
}

/** `convertDesiredReplicasWithRules` (legacy path): min, max and the 2×/4 cap, with the limiting reason. */
export function limitReplicasLegacy(
  currentReplicas: number,
  desiredReplicas: number,
  minReplicas: number,
  maxReplicas: number,
): LimitedReplicas {
  const upLimit = legacyScaleUpLimit(currentReplicas);
  const capIsRate = maxReplicas > upLimit;
  const maximumAllowed = capIsRate ? upLimit : maxReplicas;
  if (desiredReplicas < minReplicas) {
    return { replicas: minReplicas, reason: 'TooFewReplicas', message: MESSAGES.TooFewReplicas };
  }
  if (desiredReplicas > maximumAllowed) {
    const reason = capIsRate ? 'ScaleUpLimit' : 'TooManyReplicas';
    return { replicas: maximumAllowed, reason, message: MESSAGES[reason] };
  }
  return { replicas: desiredReplicas, reason: 'DesiredWithinRange', message: WITHIN_RANGE };
}

/**
 * The clamp of `stabilizeRecommendationWithBehaviors`: the current replicas moved into
 * [lowest record of the up window, highest record of the down window], the raw proposal counting in both.
 * "In the window" means strictly after `now − window`, so a scale-up needs every record in the up window
 * above current and a scale-down goes no lower than the highest record in the down window. Generic over
 * the record so the planner's memory, which names the value differently, uses the same rule.
 */
export function stabilizeWithinWindows<R extends { readonly timestampSeconds: number }>(
  records: readonly R[],
  replicasOf: (record: R) => number,
  args: {
    readonly rawReplicas: number;
    readonly currentReplicas: number;
    readonly scaleUpWindowSeconds: number;
    readonly scaleDownWindowSeconds: number;
    readonly nowSeconds: number;
  },
): number {
  const upCutoff = args.nowSeconds - args.scaleUpWindowSeconds;
  const downCutoff = args.nowSeconds - args.scaleDownWindowSeconds;
  let upRecommendation = args.rawReplicas;
  let downRecommendation = args.rawReplicas;
  for (let i = 0; i < records.length; i++) {
    const timestampSeconds = records[i].timestampSeconds;
    const replicas = replicasOf(records[i]);
    if (timestampSeconds > upCutoff && replicas < upRecommendation) upRecommendation = replicas;
    if (timestampSeconds > downCutoff && replicas > downRecommendation) downRecommendation = replicas;
  }
  let replicas = args.currentReplicas;
  if (replicas < upRecommendation) replicas = upRecommendation;
  if (replicas > downRecommendation) replicas = downRecommendation;
  return replicas;
}

const replicasOfRecommendation = (record: TimestampedRecommendation): number => record.replicas;

/**
 * `stabilizeRecommendationWithBehaviors`: `stabilizeWithinWindows`, then `(now, raw)` is
 * stored over the last record older than both windows, or appended.
 */
export function stabilizeRecommendationWithBehaviors(args: {
  readonly recommendations: readonly TimestampedRecommendation[];
  readonly rawReplicas: number;
  readonly currentReplicas: number;
  readonly scaleUpWindowSeconds: number;
  readonly scaleDownWindowSeconds: number;
  readonly nowSeconds: number;
}): Stabilized & { readonly reason: 'ScaleUpStabilized' | 'ScaleDownStabilized'; readonly message: string } {
  const { recommendations, rawReplicas, nowSeconds } = args;
  const replicas = stabilizeWithinWindows(recommendations, replicasOfRecommendation, args);
  const upCutoff = nowSeconds - args.scaleUpWindowSeconds;
  const downCutoff = nowSeconds - args.scaleDownWindowSeconds;
  let staleIndex = -1;
  for (let i = 0; i < recommendations.length; i++) {
    const timestampSeconds = recommendations[i].timestampSeconds;
    if (timestampSeconds < upCutoff && timestampSeconds < downCutoff) staleIndex = i;
  }
  const stored = recordRecommendation(recommendations, staleIndex, {
    timestampSeconds: nowSeconds,
    replicas: rawReplicas,
  });
  const up = rawReplicas >= args.currentReplicas;
  return {
    replicas,
    recommendations: stored,
    reason: up ? 'ScaleUpStabilized' : 'ScaleDownStabilized',
    message: up
      ? 'recent recommendations were lower than current one, applying the lowest recent recommendation'
      : 'recent recommendations were higher than current one, applying the highest recent recommendation',
  };
}

/** `getReplicasChangePerPeriod`: replicas changed by events strictly after `now − period`. */
export function replicasChangedInPeriod<E extends { readonly timestampSeconds: number }>(
  events: readonly E[],
  periodSeconds: number,
  nowSeconds: number,
  changeOf: (event: E) => number,
): number {
  const cutoff = nowSeconds - periodSeconds;
  let changed = 0;
  for (let i = 0; i < events.length; i++) {
    if (events[i].timestampSeconds > cutoff) changed += changeOf(events[i]);
  }
  return changed;
}

const replicaChangeOf = (event: TimestampedScaleEvent): number => event.replicaChange;

/** A rate limit with the policy that set it (null when selectPolicy is Disabled) and that policy's period start. */
export interface RateLimit {
  readonly limit: number;
  readonly policy: ScalingPolicy | null;
  readonly periodStartReplicas: number;
}

/** Replicas at the start of a period of `periodSeconds` that ends now. */
export type PeriodStartReplicas = (periodSeconds: number) => number;

/**
 * Period start from a scale-event memory: current, minus what was added, plus what was removed in the period.
 * Generic over the event so the planner's memory, which names the change differently, uses the same rule.
 */
export function periodStartFromEvents<E extends { readonly timestampSeconds: number }>(
  currentReplicas: number,
  scaleUpEvents: readonly E[],
  scaleDownEvents: readonly E[],
  nowSeconds: number,
  changeOf: (event: E) => number,
): PeriodStartReplicas {
  return (periodSeconds) =>
    currentReplicas -
    replicasChangedInPeriod(scaleUpEvents, periodSeconds, nowSeconds, changeOf) +
    replicasChangedInPeriod(scaleDownEvents, periodSeconds, nowSeconds, changeOf);
}

/**
 * `calculateScaleUpLimitWithScalingRules`: the most replicas the scale-up policies allow now.
 * Pods: start + value; Percent: ceil(start × (1 + value/100)); Max takes the largest, Min the smallest.
 */
export function scaleUpLimit(
  currentReplicas: number,
  rules: ScalingRules,
  periodStart: PeriodStartReplicas,
): RateLimit {
  if (rules.selectPolicy === 'Disabled') {
    return { limit: currentReplicas, policy: null, periodStartReplicas: currentReplicas };
  }
  const takeMin = rules.selectPolicy === 'Min';
  let limit = takeMin ? 2_147_483_647 : -2_147_483_648;
  let chosen: ScalingPolicy | null = null;
  let chosenStart = currentReplicas;
  for (const policy of rules.policies) {
    const start = periodStart(policy.periodSeconds);
    const proposed = policy.type === 'Pods' ? start + policy.value : Math.ceil(start * (1 + policy.value / 100));
    if (takeMin ? proposed < limit : proposed > limit) {
      limit = proposed;
      chosen = policy;
      chosenStart = start;
    }
  }
  return { limit, policy: chosen, periodStartReplicas: chosenStart };
}

/**
 * `calculateScaleDownLimitWithBehaviors`: the fewest replicas the scale-down policies allow now.
 * Pods: start − value; Percent: trunc(start × (1 − value/100)), as Go's int32 conversion truncates (so
 * 10 × (1 − 0.8) = 1.999… allows 1); Max picks the largest change (lowest limit).
 */
export function scaleDownLimit(
  currentReplicas: number,
  rules: ScalingRules,
  periodStart: PeriodStartReplicas,
): RateLimit {
  if (rules.selectPolicy === 'Disabled') {
    return { limit: currentReplicas, policy: null, periodStartReplicas: currentReplicas };
  }
  const takeHighest = rules.selectPolicy === 'Min';
  let limit = takeHighest ? -2_147_483_648 : 2_147_483_647;
  let chosen: ScalingPolicy | null = null;
  let chosenStart = currentReplicas;
  for (const policy of rules.policies) {
    const start = periodStart(policy.periodSeconds);
    const proposed = policy.type === 'Pods' ? start - policy.value : Math.trunc(start * (1 - policy.value / 100));
    if (takeHighest ? proposed > limit : proposed < limit) {
      limit = proposed;
      chosen = policy;
      chosenStart = start;
    }
  }
  return { limit, policy: chosen, periodStartReplicas: chosenStart };
}

/**
 * `convertDesiredReplicasWithBehaviorRate`: the rate limit of the direction of travel,
 * never past current, then maxReplicas (up) or minReplicas (down). The period start is passed in so a
 * caller with its own event memory (the planner) applies the same rule.
 */
export function limitReplicasToRate(args: {
  readonly scaleUp: ScalingRules;
  readonly scaleDown: ScalingRules;
  readonly periodStart: PeriodStartReplicas;
  readonly currentReplicas: number;
  readonly desiredReplicas: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
}): LimitedReplicas & { readonly rateLimit: RateLimit | null } {
  const { currentReplicas, desiredReplicas } = args;
  if (desiredReplicas > currentReplicas) {
    const rate = scaleUpLimit(currentReplicas, args.scaleUp, args.periodStart);
    const limit = Math.max(rate.limit, currentReplicas);
    const rateBinds = args.maxReplicas > limit;
    const maximumAllowed = rateBinds ? limit : args.maxReplicas;
    if (desiredReplicas > maximumAllowed) {
      const reason = rateBinds ? 'ScaleUpLimit' : 'TooManyReplicas';
      return { replicas: maximumAllowed, reason, message: MESSAGES[reason], rateLimit: rate };
    }
    return { replicas: desiredReplicas, reason: 'DesiredWithinRange', message: WITHIN_RANGE, rateLimit: rate };
  }
  if (desiredReplicas < currentReplicas) {
    const rate = scaleDownLimit(currentReplicas, args.scaleDown, args.periodStart);
    const limit = Math.min(rate.limit, currentReplicas);
    const rateBinds = args.minReplicas < limit;
    const minimumAllowed = rateBinds ? limit : args.minReplicas;
    if (desiredReplicas < minimumAllowed) {
      const reason = rateBinds ? 'ScaleDownLimit' : 'TooFewReplicas';
      return { replicas: minimumAllowed, reason, message: MESSAGES[reason], rateLimit: rate };
    }
    return { replicas: desiredReplicas, reason: 'DesiredWithinRange', message: WITHIN_RANGE, rateLimit: rate };
  }
  return { replicas: desiredReplicas, reason: 'DesiredWithinRange', message: WITHIN_RANGE, rateLimit: null };
}

/** `limitReplicasToRate` over the HPA's own scale-event memory. */
export function limitReplicasWithBehavior(args: {
  readonly behavior: HpaBehavior;
  readonly scaleUpEvents: readonly TimestampedScaleEvent[];
  readonly scaleDownEvents: readonly TimestampedScaleEvent[];
  readonly currentReplicas: number;
  readonly desiredReplicas: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly nowSeconds: number;
}): LimitedReplicas & { readonly rateLimit: RateLimit | null } {
  return limitReplicasToRate({
    scaleUp: args.behavior.scaleUp,
    scaleDown: args.behavior.scaleDown,
    periodStart: periodStartFromEvents(
      args.currentReplicas,
      args.scaleUpEvents,
      args.scaleDownEvents,
      args.nowSeconds,
      replicaChangeOf,
    ),
    currentReplicas: args.currentReplicas,
    desiredReplicas: args.desiredReplicas,
    minReplicas: args.minReplicas,
    maxReplicas: args.maxReplicas,
  });
}

/** `getLongestPolicyPeriod`. */
export function longestPolicyPeriodSeconds(rules: ScalingRules): number {
  let longest = 0;
  for (const policy of rules.policies) if (policy.periodSeconds > longest) longest = policy.periodSeconds;
  return longest;
}

/** `markScaleEventsOutdated`: flags events strictly older than `now − longest period` (the flag is never cleared). */
export function markScaleEventsOutdated(
  events: readonly TimestampedScaleEvent[],
  longestPeriodSeconds: number,
  nowSeconds: number,
): TimestampedScaleEvent[] {
  const cutoff = nowSeconds - longestPeriodSeconds;
  return events.map((event) =>
    event.timestampSeconds < cutoff && !event.outdated ? { ...event, outdated: true } : event,
  );
}

/**
 * `storeScaleEvent`, after a successful rescale on the behavior path: in the
 * direction's list, mark outdated events, then write `(now, |change|)` over the last outdated slot or
 * append it.
 */
export function storeScaleEvent(args: {
  readonly behavior: HpaBehavior;
  readonly scaleUpEvents: readonly TimestampedScaleEvent[];
  readonly scaleDownEvents: readonly TimestampedScaleEvent[];
  readonly previousReplicas: number;
  readonly newReplicas: number;
  readonly nowSeconds: number;
}): {
  readonly scaleUpEvents: readonly TimestampedScaleEvent[];
  readonly scaleDownEvents: readonly TimestampedScaleEvent[];
} {
  const up = args.newReplicas > args.previousReplicas;
  const rules = up ? args.behavior.scaleUp : args.behavior.scaleDown;
  const events = markScaleEventsOutdated(
    up ? args.scaleUpEvents : args.scaleDownEvents,
    longestPolicyPeriodSeconds(rules),
    args.nowSeconds,
  );
  const event: TimestampedScaleEvent = {
    timestampSeconds: args.nowSeconds,
    replicaChange: Math.abs(args.newReplicas - args.previousReplicas),
    outdated: false,
  };
  let outdatedIndex = -1;
  for (let i = 0; i < events.length; i++) if (events[i].outdated) outdatedIndex = i;
  if (outdatedIndex >= 0) events[outdatedIndex] = event;
  else events.push(event);
  return up
    ? { scaleUpEvents: events, scaleDownEvents: args.scaleDownEvents }
    : { scaleUpEvents: args.scaleUpEvents, scaleDownEvents: events };
}

/** Everything normalization reads (the controller's `NormalizationArg` plus its memory and clock). */
export interface NormalizationArgs {
  readonly recommendations: readonly TimestampedRecommendation[];
  /** Read on the behavior path only. */
  readonly scaleUpEvents: readonly TimestampedScaleEvent[];
  readonly scaleDownEvents: readonly TimestampedScaleEvent[];
  readonly currentReplicas: number;
  /** The metric proposal before stabilization. */
  readonly rawReplicas: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** The downscale-stabilization flag: the legacy window, and the behavior default when scaleDown leaves it nil. */
  readonly downscaleStabilizationWindowSeconds: number;
  readonly nowSeconds: number;
}

/** The outcome of normalization: replicas, the two conditions it sets, and the recommendation memory. */
export interface Normalized {
  readonly replicas: number;
  readonly ableToScale: HpaCondition;
  readonly scalingLimited: HpaCondition;
  readonly recommendations: readonly TimestampedRecommendation[];
}

function scalingLimited(limited: LimitedReplicas, stabilizedReplicas: number): HpaCondition {
  return {
    type: 'ScalingLimited',
    status: limited.replicas === stabilizedReplicas ? 'False' : 'True',
    reason: limited.reason,
    message: limited.message,
  };
}

const READY_FOR_NEW_SCALE: HpaCondition = {
  type: 'AbleToScale',
  status: 'True',
  reason: 'ReadyForNewScale',
  message: 'recommended size matches current size',
};

/** `normalizeDesiredReplicas`: the path of an HPA without `spec.behavior`. */
export function normalizeLegacy(args: NormalizationArgs): Normalized {
  const stabilized = stabilizeRecommendation(
    args.recommendations,
    args.rawReplicas,
    args.nowSeconds,
    args.downscaleStabilizationWindowSeconds,
  );
  const ableToScale: HpaCondition =
    stabilized.replicas !== args.rawReplicas
      ? {
          type: 'AbleToScale',
          status: 'True',
          reason: 'ScaleDownStabilized',
          message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
        }
      : READY_FOR_NEW_SCALE;
  const limited = limitReplicasLegacy(args.currentReplicas, stabilized.replicas, args.minReplicas, args.maxReplicas);
  return {
    replicas: limited.replicas,
    ableToScale,
    scalingLimited: scalingLimited(limited, stabilized.replicas),
    recommendations: stabilized.recommendations,
  };
}

/** `normalizeDesiredReplicasWithBehaviors`: stabilization windows, then rate policies and min/max. */
export function normalizeWithBehavior(behavior: HpaBehavior, args: NormalizationArgs): Normalized {
  const stabilized = stabilizeRecommendationWithBehaviors({
    recommendations: args.recommendations,
    rawReplicas: args.rawReplicas,
    currentReplicas: args.currentReplicas,
    scaleUpWindowSeconds: behavior.scaleUp.stabilizationWindowSeconds,
    scaleDownWindowSeconds: behavior.scaleDown.stabilizationWindowSeconds ?? args.downscaleStabilizationWindowSeconds,
    nowSeconds: args.nowSeconds,
  });
  const ableToScale: HpaCondition =
    stabilized.replicas !== args.rawReplicas
      ? { type: 'AbleToScale', status: 'True', reason: stabilized.reason, message: stabilized.message }
      : READY_FOR_NEW_SCALE;
  const limited = limitReplicasWithBehavior({
    behavior,
    scaleUpEvents: args.scaleUpEvents,
    scaleDownEvents: args.scaleDownEvents,
    currentReplicas: args.currentReplicas,
    desiredReplicas: stabilized.replicas,
    minReplicas: args.minReplicas,
    maxReplicas: args.maxReplicas,
    nowSeconds: args.nowSeconds,
  });
  return {
    replicas: limited.replicas,
    ableToScale,
    scalingLimited: scalingLimited(limited, stabilized.replicas),
    recommendations: stabilized.recommendations,
  };
}
