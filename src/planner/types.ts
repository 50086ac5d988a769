import type { Forecast, Series } from '../core/index.js';
import type { FallbackPolicy, FallbackReason, FallbackState } from './fallback.js';
import type { ForecastMiss } from './recent-errors.js';

/**
 * One direction's ramp rules, the HPA's `behavior.scaleUp` / `behavior.scaleDown` in the
 * `PredictiveAutoscaler` shape (`planner.scaleUp` / `planner.scaleDown`). The two rate policies share one
 * period and combine like the HPA's `selectPolicy: Max` (the one allowing the larger change wins).
 */
export interface ScalingRules {
  /** Recommendations within this many seconds are remembered (up: min over them, down: max). */
  readonly stabilizationWindowSeconds: number;
  /** At most this many pods added (up) or removed (down) per period; null = no Pods policy. */
  readonly maxPodsPerPeriod: number | null;
  /** At most this percent of the replicas at the period start per period; null = no Percent policy. */
  readonly maxPercentPerPeriod: number | null;
  /** Length of the rate period, seconds. */
  readonly periodSeconds: number;
}

/** `Auto` acts on the plan; `ForecastOnly` (shadow) computes and reports but never changes the target. */
export type PlannerMode = 'Auto' | 'ForecastOnly';

/**
 * Where the spread above the point forecast comes from (`planner.uncertainty`): `Model`, the model's interval
 * read at the quantile; `RecentErrors`, the quantile of the workload's recent misses at the planning horizons,
 * standardized by √load (`recent-errors.ts`), the model's interval until enough misses are scored.
 */
export type PlannerUncertainty = 'Model' | 'RecentErrors';

/** `planner.seasonalEnvelope`: `Daily` also covers a step that recurred at this time of day (`seasonal-envelope.ts`). */
export type SeasonalEnvelope = 'None' | 'Daily';

/** Hard caps below maxReplicas; each is null when not set. */
export interface BudgetPolicy {
  /** Total CPU requests of the workload, in cores. */
  readonly maxCores: number | null;
  /** Total cost per hour, in the unit of `PodProfile.costPerHour`. */
  readonly maxCostPerHour: number | null;
}

/**
 * Everything the replica plan is told to respect, parsed (durations in seconds). Field names follow the
 * `PredictiveAutoscaler` resource; `src/config/plan-request.ts` parses it with defaults.
 */
export interface PlannerPolicy {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly mode: PlannerMode;
  /** `prediction.quantile`: plan on this quantile of the forecast (0.5 = the point forecast). */
  readonly quantile: number;
  /** `planner.headroomPercent`: capacity kept above the planned load. */
  readonly headroomPercent: number;
  /** `planner.uncertainty`: the model's interval or the recent misses size the spread above the point. */
  readonly uncertainty: PlannerUncertainty;
  /** `planner.seasonalEnvelope`: plan at least a load level that recurred at this time on the last days. */
  readonly seasonalEnvelope: SeasonalEnvelope;
  /** `planner.podStartup`: scheduling + start + readiness; the lead time the plan looks ahead. */
  readonly podStartupSeconds: number;
  readonly scaleUp: ScalingRules;
  readonly scaleDown: ScalingRules;
  /** `planner.reactiveFloor`: never plan below the reactive (HPA-style) recommendation. */
  readonly reactiveFloor: boolean;
  /** HPA tolerance band around a usage ratio of 1 for the reactive recommendation (0.1 = ±10%). */
  readonly tolerance: number;
  readonly budget: BudgetPolicy;
  /** Per-pod load above which latency breaks the SLO; null = no SLO check. */
  readonly sloMaxLoadPerPod: number | null;
  /** Target CPU utilization (percent of request) at which one pod serves `loadPerPod`. */
  readonly targetUtilizationPercent: number;
  readonly fallback: FallbackPolicy;
  /** Cadence of decisions (the HPA sync period); the schedule steps at it. */
  readonly syncPeriodSeconds: number;
}

/** What one pod is: the capacity the replica plan divides by, and what it costs for the budget. */
export interface PodProfile {
  /** Load one pod serves at the target utilization (same unit as the forecast). */
  readonly loadPerPod: number;
  /** CPU request per pod, millicores; needed for `budget.maxCores`. */
  readonly cpuRequestMillicores: number | null;
  /** Cost of one pod per hour; needed for `budget.maxCostPerHour`. */
  readonly costPerHour: number | null;
}

