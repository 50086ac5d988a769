import { type Forecast, PrescaleError, type Series } from '../core/index.js';
import { describeFallback, type FallbackState, initialFallbackState } from './fallback.js';
import { bucketWindow, peakQuantileLoad, upperSpreadFactor } from './quantile.js';
import { limitRate, recordRecommendation, recordScaleEvent, stabilize } from './ramp.js';
import { ceilReplicas, reactiveReplicas } from './reactive.js';
import { peakSpreadLoad, recentErrorSpread } from './recent-errors.js';
import { seasonalEnvelopeLoad } from './seasonal-envelope.js';
import { formatLoad } from './stats.js';
import type {
  BoundBy,
  BudgetPolicy,
  PlannerPolicy,
  PlannerState,
  PlanningEvidence,
  PodProfile,
  ReplicaDecision,
  ReplicaPlanInput,
  ScheduleEntry,
} from './types.js';

/**
 * Who wins when constraints disagree, strongest first. Each rank overrides every rank below it, and a
 * decision's `conflict` names the two ranks when it had to choose:
 * 1. minReplicas / maxReplicas: hard bounds, always hold (minReplicas even above the budget);
 * 2. budget (maxCores, maxCostPerHour): a hard cap under maxReplicas, applied at once like maxReplicas;
 * 3. ramp: stabilization windows and the scale-up / scale-down rate limits (the HPA's behavior);
 * 4. reactive floor (and, in fallback, the reactive recommendation itself);
 * 5. forecast: quantile over the lead time, headroom, SLO check.
 */
export const PRECEDENCE = [
  'minReplicas / maxReplicas',
  'budget',
  'ramp (stabilization, rate limits)',
  'reactive floor',
  'forecast',
] as const;

const RANK: Record<BoundBy, number> = {
  'min-replicas': 1,
  'max-replicas': 1,
  budget: 2,
  'scale-up-stabilization': 3,
  'scale-down-stabilization': 3,
  'scale-up-limit': 3,
  'scale-down-limit': 3,
  'reactive-floor': 4,
  fallback: 4,
  forecast: 5,
  slo: 5,
};

/** The schedule stops after this many sync periods (three and a half days at 15 s), whatever the forecast. */
const MAX_SCHEDULE_STEPS = 20_000;

/** Replicas never exceed the int32 range the Kubernetes scale subresource holds. */
const MAX_REPLICAS_REPRESENTABLE = 2_147_483_647;

/** Memory before the first decision. */
export const initialPlannerState: PlannerState = {
  recommendations: [],
  scaleUpEvents: [],
  scaleDownEvents: [],
  lastScaleSeconds: null,
  fallback: initialFallbackState,
};

/**
 * Replicas the budget allows: floor(maxCores / CPU request per pod) and floor(maxCostPerHour / cost per pod),
 * the smaller; null when no budget applies (or the pod profile lacks the request or cost it needs).
 */
export function budgetReplicas(budget: BudgetPolicy, pod: PodProfile): number | null {
  let cap = -1;
  if (budget.maxCores !== null && pod.cpuRequestMillicores !== null && pod.cpuRequestMillicores > 0) {
    cap = Math.floor((budget.maxCores * 1000) / pod.cpuRequestMillicores + 1e-9);
  }
  if (budget.maxCostPerHour !== null && pod.costPerHour !== null && pod.costPerHour > 0) {
    const byCost = Math.floor(budget.maxCostPerHour / pod.costPerHour + 1e-9);
    cap = cap < 0 ? byCost : Math.min(cap, byCost);
  }
  return cap < 0 ? null : cap;
}

/** How one decision reads a planned load off the forecast: the spread rule's numbers, fixed per decision. */
interface LoadSizing {
  /** Factor on the model's interval (`upperSpreadFactor`); used when `spread` is null. */
  readonly k: number;
  /** The recent standardized misses' quantile (`planner.uncertainty: RecentErrors`); null = the model's interval. */
  readonly spread: number | null;
  /** The observed load the seasonal envelope reads; null when the envelope is off or nothing was observed. */
  readonly recentLoad: Series | null;
  /** `planner.tolerance`: the envelope binds only above the forecast's load by more than this fraction. */
  readonly tolerance: number;
}

