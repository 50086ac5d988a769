// The service (`prescale serve`): each workload's live loop, background refits, online accuracy, HTTP API.

export { type ApiContext, type ApiErrorBody, type ApiIssue, buildHttpApi } from './http-api.js';
export { reportedHorizonSteps, ServiceMetrics } from './metrics.js';
export {
  type FitEvent,
  ModelHolder,
  type ModelHolderOptions,
  type ModelStatus,
  servingModelName,
} from './model-holder.js';
export { type HorizonAccuracy, OnlineAccuracy, type OnlineAccuracyOptions } from './online-accuracy.js';
export { RecentSeries } from './recent-series.js';
export { PrescaleService, type ServiceLogger, type ServiceOptions } from './service.js';
export {
  type FitRequest,
  type FitResult,
  fitModel,
  inProcessTrainer,
  type Trainer,
  WorkerTrainer,
} from './trainer.js';
export { WorkloadLoop, type WorkloadLoopOptions } from './workload-loop.js';
export type { CurrentSignals, WorkloadStatus } from './workload-status.js';
