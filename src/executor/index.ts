// Execute stage: the doors to Kubernetes (KEDA external scaler, External Metrics API) and the published value.

export {
  DESIRED_REPLICAS_METRIC,
  EXTERNAL_METRICS_GROUP,
  type ExternalMetricsOptions,
  ExternalMetricsServer,
} from './external-metrics.js';
export {
  externalScalerLoaderOptions,
  externalScalerProtoPath,
  KedaScaler,
  type KedaScalerOptions,
  kedaMetricName,
} from './keda.js';
export { type LabelRequirement, type LabelSelector, matchesSelector, parseLabelSelector } from './label-selector.js';
export { freePort, listening, splitListen } from './listen.js';
export { choosePublishedReplicas, type PublishedValue, type PublishInput } from './publish.js';
export {
  type GrpcCall,
  grpcCodeName,
  type HttpRequest,
  observeGrpcCalls,
  observeHttpRequests,
} from './request-metrics.js';
export type {
  PublishedSource,
  Publisher,
  RemoteDecision,
  RemoteDecisions,
  ScalingDecision,
  WorkloadMode,
} from './types.js';