function loadSizing(forecast: Forecast, policy: PlannerPolicy, evidence: PlanningEvidence | undefined): LoadSizing {
  const level = forecast.intervals?.level;
  let k = level === undefined ? 0 : upperSpreadFactor(policy.quantile, level);
  if (!(k >= 0 && Number.isFinite(k))) k = 0;
  const spread =
    policy.uncertainty === 'RecentErrors' && evidence !== undefined
      ? recentErrorSpread(evidence.recentMisses, policy.quantile)
      : null;
  const recentLoad = policy.seasonalEnvelope === 'Daily' ? (evidence?.recentLoad ?? null) : null;
  return { k, spread, recentLoad, tolerance: policy.tolerance };
}

/** A planned load and what set it: the forecast's quantile, or the level that recurred at this time (the envelope). */
interface PlannedLoad {
  readonly load: number;
  readonly by: 'forecast' | 'envelope';
}

/**
 * Highest load to plan for over [fromSeconds, toSeconds]: the forecast's quantile over the buckets of that window
 * (the recent misses' spread or the model's interval) and, with the seasonal envelope, the level that recurred at
 * this time of day (`seasonalEnvelopeLoad`) when it is above the forecast's by more than `planner.tolerance`.
 */
function plannedLoadOver(
  forecast: Forecast,
  sizing: LoadSizing,
  nowSeconds: number,
  fromSeconds: number,
  toSeconds: number,
): PlannedLoad {
  const window = bucketWindow(forecast, fromSeconds, toSeconds);
  const load =
    sizing.spread === null
      ? peakQuantileLoad(forecast, sizing.k, window.first, window.last)
      : peakSpreadLoad(forecast, sizing.spread, window.first, window.last);
  if (sizing.recentLoad === null) return { load, by: 'forecast' };
  const recurring = seasonalEnvelopeLoad(sizing.recentLoad, nowSeconds, fromSeconds, toSeconds);
  // A recurring level within the tolerance band of the forecast is the slack the target leaves (as for the HPA).
  return recurring !== null && recurring > load * (1 + sizing.tolerance)
    ? { load: recurring, by: 'envelope' }
    : { load, by: 'forecast' };
}

/** Replicas for a planned load: capacity with headroom, and the SLO's per-pod limit when set. */
function replicasForLoad(load: number, policy: PlannerPolicy, pod: PodProfile): { replicas: number; boundBy: BoundBy } {
  const perPod = pod.loadPerPod > 0 ? pod.loadPerPod : Number.MIN_VALUE;
  const byCapacity = Math.min(
    MAX_REPLICAS_REPRESENTABLE,
    ceilReplicas((load * (1 + policy.headroomPercent / 100)) / perPod),
  );
  const slo = policy.sloMaxLoadPerPod;
  if (slo !== null && slo > 0) {
    const bySlo = Math.min(MAX_REPLICAS_REPRESENTABLE, ceilReplicas(load / slo));
    if (bySlo > byCapacity) return { replicas: bySlo, boundBy: 'slo' };
  }
  return { replicas: byCapacity, boundBy: 'forecast' };
}

/** What bounds replicas capped at min(maxReplicas, budget), at least minReplicas. */
function budgetBound(budget: number | null, policy: PlannerPolicy): BoundBy {
  if (budget === null || budget >= policy.maxReplicas) return 'max-replicas';
  return budget < policy.minReplicas ? 'min-replicas' : 'budget';
}

/** One step of normalization and its memory: what the HPA does after its metric proposal. */
interface Step {
  readonly desired: number;
  /** The constraint that moved the value away from the raw recommendation; null when none did. */
  readonly limitedBy: BoundBy | null;
  readonly state: PlannerState;
}

/**
 * Turns a raw recommendation into replicas, in precedence order, and updates the memory:
 * current outside [min, upper] → straight to the bound (as the HPA's reconcile does, no stabilization);
 * otherwise stabilization, rate limits with min/max, then the budget (never below minReplicas).
 * Scale events are recorded only when `act`, as the HPA records them only after a real rescale.
 */