/** The workload as observed now (the HPA's view), input to the reactive recommendation. */
export interface CurrentState {
  /** `scale.spec.replicas`: what the target runs now. */
  readonly replicas: number;
  /** Ready pods, which the HPA multiplies its usage ratio by; defaults to `replicas`. */
  readonly readyReplicas: number;
  /** Average CPU utilization of the pods, percent of request; null when not measured. */
  readonly utilizationPercent: number | null;
  /** Total load now, in the forecast's unit; null when not measured. */
  readonly load: number | null;
}

/**
 * What the service has seen besides the forecast, for the sizing rules that read it: recent scored misses at the
 * planning horizons (`planner.uncertainty: RecentErrors`) and the observed load of the last day on the metric's
 * grid (`planner.seasonalEnvelope`). A plan request without it sizes on the model's interval alone.
 */
export interface PlanningEvidence {
  readonly recentMisses: readonly ForecastMiss[];
  readonly recentLoad: Series | null;
}

/** Everything one replica decision reads besides the memory (`PlannerState`) and the time. */
export interface ReplicaPlanInput {
  readonly policy: PlannerPolicy;
  readonly pod: PodProfile;
  readonly current: CurrentState;
  /**
   * The forecast to plan on, given only when `decideFallback` trusts it (so it covers now + podStartup with
   * finite values); null = plan reactively.
   */
  readonly forecast: Forecast | null;
  /** The fallback verdict behind `forecast`, for the explanation. */
  readonly fallback: FallbackState;
  /** Recent misses and load for `planner.uncertainty` / `planner.seasonalEnvelope`; absent = none seen. */
  readonly evidence?: PlanningEvidence;
}

/** A timestamped number in the planner's memory (a recommendation or a scale event's size). */
export interface TimedValue {
  readonly timestampSeconds: number;
  readonly value: number;
}

/**
 * The planner's memory between decisions, the HPA controller's per-HPA memory made explicit
 * (docs/hpa-emulation.md) plus the fallback memory (`fallback.ts` decides it). State in, state out: a caller keeps it,
 * serializes it if it likes, and passes it back with a later time.
 */
export interface PlannerState {
  /** Raw recommendations still inside a stabilization window. */
  readonly recommendations: readonly TimedValue[];
  /** Pods added by recent scale-ups still inside the scale-up period. */
  readonly scaleUpEvents: readonly TimedValue[];
  /** Pods removed by recent scale-downs still inside the scale-down period. */
  readonly scaleDownEvents: readonly TimedValue[];
  /** Time of the last change the planner made; null before the first. */
  readonly lastScaleSeconds: number | null;
  readonly fallback: FallbackState;
}

/**
 * Which input bound a decision, the structured half of every explanation. The precedence that decides
 * between them when they conflict is `PRECEDENCE` in `horizontal.ts` (and `docs/planner.md`).
 */
export type BoundBy =
  | 'forecast'
  | 'slo'
  | 'reactive-floor'
  | 'fallback'
  | 'scale-up-stabilization'
  | 'scale-down-stabilization'
  | 'scale-up-limit'
  | 'scale-down-limit'
  | 'min-replicas'
  | 'max-replicas'
  | 'budget';

/** One replica decision with its reasons. Every number is finite and ≥ 0. */
export interface ReplicaDecision {
  /** What the plan wants the target to run now. */
  readonly desiredReplicas: number;
  /** False in ForecastOnly mode: report, do not act. */
  readonly act: boolean;
  readonly currentReplicas: number;
  /** The raw recommendation before stabilization, ramp, bounds and budget. */
  readonly recommendedReplicas: number;
  /** Replicas the forecast asks for (headroom and SLO included); null in fallback. */
  readonly predictiveReplicas: number | null;
  /** The reactive (HPA-style) recommendation from current metrics; null when no metric is known. */
  readonly reactiveReplicas: number | null;
  /** Highest planned load (forecast quantile) over [now, now + podStartup]; null in fallback. */
  readonly plannedLoad: number | null;
  /** Replicas the budget allows; null without a budget. */
  readonly budgetReplicas: number | null;
  readonly boundBy: BoundBy;
  /** One line a person can read: what was chosen and why. */
  readonly reason: string;
  /** When two constraints disagreed, which one won by the precedence and why; null otherwise. */
  readonly conflict: string | null;
  /** The fallback verdict the decision was made under (`fallback.ts`). */
  readonly fallback: { readonly active: boolean; readonly reasons: readonly FallbackReason[] };
}

/** One point of the schedule over the horizon: what the plan will run at `timeSeconds` if the forecast holds. */
export interface ScheduleEntry {
  readonly timeSeconds: number;
  readonly replicas: number;
  /** The planned load then; null for the decision now when it is a fallback. */
  readonly plannedLoad: number | null;
  readonly boundBy: BoundBy;
}
