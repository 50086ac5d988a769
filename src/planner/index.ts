export {
  type CapacityInput,
  type CapacityModel,
  cpuAtLoadP90,
  type FitQuality,
  fitLoadCpu,
  type LoadCpuFit,
  MIN_FIT_SAMPLES,
  resolveCapacity,
} from './capacity.js';
export {
  decideFallback,
  describeFallback,
  FALLBACK_CAUSES,
  type FallbackCause,
  type FallbackEvidence,
  type FallbackPolicy,
  type FallbackReason,
  type FallbackState,
  type FallbackVerdict,
  fallbackReasons,
  initialFallbackState,
  type SourceHealth,
} from './fallback.js';
export { budgetReplicas, initialPlannerState, PRECEDENCE, planReplicas, planSchedule } from './horizontal.js';
export { type PlanInput, type PlanResult, plan, type ReplicaRequest, trustedReplicaInput } from './plan.js';
export { normalQuantile, upperSpreadFactor } from './quantile.js';
export { DEFAULT_PLANNER_SCALE_DOWN, DEFAULT_PLANNER_SCALE_UP, limitRate, stabilize } from './ramp.js';
export { ceilReplicas, reactiveReplicas } from './reactive.js';
export { dispersionScale, type ForecastMiss, MIN_RECENT_MISSES, recentErrorSpread } from './recent-errors.js';
export { envelopeLookbackSeconds, seasonalEnvelopeLoad } from './seasonal-envelope.js';
export type {
  BoundBy,
  BudgetPolicy,
  CurrentState,
  PlannerMode,
  PlannerPolicy,
  PlannerState,
  PlannerUncertainty,
  PlanningEvidence,
  PodProfile,
  ReplicaDecision,
  ReplicaPlanInput,
  ScalingRules,
  ScheduleEntry,
  SeasonalEnvelope,
  TimedValue,
} from './types.js';
export {
  type CpuRecommendation,
  type MemoryRecommendation,
  type PodResources,
  planResources,
  type ResourceBasis,
  type ResourcePlan,
  type ResourcePlanInput,
  type UsageHistory,
  VPA_DEFAULTS,
} from './vertical.js';