function step(
  raw: number,
  current: number,
  state: PlannerState,
  nowSeconds: number,
  policy: PlannerPolicy,
  budget: number | null,
  act: boolean,
  fallback: FallbackState,
): Step {
  const { minReplicas, maxReplicas, scaleUp, scaleDown } = policy;
  const budgetCap = budget === null ? maxReplicas : Math.max(minReplicas, Math.min(maxReplicas, budget));
  let desired: number;
  let limitedBy: BoundBy | null = null;
  let recommendations = state.recommendations;
  if (current > budgetCap) {
    desired = budgetCap;
    limitedBy = budgetBound(budget, policy);
  } else if (current < minReplicas) {
    desired = minReplicas;
    limitedBy = 'min-replicas';
  } else {
    // The HPA's first reconcile remembers the current replicas, so nothing scales down in the first window.
    const memory = recommendations.length === 0 ? [{ timestampSeconds: nowSeconds, value: current }] : recommendations;
    const stabilized = stabilize(raw, current, memory, nowSeconds, scaleUp, scaleDown);
    const limited = limitRate(
      stabilized,
      current,
      state.scaleUpEvents,
      state.scaleDownEvents,
      nowSeconds,
      scaleUp,
      scaleDown,
      minReplicas,
      maxReplicas,
    );
    desired = limited.replicas;
    if (desired > budgetCap) {
      desired = budgetCap;
      limitedBy = budgetBound(budget, policy);
    } else if (limited.boundBy !== null) {
      limitedBy = limited.boundBy;
    } else if (stabilized !== raw) {
      limitedBy = stabilized > raw ? 'scale-down-stabilization' : 'scale-up-stabilization';
    }
    recommendations = recordRecommendation(memory, raw, nowSeconds, scaleUp, scaleDown);
  }
  const changed = act && desired !== current;
  const events = changed
    ? recordScaleEvent(state.scaleUpEvents, state.scaleDownEvents, current, desired, nowSeconds, scaleUp, scaleDown)
    : state;
  return {
    desired,
    limitedBy,
    state: {
      recommendations,
      scaleUpEvents: events.scaleUpEvents,
      scaleDownEvents: events.scaleDownEvents,
      lastScaleSeconds: changed ? nowSeconds : state.lastScaleSeconds,
      fallback,
    },
  };
}

/**
 * One replica decision: the forecast (its quantile at the peak over [now, now + podStartup], plus headroom,
 * the SLO check) or, in fallback, the reactive recommendation; then max(predictive, reactive floor); then the
 * HPA's stabilization and rate limits, min/max and the budget, by `PRECEDENCE`. Pure: state in, state out,
 * time passed in. In ForecastOnly mode the decision is computed and explained but `act` is false and no
 * scale event is remembered.
 */
export function planReplicas(
  input: ReplicaPlanInput,
  state: PlannerState,
  nowSeconds: number,
): { decision: ReplicaDecision; state: PlannerState } {
  const { policy, pod, current, forecast, fallback } = input;
  const reactive = reactiveReplicas(current, policy.targetUtilizationPercent, pod.loadPerPod, policy.tolerance);
  let predictive: number | null = null;
  let plannedLoad: number | null = null;
  let plannedBy: PlannedLoad['by'] = 'forecast';
  let raw: number;
  let rawBound: BoundBy;
  if (forecast !== null) {
    const window = bucketWindow(forecast, nowSeconds, nowSeconds + policy.podStartupSeconds);
    if (window.short) {
      throw new PrescaleError(
        'invalid-input',
        'forecast: ends before now + podStartup; decideFallback hands the planner only a forecast that covers it',
        { field: 'forecast' },
      );
    }
    const planned = plannedLoadOver(
      forecast,
      loadSizing(forecast, policy, input.evidence),
      nowSeconds,
      nowSeconds,
      nowSeconds + policy.podStartupSeconds,
    );
    plannedLoad = planned.load;
    plannedBy = planned.by;
    const forLoad = replicasForLoad(plannedLoad, policy, pod);
    predictive = forLoad.replicas;
    if (policy.reactiveFloor && reactive !== null && reactive > predictive) {
      raw = reactive;
      rawBound = 'reactive-floor';
    } else {
      raw = predictive;
      rawBound = forLoad.boundBy;
    }
  } else {
    raw = reactive ?? current.replicas;
    rawBound = 'fallback';
  }
  if (raw > MAX_REPLICAS_REPRESENTABLE) raw = MAX_REPLICAS_REPRESENTABLE;
  const budget = budgetReplicas(policy.budget, pod);
  const act = policy.mode === 'Auto';
  const next = step(raw, current.replicas, state, nowSeconds, policy, budget, act, fallback);
  const boundBy = next.limitedBy ?? rawBound;
  const conflict = conflictText(rawBound, raw, next.desired, next.limitedBy, budget, policy);
  const decision: ReplicaDecision = {
    desiredReplicas: next.desired,
    act,
    currentReplicas: current.replicas,
    recommendedReplicas: raw,
    predictiveReplicas: predictive,
    reactiveReplicas: reactive,
    plannedLoad,
    budgetReplicas: budget,
    boundBy,
    reason: explain(
      { boundBy, rawBound, raw, desired: next.desired, predictive, plannedLoad, plannedBy, reactive, budget, conflict },
      input,
      nowSeconds,
    ),
    conflict,
    fallback: { active: fallback.active, reasons: fallback.reasons },
  };
  return { decision, state: next.state };
}

