import type { WorkloadConfig } from '../config/workload.js';
import type { PublishedSource } from '../executor/index.js';
import { FALLBACK_CAUSES } from '../planner/index.js';
import { reportedHorizonSteps, type ServiceMetrics } from './metrics.js';
import type { WorkloadStatus } from './workload-status.js';

const PUBLISHED_SOURCES = ['plan', 'reactive', 'last-published', 'min-replicas'] as const satisfies PublishedSource[];

/** What one sync leaves for `/metrics`. */
export interface WorkloadSnapshot {
  readonly workload: WorkloadConfig;
  /** The status after the sync. */
  readonly status: WorkloadStatus;
  /** The status before the sync (after the previous one, or as the loop started). */
  readonly previous: WorkloadStatus;
  /** Pooled WAPE over the horizons the plan reads (percent). */
  readonly planningWapePercent: number | null;
}

/** Writes one workload's series after a sync; a value that is unknown removes its series (no NaN on /metrics). */
export function exportWorkloadMetrics(m: ServiceMetrics, s: WorkloadSnapshot): void {
  const { status, previous, workload } = s;
  const r = workload.resource;
  const labels = { workload: status.name, namespace: status.namespace };
  const ratio = (percent: number | null | undefined) =>
    percent === null || percent === undefined ? null : percent / 100;
  m.decisionSeconds.observe(labels, (status.syncDurationMs ?? 0) / 1000);
  setOrRemove(m.lastSync, labels, status.lastSyncSeconds);

  const published = status.published.replicas;
  m.desiredReplicas.set(labels, published);
  for (const source of PUBLISHED_SOURCES) {
    m.desiredReplicasSource.set({ ...labels, source }, source === status.published.source ? 1 : 0);
  }
  if (previous.published.replicas !== published) {
    m.replicaChanges.inc({ ...labels, direction: published > previous.published.replicas ? 'up' : 'down' });
  }
  m.minReplicas.set(labels, r.policy.minReplicas);
  m.maxReplicas.set(labels, r.policy.maxReplicas);
  setOrRemove(m.plannedReplicas, labels, status.plan?.decision.desiredReplicas ?? null);
  const reactive = reactiveReplicas(status, workload);
  setOrRemove(m.reactiveReplicas, labels, reactive);
  setOrRemove(m.currentReplicas, labels, status.data.replicas);
  setOrRemove(m.currentLoad, labels, status.data.load);
  setOrRemove(m.currentLatency, labels, status.data.latency);
  const sloPerPod = r.policy.sloMaxLoadPerPod;
  const replicasNow = status.data.replicas ?? published;
  setOrRemove(
    m.sloLoadPerPod,
    labels,
    sloPerPod === null || status.data.load === null || replicasNow <= 0
      ? null
      : status.data.load / replicasNow / sloPerPod,
  );

  // Cost: the pods asked for between the previous sync and this one are those published (or proposed) at the previous.
  if (previous.lastSyncSeconds !== null && status.lastSyncSeconds !== null) {
    const elapsedSeconds = status.lastSyncSeconds - previous.lastSyncSeconds;
    if (elapsedSeconds > 0) {
      m.podSeconds.inc(labels, previous.published.replicas * elapsedSeconds);
      const reactiveBefore = reactiveReplicas(previous, workload);
      if (reactiveBefore !== null) m.reactivePodSeconds.inc(labels, reactiveBefore * elapsedSeconds);
    }
  }
  const price = workload.costPerPodHour;
  setOrRemove(m.costPerHour, labels, price === null ? null : published * price);
  setOrRemove(m.reactiveCostPerHour, labels, price === null || reactive === null ? null : reactive * price);

  m.fallbackActive.set(labels, status.fallback.active ? 1 : 0);
  const causes = new Set(status.fallback.reasons.map((reason) => reason.cause));
  for (const cause of FALLBACK_CAUSES) m.fallbackReason.set({ ...labels, cause }, causes.has(cause) ? 1 : 0);
  setOrRemove(m.rollingError, labels, ratio(status.accuracy.rollingErrorPercent));
  m.maxError.set(labels, r.policy.fallback.maxErrorPercent / 100);
  setOrRemove(m.planningError, labels, ratio(s.planningWapePercent));

  const step = r.metric.stepSeconds;
  const f = status.forecast;
  for (const h of reportedHorizonSteps(status.accuracy.byHorizon.length, step)) {
    const horizon = { ...labels, horizon_seconds: String(h * step) };
    setOrRemove(m.onlineError, horizon, ratio(status.accuracy.byHorizon[h - 1]?.wapePercent));
    setOrRemove(m.onlineCoverage, horizon, status.accuracy.byHorizon[h - 1]?.coverage ?? null);
    for (const [bound, values] of [
      ['point', f?.point],
      ['lower', f?.intervals?.lower],
      ['upper', f?.intervals?.upper],
    ] as const) {
      setOrRemove(m.forecast, { ...horizon, bound }, values?.[h - 1] ?? null);
    }
  }
  setOrRemove(m.forecastIntervalLevel, labels, f?.intervals?.level ?? null);

  const model = status.model.current;
  const previousModel = previous.model.current;
  if (previousModel !== null && previousModel !== model) m.modelInfo.remove({ ...labels, model: previousModel });
  if (model !== null) m.modelInfo.set({ ...labels, model }, 1);
  setOrRemove(m.modelLastFit, labels, status.model.fittedAtSeconds);
  m.modelRefitInterval.set(labels, r.prediction.retrainEverySeconds);
  m.modelRefitLate.set(labels, status.model.refitLateSeconds === null ? 0 : 1);
}

/**
 * What a reactive HPA alone would ask for, within minReplicas…maxReplicas as the HPA keeps it; null without a
 * fresh metric to react to.
 */
function reactiveReplicas(status: WorkloadStatus, workload: WorkloadConfig): number | null {
  const reactive = status.plan?.decision.reactiveReplicas ?? null;
  if (reactive === null) return null;
  const { minReplicas, maxReplicas } = workload.resource.policy;
  return Math.min(maxReplicas, Math.max(minReplicas, reactive));
}

/** Sets a gauge, or removes the series when the value is unknown, so /metrics never shows NaN. */
function setOrRemove<L extends string>(
  gauge: {
    set(labels: Partial<Record<L, string>>, value: number): void;
    remove(labels: Partial<Record<L, string>>): void;
  },
  labels: Partial<Record<L, string>>,
  value: number | null,
): void {
  if (value !== null && Number.isFinite(value)) gauge.set(labels, value);
  else gauge.remove(labels);
}
