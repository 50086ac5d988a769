/**
 * Plain data for one reconcile of the Kubernetes HPA controller (docs/hpa-emulation.md).
 * Field names follow `autoscaling/v2`; quantities are already converted to milli-units (the
 * controller works in `MilliValue()`), times to seconds on one epoch.
 */

/** Pod phases of core/v1. */
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/** Resources the metrics-server reports (metrics.k8s.io). */
export type ResourceName = 'cpu' | 'memory';

/** One metrics.k8s.io sample for a pod, summed over its containers. */
export interface ResourceSample {
  readonly valueMilli: number;
  /** End of the sample's window (metrics-server: the last scrape). */
  readonly timestampSeconds: number;
  readonly windowSeconds: number;
}

/** What the controller's pod lister and the metrics API know about one pod selected by the target. */
export interface PodSnapshot {
  readonly name: string;
  readonly phase: PodPhase;
  /** Status of the Ready condition; only meaningful when `readyTransitionTimeSeconds` is set. */
  readonly ready: boolean;
  /** The pod has a deletionTimestamp. */
  readonly deleting: boolean;
  /** `status.startTime`; null when not set (not yet started). */
  readonly startTimeSeconds: number | null;
  /** `lastTransitionTime` of the Ready condition; null when the pod has no Ready condition. */
  readonly readyTransitionTimeSeconds: number | null;
  /** Requests summed over the pod's containers; absent = some container has no request. */
  readonly requestsMilli: Readonly<Partial<Record<ResourceName, number>>>;
  /** Absent key = the metrics API returned no sample for that resource (a "missing" pod). */
  readonly metrics: Readonly<Partial<Record<ResourceName, ResourceSample>>>;
}

/** `MetricTarget` with its quantity converted. */
export type UtilizationTarget = { readonly type: 'Utilization'; readonly averageUtilization: number };
/** Per-pod average target, in milli-units. */
export type AverageValueTarget = { readonly type: 'AverageValue'; readonly averageValueMilli: number };
/** Whole-metric target, in milli-units. */
export type ValueTarget = { readonly type: 'Value'; readonly valueMilli: number };
/** Any metric target. */
export type MetricTarget = UtilizationTarget | AverageValueTarget | ValueTarget;

/** `metav1.LabelSelector`; kept only to name the metric in messages, as the controller does. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { key: string; operator: string; values?: string[] }[];
}

/** `MetricIdentifier`. */
export interface MetricIdentifier {
  readonly name: string;
  readonly selector: LabelSelector | null;
}

/** `CrossVersionObjectReference` of an Object metric. */
export interface DescribedObject {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly name: string;
}

/** `MetricSpec`, one source per type (ContainerResource is not emulated). */
export type MetricSpec =
  | {
      readonly type: 'Resource';
      readonly resource: { readonly name: ResourceName; readonly target: UtilizationTarget | AverageValueTarget };
    }
  | { readonly type: 'Pods'; readonly pods: { readonly metric: MetricIdentifier; readonly target: AverageValueTarget } }
  | {
      readonly type: 'Object';
      readonly object: {
        readonly describedObject: DescribedObject | null;
        readonly metric: MetricIdentifier;
        readonly target: ValueTarget | AverageValueTarget;
      };
    }
  | {
      readonly type: 'External';
      readonly external: { readonly metric: MetricIdentifier; readonly target: ValueTarget | AverageValueTarget };
    };

/** `HPAScalingPolicy`. */
export interface ScalingPolicy {
  readonly type: 'Pods' | 'Percent';
  readonly value: number;
  readonly periodSeconds: number;
}

/** `selectPolicy` of `HPAScalingRules`. */
export type SelectPolicy = 'Max' | 'Min' | 'Disabled';

/** `HPAScalingRules` after API-server defaulting (field by field, only when `behavior` is set). */
export interface ScalingRules {
  /** null only for scaleDown: the controller then uses its downscale-stabilization flag. */
  readonly stabilizationWindowSeconds: number | null;
  readonly selectPolicy: SelectPolicy;
  readonly policies: readonly ScalingPolicy[];
  /** Per-direction tolerance (`HPAConfigurableTolerance`); null = the controller flag. */
  readonly tolerance: number | null;
}

/** `HorizontalPodAutoscalerBehavior` after defaulting: both directions always present. */
export interface HpaBehavior {
  readonly scaleUp: ScalingRules & { readonly stabilizationWindowSeconds: number };
  readonly scaleDown: ScalingRules;
}

/** `HorizontalPodAutoscalerSpec` after defaulting (metrics never empty). */
export interface HpaSpec {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly metrics: readonly MetricSpec[];
  /** null = the legacy path (no `spec.behavior`); an object = the behavior path. Different algorithms. */
  readonly behavior: HpaBehavior | null;
}

