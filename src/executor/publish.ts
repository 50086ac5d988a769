import type { PublishedSource, WorkloadMode } from './types.js';

/**
 * The one value every door publishes for a workload. Whether the forecast is trusted is decided before, by the
 * planner's fallback module (`decideFallback`); this module only picks among the candidates it leaves.
 */

/** Inputs of the published value: the candidates and the bounds every published value respects. */
export interface PublishInput {
  readonly mode: WorkloadMode;
  readonly fallbackActive: boolean;
  /** The planner's desired replicas from the forecast; null when the planner did not run. */
  readonly plannedReplicas: number | null;
  /** What a reactive HPA would choose from current metrics; null when no fresh metric is known. */
  readonly reactiveReplicas: number | null;
  /** The value published at the previous sync; null before the first. */
  readonly lastPublishedReplicas: number | null;
  readonly minReplicas: number;
  readonly maxReplicas: number;
}

/** The value to publish, where it came from and why. */
export interface PublishedValue {
  readonly replicas: number;
  readonly source: PublishedSource;
  readonly reason: string;
}

/**
 * Chooses the published replicas. In order: the plan (Auto mode, forecast trusted); the reactive value
 * from current metrics (fallback, or ForecastOnly, which must not steer the target by the forecast);
 * the last published value (no fresh metric at all, e.g. Prometheus down); minReplicas (nothing known
 * yet). Every candidate is checked (finite, ≥ 0), rounded up and clamped to [minReplicas, maxReplicas],
 * so the result is always a whole number and never NaN.
 */
export function choosePublishedReplicas(input: PublishInput): PublishedValue {
  const clamp = (x: number) => Math.min(input.maxReplicas, Math.max(input.minReplicas, Math.ceil(x)));
  const usable = (x: number | null): x is number => x !== null && Number.isFinite(x) && x >= 0;
  const trustPlan = input.mode === 'Auto' && !input.fallbackActive;
  if (trustPlan && usable(input.plannedReplicas)) {
    return { replicas: clamp(input.plannedReplicas), source: 'plan', reason: 'planned from the forecast' };
  }
  const why = !trustPlan
    ? input.mode === 'ForecastOnly'
      ? 'ForecastOnly mode'
      : 'fallback'
    : 'the planner gave no usable value';
  if (usable(input.reactiveReplicas)) {
    return {
      replicas: clamp(input.reactiveReplicas),
      source: 'reactive',
      reason: `${why}: reactive value from current metrics`,
    };
  }
  if (usable(input.lastPublishedReplicas)) {
    return {
      replicas: clamp(input.lastPublishedReplicas),
      source: 'last-published',
      reason: `${why}: no fresh metric, holding the last published value`,
    };
  }
  return {
    replicas: input.minReplicas,
    source: 'min-replicas',
    reason: `${why}: nothing observed yet, publishing minReplicas`,
  };
}
