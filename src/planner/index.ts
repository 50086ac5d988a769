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
  assessForecast,
  type FallbackHysteresis,
  type ForecastHealth,
  fallbackHysteresis,
  initialFallbackState,
  updateFallback,
} from './fallback.js';
export { budgetReplicas, initialPlannerState, PRECEDENCE, planReplicas, planSchedule } from './horizontal.js';
export { type PlanInput, type PlanResult, plan } from './plan.js';
export { normalQuantile, upperSpreadFactor } from './quantile.js';
export { DEFAULT_PLANNER_SCALE_DOWN, DEFAULT_PLANNER_SCALE_UP, limitRate, stabilize } from './ramp.js';
export { ceilReplicas, reactiveReplicas } from './reactive.js';
export type {
  BoundBy,
  BudgetPolicy,
  CurrentState,
  FallbackCause,
  FallbackPolicy,
  FallbackState,
  PlannerMode,
  PlannerPolicy,
  PlannerState,
  PodProfile,
  ReplicaDecision,
  ReplicaPlanInput,
  ScalingRules,
  ScheduleEntry,
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