/**
 * The plan over the forecast's horizon: the decision now, then every change the plan would make at each
 * sync period while the forecast covers now + podStartup, assuming the forecast holds and the plan is
 * applied (ramp limits and stabilization included). The reactive floor applies only now: future metrics are
 * unknown. In fallback there is no forecast to follow, so the schedule is the decision now alone.
 */
export function planSchedule(input: ReplicaPlanInput, state: PlannerState, nowSeconds: number): ScheduleEntry[] {
  const policy: PlannerPolicy = input.policy.mode === 'Auto' ? input.policy : { ...input.policy, mode: 'Auto' };
  const first = planReplicas({ ...input, policy }, state, nowSeconds);
  const entries: ScheduleEntry[] = [
    {
      timeSeconds: nowSeconds,
      replicas: first.decision.desiredReplicas,
      plannedLoad: first.decision.plannedLoad,
      boundBy: first.decision.boundBy,
    },
  ];
  const forecast = input.forecast;
  if (first.decision.fallback.active || forecast === null || !(policy.syncPeriodSeconds > 0)) return entries;
  const budget = budgetReplicas(policy.budget, input.pod);
  const sizing = loadSizing(forecast, policy, input.evidence);
  const end = forecast.startSeconds + forecast.point.length * forecast.stepSeconds;
  let current = first.decision.desiredReplicas;
  let memory = first.state;
  const last = nowSeconds + MAX_SCHEDULE_STEPS * policy.syncPeriodSeconds;
  for (
    let t = nowSeconds + policy.syncPeriodSeconds;
    t + policy.podStartupSeconds < end && t <= last;
    t += policy.syncPeriodSeconds
  ) {
    const plannedLoad = plannedLoadOver(forecast, sizing, nowSeconds, t, t + policy.podStartupSeconds).load;
    const forLoad = replicasForLoad(plannedLoad, policy, input.pod);
    const next = step(forLoad.replicas, current, memory, t, policy, budget, true, memory.fallback);
    if (next.desired !== current) {
      entries.push({ timeSeconds: t, replicas: next.desired, plannedLoad, boundBy: next.limitedBy ?? forLoad.boundBy });
    }
    current = next.desired;
    memory = next.state;
  }
  return entries;
}

/** When the precedence had to choose between two constraints, says which won and why; null otherwise. */
function conflictText(
  rawBound: BoundBy,
  raw: number,
  desired: number,
  limitedBy: BoundBy | null,
  budget: number | null,
  policy: PlannerPolicy,
): string | null {
  if (
    budget !== null &&
    budget < policy.minReplicas &&
    desired === policy.minReplicas &&
    limitedBy === 'min-replicas'
  ) {
    return `the budget allows ${budget} replicas, below minReplicas ${policy.minReplicas}: minReplicas wins (precedence 1 over 2)`;
  }
  if ((rawBound === 'reactive-floor' || rawBound === 'fallback') && limitedBy !== null && desired < raw) {
    const what = rawBound === 'reactive-floor' ? 'the reactive floor' : 'the reactive recommendation';
    return `${what} asks for ${raw}, ${boundName(limitedBy)} allows ${desired}: ${boundName(limitedBy)} wins (precedence ${RANK[limitedBy]} over 4)`;
  }
  return null;
}

function boundName(bound: BoundBy): string {
  switch (bound) {
    case 'min-replicas':
      return 'minReplicas';
    case 'max-replicas':
      return 'maxReplicas';
    case 'budget':
      return 'the budget';
    case 'scale-up-stabilization':
      return 'scale-up stabilization';
    case 'scale-down-stabilization':
      return 'scale-down stabilization';
    case 'scale-up-limit':
      return 'the scale-up limit';
    case 'scale-down-limit':
      return 'the scale-down limit';
    case 'reactive-floor':
      return 'the reactive floor';
    case 'fallback':
      return 'the reactive recommendation';
    case 'forecast':
      return 'the forecast';
    case 'slo':
      return 'the SLO';
  }
}

