/**
 * The Kubernetes HPA's rules, once: one reconcile as a pure function and the kernel under it (replica proposals,
 * stabilization, rate policies, defaults). The simulator emulates the HPA with it; the planner's ramp and reactive
 * floor are adapters over it. Parsing the HPA's JSON lives in `config/hpa-spec.ts`.
 */

/** Controller flags, default scaling rules and the default metric, as Kubernetes sets them. */
export {
  DEFAULT_CONTROLLER_CONFIG,
  DEFAULT_METRICS,
  DEFAULT_SCALE_DOWN_RULES,
  DEFAULT_SCALE_UP_RULES,
  DEFAULT_SYNC_PERIOD_SECONDS,
} from './defaults.js';
/** Per-metric proposals and their combination, for callers that only want the metric arithmetic. */
export { computeReplicasForMetric, computeReplicasForMetrics, type MetricsVerdict } from './metrics.js';
/** Stabilization, rate limits and min/max, usable on their own (the planner reuses the same rules). */
export {
  type LimitedReplicas,
  limitReplicasLegacy,
  limitReplicasToRate,
  limitReplicasWithBehavior,
  type NormalizationArgs,
  type Normalized,
  normalizeLegacy,
  normalizeWithBehavior,
  type PeriodStartReplicas,
  periodStartFromEvents,
  type RateLimit,
  scaleDownLimit,
  scaleUpLimit,
  stabilizeRecommendation,
  stabilizeRecommendationWithBehaviors,
  stabilizeWithinWindows,
  storeScaleEvent,
} from './normalize.js';
/** Pod grouping and the CPU readiness test. */
export {
  classifyPod,
  cpuSampleReadiness,
  groupPods,
  type PodGroups,
  type PodMetric,
  type PodMetricsInfo,
} from './pods.js';
/** One reconcile, the condition merge and the reconcile schedule: what the simulator calls. */
export {
  applyConditions,
  EMPTY_CONTROLLER_STATE,
  type HpaConditionStatus,
  nextReconcileSeconds,
  reconcileHpa,
} from './reconcile.js';
/** The replica calculator per target type, and the tolerance band. */
export {
  isWithinTolerance,
  MAX_REPLICAS,
  type ProposalRule,
  proposeFromReadyPods,
  type ReplicaDecision,
  replicasForAverageValue,
  replicasForPerPodValue,
  replicasForUtilization,
  replicasForValue,
  type Tolerances,
  tolerancesForHpa,
} from './replicas.js';
/** Plain data of a reconcile. */
export type * from './types.js';