/** The target's scale subresource as the controller reads it. */
export interface ScaleSnapshot {
  readonly specReplicas: number;
  readonly statusReplicas: number;
}

/** kube-controller-manager flags (`--horizontal-pod-autoscaler-*`) that change the arithmetic. */
export interface HpaControllerConfig {
  readonly tolerance: number;
  readonly cpuInitializationPeriodSeconds: number;
  readonly initialReadinessDelaySeconds: number;
  readonly downscaleStabilizationWindowSeconds: number;
}

/** Everything one reconcile reads besides its own memory: the HPA, its target and the metrics APIs. */
export interface HpaObservation {
  readonly hpa: HpaSpec;
  readonly scale: ScaleSnapshot;
  readonly pods: readonly PodSnapshot[];
  /** custom.metrics.k8s.io per-pod samples: metric name → pod name → milli-value. */
  readonly podsMetrics: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** custom.metrics.k8s.io object values: metric name → milli-value. */
  readonly objectMetrics: Readonly<Record<string, number>>;
  /** external.metrics.k8s.io: metric name → milli-value summed over the returned series. */
  readonly externalMetrics: Readonly<Record<string, number>>;
  readonly controller: HpaControllerConfig;
}

/** One raw (unstabilized) metric proposal kept in controller memory. */
export interface TimestampedRecommendation {
  readonly timestampSeconds: number;
  readonly replicas: number;
}

/** One successful rescale kept in controller memory (behavior path only). */
export interface TimestampedScaleEvent {
  readonly timestampSeconds: number;
  /** |new − previous| replicas, never negative. */
  readonly replicaChange: number;
  /** Older than the direction's longest policy period when last checked; the slot may be reused. */
  readonly outdated: boolean;
}

/** The controller's in-memory state for one HPA (recommendations, scale events); lost on controller restart. */
export interface HpaControllerState {
  readonly recommendations: readonly TimestampedRecommendation[];
  readonly scaleUpEvents: readonly TimestampedScaleEvent[];
  readonly scaleDownEvents: readonly TimestampedScaleEvent[];
}

/** Condition types the emulation sets (ScaledToZero needs scale-to-zero, which is not emulated). */
export type HpaConditionType = 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';

/** The condition reasons of the HPA controller that the emulation can produce. */
export type HpaConditionReason =
  | 'SucceededGetScale'
  | 'ReadyForNewScale'
  | 'ScaleUpStabilized'
  | 'ScaleDownStabilized'
  | 'SucceededRescale'
  | 'ValidMetricFound'
  | 'ScalingDisabled'
  | 'FailedGetResourceMetric'
  | 'FailedGetPodsMetric'
  | 'FailedGetObjectMetric'
  | 'FailedGetExternalMetric'
  | 'DesiredWithinRange'
  | 'TooManyReplicas'
  | 'TooFewReplicas'
  | 'ScaleUpLimit'
  | 'ScaleDownLimit';

/** One `HorizontalPodAutoscalerCondition` as set by this reconcile, with the controller's message. */
export interface HpaCondition {
  readonly type: HpaConditionType;
  readonly status: 'True' | 'False';
  readonly reason: HpaConditionReason;
  readonly message: string;
}

/** What the controller reports for a metric (`MetricValueStatus`), in milli-units. */
export interface MetricCurrent {
  readonly averageUtilization?: number;
  readonly averageValueMilli?: number;
  readonly valueMilli?: number;
}

/** One metric's replica proposal, or why the metric is invalid this reconcile. */
export type MetricProposal =
  | {
      readonly valid: true;
      /** Short name: the resource (`cpu`) or the metric name. */
      readonly metric: string;
      /** The controller's description, used in reasons ("cpu resource utilization (percentage of request)"). */
      readonly description: string;
      readonly replicas: number;
      /** Which branch of the formula decided (tolerance, ready pods × ratio, …). */
      readonly reason: string;
      /** The usage ratio the rule tested (after fill-in of missing/unready pods when that happened). */
      readonly usageRatio: number;
      /** The pod count the ratio multiplied, when the rule multiplies one. */
      readonly podCount: number | null;
      readonly current: MetricCurrent;
    }
  | {
      readonly valid: false;
      readonly metric: string;
      readonly conditionReason: HpaConditionReason;
      readonly error: string;
    };

/** The outcome of one reconcile: what is written to the scale subresource, the status, and the new memory. */
export interface HpaReconcileResult {
  /** What the controller writes to `scale.spec.replicas`, or keeps. */
  readonly desiredReplicas: number;
  readonly rescale: boolean;
  /** The reason of the SuccessfulRescale event ("cpu … above target", "All metrics below target", …). */
  readonly rescaleReason: string;
  readonly metricProposals: readonly MetricProposal[];
  /** Conditions set by this reconcile, in the order the controller sets them; others keep their old value. */
  readonly conditions: readonly HpaCondition[];
  readonly state: HpaControllerState;
}