interface Explained {
  readonly boundBy: BoundBy;
  readonly rawBound: BoundBy;
  readonly raw: number;
  readonly desired: number;
  readonly predictive: number | null;
  readonly plannedLoad: number | null;
  readonly plannedBy: PlannedLoad['by'];
  readonly reactive: number | null;
  readonly budget: number | null;
  readonly conflict: string | null;
}

function rateText(rules: PlannerPolicy['scaleUp']): string {
  const parts: string[] = [];
  if (rules.maxPodsPerPeriod !== null) parts.push(`${rules.maxPodsPerPeriod} pods`);
  if (rules.maxPercentPerPeriod !== null) parts.push(`${rules.maxPercentPerPeriod}%`);
  return `${parts.join(' or ')} per ${rules.periodSeconds} s`;
}

/** The one-line explanation: what was chosen, which input bound it, and any precedence decision. */
function explain(e: Explained, input: ReplicaPlanInput, nowSeconds: number): string {
  const { policy, pod } = input;
  const load = e.plannedLoad === null ? '' : formatLoad(e.plannedLoad);
  const source =
    e.rawBound === 'forecast' || e.rawBound === 'slo'
      ? e.plannedBy === 'envelope'
        ? `load on each of the last days at this time held ${load} over the next ${policy.podStartupSeconds} s, above the forecast`
        : `forecast q${policy.quantile}${policy.uncertainty === 'RecentErrors' ? ' (recent misses)' : ''} peak ${load} over the next ${policy.podStartupSeconds} s`
      : e.rawBound === 'reactive-floor'
        ? `reactive floor ${e.reactive} from current metrics, above the forecast's ${e.predictive}`
        : e.reactive === null
          ? `no current metrics, holding ${e.raw}`
          : `reactive recommendation ${e.reactive} from current metrics`;
  let text: string;
  switch (e.boundBy) {
    case 'forecast':
      text = `${e.desired} replicas: ${source}, +${policy.headroomPercent}% headroom at ${formatLoad(pod.loadPerPod)} per pod`;
      break;
    case 'slo':
      text = `${e.desired} replicas: ${source}, per-pod load kept ≤ the SLO limit ${formatLoad(policy.sloMaxLoadPerPod ?? 0)}`;
      break;
    case 'reactive-floor':
    case 'fallback':
      text = `${e.desired} replicas: ${source}`;
      break;
    case 'scale-up-stabilization':
      text = `${e.desired} replicas: scale-up stabilization (lowest recommendation of the last ${policy.scaleUp.stabilizationWindowSeconds} s) holds back ${e.raw} (${source})`;
      break;
    case 'scale-down-stabilization':
      text = `${e.desired} replicas: scale-down stabilization (highest recommendation of the last ${policy.scaleDown.stabilizationWindowSeconds} s) holds off ${e.raw} (${source})`;
      break;
    case 'scale-up-limit':
      text = `${e.desired} replicas: scale-up limit (${rateText(policy.scaleUp)}) holds back ${e.raw} (${source})`;
      break;
    case 'scale-down-limit':
      text = `${e.desired} replicas: scale-down limit (${rateText(policy.scaleDown)}) holds off ${e.raw} (${source})`;
      break;
    case 'max-replicas':
      text = `${e.desired} replicas: maxReplicas caps ${e.raw} (${source})`;
      break;
    case 'min-replicas':
      text = `${e.desired} replicas: minReplicas raises ${e.raw} (${source})`;
      break;
    case 'budget':
      text = `${e.desired} replicas: the budget (${budgetText(policy.budget, pod)}) caps ${e.raw} (${source})`;
      break;
  }
  if (input.fallback.active) text = `${describeFallback(input.fallback, nowSeconds, policy.fallback)} — ${text}`;
  if (policy.mode === 'ForecastOnly') text = `ForecastOnly, not acting: ${text}`;
  return e.conflict === null ? text : `${text}; ${e.conflict}`;
}

function budgetText(budget: BudgetPolicy, pod: PodProfile): string {
  const parts: string[] = [];
  if (budget.maxCores !== null && pod.cpuRequestMillicores !== null) {
    parts.push(`maxCores ${budget.maxCores} at ${formatLoad(pod.cpuRequestMillicores)}m per pod`);
  }
  if (budget.maxCostPerHour !== null && pod.costPerHour !== null) {
    parts.push(`maxCostPerHour ${budget.maxCostPerHour} at ${pod.costPerHour} per pod`);
  }
  return parts.join(', ');
}
