import type { WorkloadConfig } from '../config/service.js';

/**
 * What the trained model depends on: the model and its candidates, the signal and its step, the horizon, the
 * training window and cadence and the cleaning. Two workload versions with the same identity share a model.
 */
export function modelIdentity(workload: WorkloadConfig): string {
  const r = workload.resource;
  // When `auto` selects again is not what its model is: a change keeps the loop, and saved models keep their names.
  const { reselectEverySeconds: _, ...prediction } = r.prediction;
  return JSON.stringify([
    r.model,
    r.metric.query,
    r.metric.prometheus,
    r.metric.stepSeconds,
    r.predictionHorizonSeconds,
    prediction,
  ]);
}
