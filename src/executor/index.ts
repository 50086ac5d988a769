// Execute stage: the doors to Kubernetes (KEDA external scaler, External Metrics API) and the one fallback module.

export {
  DESIRED_REPLICAS_METRIC,
  EXTERNAL_METRICS_GROUP,
  type ExternalMetricsOptions,
  ExternalMetricsServer,
  splitListen,
} from './external-metrics.js';
export {
  choosePublishedReplicas,
  decideFallback,
  describeFallback,
  fallbackCauses,
  initialFallbackState,
  type PublishedValue,
  type PublishInput,
} from './fallback.js';
export {
  externalScalerLoaderOptions,
  externalScalerProtoPath,
  KedaScaler,
  type KedaScalerOptions,
  kedaMetricName,
} from './keda.js';
export { type LabelRequirement, type LabelSelector, matchesSelector, parseLabelSelector } from './label-selector.js';
export type {
  FallbackCause,
  FallbackPolicy,
  FallbackReason,
  FallbackState,
  PublishedSource,
  Publisher,
  ScalingDecision,
  WorkloadHealth,
  WorkloadMode,
} from './types.js';
