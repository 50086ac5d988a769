import type { Forecast } from '../core/index.js';
import type { ScalingDecision } from '../executor/types.js';
import { FALLBACK_CAUSES, type FallbackState, type PlanResult } from '../planner/index.js';
import { reportedHorizonSteps, type ServiceMetrics } from './metrics.js';
import type { HorizonAccuracy } from './online-accuracy.js';

/** What one sync leaves for `/metrics`. */
export interface WorkloadSnapshot {
  readonly labels: { readonly workload: string; readonly namespace: string };
  readonly syncDurationMs: number | null;
  readonly published: ScalingDecision;
  readonly planResult: PlanResult | null;
  readonly load: number | null;
  readonly fallback: FallbackState;
  readonly stepSeconds: number;
  readonly horizonSteps: number;
  readonly byHorizon: readonly HorizonAccuracy[];
  readonly forecast: Forecast | null;
  /** Pooled WAPE over the horizons the plan reads (`horizon_seconds="plan"`). */
  readonly planWapePercent: number | null;
  readonly model: string | null;
  /** The model reported at the previous sync, whose info series goes when the model changes. */
  readonly previousModel: string | null;
}

/** Writes one workload's series after a sync; a value that is unknown removes its series (no NaN on /metrics). */
export function exportWorkloadMetrics(m: ServiceMetrics, s: WorkloadSnapshot): void {
  const { labels } = s;
  m.decisionSeconds.observe(labels, (s.syncDurationMs ?? 0) / 1000);
  for (const source of ['plan', 'reactive', 'last-published', 'min-replicas'] as const) {
    if (source !== s.published.source) m.publishedReplicas.remove({ ...labels, source });
  }
  m.publishedReplicas.set({ ...labels, source: s.published.source }, s.published.replicas);
  setOrRemove(m.plannedReplicas, labels, s.planResult?.decision.desiredReplicas ?? null);
  setOrRemove(m.reactiveReplicas, labels, s.planResult?.decision.reactiveReplicas ?? null);
  setOrRemove(m.currentLoad, labels, s.load);
  m.fallbackActive.set(labels, s.fallback.active ? 1 : 0);
  const causes = new Set(s.fallback.reasons.map((reason) => reason.cause));
  for (const cause of FALLBACK_CAUSES) m.fallbackReason.set({ ...labels, cause }, causes.has(cause) ? 1 : 0);
  for (const h of reportedHorizonSteps(s.horizonSteps, s.stepSeconds)) {
    const horizon = { ...labels, horizon_seconds: String(h * s.stepSeconds) };
    setOrRemove(m.onlineError, horizon, s.byHorizon[h - 1]?.wapePercent ?? null);
    setOrRemove(m.onlineCoverage, horizon, s.byHorizon[h - 1]?.coverage ?? null);
    const f = s.forecast;
    for (const [bound, values] of [
      ['point', f?.point],
      ['lower', f?.intervals?.lower],
      ['upper', f?.intervals?.upper],
    ] as const) {
      setOrRemove(m.forecast, { ...horizon, bound }, values?.[h - 1] ?? null);
    }
  }
  setOrRemove(m.onlineError, { ...labels, horizon_seconds: 'plan' }, s.planWapePercent);
  if (s.previousModel !== null && s.previousModel !== s.model)
    m.modelInfo.remove({ ...labels, model: s.previousModel });
  if (s.model !== null) m.modelInfo.set({ ...labels, model: s.model }, 1);
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
