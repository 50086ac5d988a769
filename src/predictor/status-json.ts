import { forecastJson } from '../config/forecast.js';
import type { WorkloadStatus } from './workload-status.js';

/** One line per workload in `GET /v1/workloads`. */
export function summaryJson(status: WorkloadStatus) {
  return {
    name: status.name,
    namespace: status.namespace,
    mode: status.mode,
    integration: status.integration,
    model: status.model.current,
    /** With `model: auto`: `warm-up` or `full`, and why it serves this model; null otherwise. */
    modelStage: status.model.selection?.stage ?? null,
    modelReason: status.model.selection?.reason ?? null,
    replicas: status.published.replicas,
    source: status.published.source,
    reason: status.published.reason,
    fallback: status.fallback.active,
    fallbackSummary: status.fallback.summary,
    rollingErrorPercent: status.accuracy.rollingErrorPercent,
    lastSyncSeconds: status.lastSyncSeconds,
  };
}

/** The whole status of `GET /v1/workloads/:name`; typed arrays become arrays and non-finite numbers null. */
export function statusJson(status: WorkloadStatus) {
  return {
    ...status,
    model: {
      ...status.model,
      nextRetrainSeconds: Number.isFinite(status.model.nextRetrainSeconds) ? status.model.nextRetrainSeconds : null,
    },
    forecast: status.forecast === null ? null : forecastJson(status.forecast),
  };
}
