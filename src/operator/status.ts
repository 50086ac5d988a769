import type { PredictiveAutoscalerStatus } from '../config/predictive-autoscaler-status.js';
import type { WorkloadStatus } from '../predictor/workload-status.js';
import { type Condition, setCondition } from './conditions.js';

/** How many forecast points the status carries (evenly spaced over the horizon, the last one included). */
const STATUS_FORECAST_POINTS = 6;

/** Bounds a decision can be held by that mean "scaling is limited" (the HPA's ScalingLimited). */
const LIMITING_BOUNDS = new Set(['max-replicas', 'min-replicas', 'budget', 'scale-up-limit', 'scale-down-limit']);

/**
 * What the running workload adds to a PredictiveAutoscaler's status: the published and current replicas (and
 * `lastScaleTime`, when the published value last changed), the
 * planner's reason, the model and its online error, the forecast (a few points and its peak over the horizon),
 * and the conditions `ForecastAvailable` (reason `RefitLate` while the last good model serves past its refit),
 * `FallbackActive` and `ScalingLimited`. Pure: the controller writes it.
 */
export function runtimeStatus(
  workload: WorkloadStatus,
  conditions: readonly Condition[],
  nowIso: string,
  generation: number | undefined,
  previous: { readonly desiredReplicas?: number; readonly lastScaleTime?: string } = {},
): { status: Omit<PredictiveAutoscalerStatus, 'conditions' | 'observedGeneration'>; conditions: Condition[] } {
  const { forecast, plan, published, fallback } = workload;
  let next = setCondition(
    conditions,
    forecast === null
      ? {
          type: 'ForecastAvailable',
          status: 'False',
          reason: 'NoForecast',
          message: workload.model.forecastError ?? workload.model.problem ?? 'no forecast yet',
        }
      : workload.model.refitLateSeconds !== null
        ? {
            type: 'ForecastAvailable',
            status: 'True',
            reason: 'RefitLate',
            message: `forecast by ${workload.model.current}, the last good model: its refit is ${Math.round(workload.model.refitLateSeconds / 60)} min past due (${workload.model.queuedForTraining ? 'queued behind the training budget, loop.trainingConcurrency' : 'still fitting'})`,
          }
        : {
            type: 'ForecastAvailable',
            status: 'True',
            reason: 'Forecasting',
            message: `forecast by ${workload.model.current}`,
          },
    nowIso,
    generation,
  );
  next = setCondition(
    next,
    fallback.active
      ? {
          type: 'FallbackActive',
          status: 'True',
          reason: camelCase(fallback.reasons[0]?.cause ?? 'fallback'),
          message: fallback.summary,
        }
      : {
          type: 'FallbackActive',
          status: 'False',
          reason: 'ForecastTrusted',
          message: 'the plan follows the forecast',
        },
    nowIso,
    generation,
  );
  const bound = plan?.decision.boundBy ?? null;
  next = setCondition(
    next,
    bound !== null && LIMITING_BOUNDS.has(bound)
      ? { type: 'ScalingLimited', status: 'True', reason: camelCase(bound), message: plan?.decision.reason ?? '' }
      : {
          type: 'ScalingLimited',
          status: 'False',
          reason: 'DesiredWithinRange',
          message: 'the desired count is within the limits',
        },
    nowIso,
    generation,
  );
  const status: Omit<PredictiveAutoscalerStatus, 'conditions' | 'observedGeneration'> = {
    desiredReplicas: published.replicas,
    // When the published value last changed: kept while it holds.
    ...(previous.desiredReplicas === published.replicas && previous.lastScaleTime !== undefined
      ? { lastScaleTime: previous.lastScaleTime }
      : previous.desiredReplicas === published.replicas
        ? {}
        : { lastScaleTime: nowIso }),
    ...(workload.data.replicas === null ? {} : { currentReplicas: workload.data.replicas }),
    reason: published.reason,
    ...(workload.model.current === null
      ? {}
      : {
          model: {
            name: workload.model.current,
            ...(workload.model.fittedAtSeconds === null
              ? {}
              : { trainedAt: new Date(workload.model.fittedAtSeconds * 1000).toISOString() }),
            ...(workload.accuracy.rollingErrorPercent === null
              ? {}
              : { onlineErrorPercent: round(workload.accuracy.rollingErrorPercent) }),
            ...(workload.model.selection?.reason === undefined ? {} : { reason: workload.model.selection.reason }),
          },
        }),
    ...(forecast === null ? {} : { forecast: forecastSummary(forecast) }),
    ...(plan?.resources == null ? {} : { recommendations: recommendationsOf(plan.resources.status) }),
  };
  return { status, conditions: next };
}

/** The planner's requests and limits; a limit it leaves unset (null) is left out, as Kubernetes leaves it out. */
function recommendationsOf(r: {
  cpuRequest: string;
  cpuLimit: string | null;
  memoryRequest: string;
  memoryLimit: string | null;
}): NonNullable<PredictiveAutoscalerStatus['recommendations']> {
  return {
    cpuRequest: r.cpuRequest,
    ...(r.cpuLimit === null ? {} : { cpuLimit: r.cpuLimit }),
    memoryRequest: r.memoryRequest,
    ...(r.memoryLimit === null ? {} : { memoryLimit: r.memoryLimit }),
  };
}

function forecastSummary(forecast: NonNullable<WorkloadStatus['forecast']>) {
  const points = forecast.point.length;
  const picks = [
    ...new Set(
      Array.from({ length: STATUS_FORECAST_POINTS }, (_, i) =>
        Math.round((i * (points - 1)) / Math.max(1, STATUS_FORECAST_POINTS - 1)),
      ),
    ),
  ];
  const upper = forecast.intervals?.upper;
  const peakOf = upper ?? forecast.point;
  let peak = Number.NEGATIVE_INFINITY;
  for (let h = 0; h < peakOf.length; h++) if (peakOf[h] > peak) peak = peakOf[h];
  return {
    generatedAt: new Date(forecast.startSeconds * 1000).toISOString(),
    stepSeconds: forecast.stepSeconds,
    values: picks.map((h) => round(forecast.point[h])),
    ...(upper === undefined ? {} : { upper: picks.map((h) => round(upper[h])) }),
    peak: round(peak),
  };
}

/** Three significant decimals: a status is for people, and every rewrite of it is an API write. */
function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** `error-above-threshold` → `ErrorAboveThreshold`: a condition reason is CamelCase. */
function camelCase(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}
