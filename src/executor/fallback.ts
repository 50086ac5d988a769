import { fallbackHysteresis } from '../planner/index.js';
import type {
  FallbackPolicy,
  FallbackReason,
  FallbackState,
  PublishedSource,
  WorkloadHealth,
  WorkloadMode,
} from './types.js';

/**
 * The one place that decides fallback (code-style.md "Fallback is central", KEDA's `pkg/fallback`): sources,
 * models and doors only report; this module turns their reports into "trust the forecast or not" and into
 * the one value every door publishes. Pure: state in, state out, `nowSeconds` passed.
 */

/** A workload before its first sync: not in fallback. */
export const initialFallbackState: FallbackState = {
  active: false,
  reasons: [],
  sinceSeconds: null,
  healthySinceSeconds: null,
};

/** Every reason the forecast cannot be trusted now, in a fixed order (source, data, model, forecast, error, plan). */
export function fallbackCauses(health: WorkloadHealth, nowSeconds: number, policy: FallbackPolicy): FallbackReason[] {
  const reasons: FallbackReason[] = [];
  if (health.prometheusError !== null) {
    reasons.push({ cause: 'prometheus-unreachable', message: `Prometheus read failed: ${health.prometheusError}` });
  }
  if (health.lastSampleSeconds === null) {
    reasons.push({ cause: 'data-stale', message: 'no load sample has been read yet' });
  } else {
    const ageSeconds = nowSeconds - health.lastSampleSeconds;
    if (ageSeconds > policy.staleAfterSeconds) {
      reasons.push({
        cause: 'data-stale',
        message: `newest load sample is ${formatSeconds(ageSeconds)} old (staleAfter ${formatSeconds(policy.staleAfterSeconds)})`,
      });
    }
  }
  if (health.modelProblem !== null) reasons.push({ cause: 'model-missing', message: health.modelProblem });
  if (health.forecastProblem !== null) reasons.push({ cause: 'forecast-failed', message: health.forecastProblem });
  const error = health.rollingErrorPercent;
  if (error !== null && error > policy.maxErrorPercent) {
    reasons.push({
      cause: 'error-above-threshold',
      message: `rolling error ${error.toFixed(1)}% is above maxError ${policy.maxErrorPercent}%`,
    });
  }
  if (health.planProblem !== null) reasons.push({ cause: 'plan-failed', message: health.planProblem });
  return reasons;
}

/**
 * Fallback with hysteresis: any cause enters it at once; leaving it takes a forecast that has been healthy,
 * with its rolling error at or below `recoverBelowPercent`, for `recoverAfterSeconds` in a row. An error
 * hovering around `maxErrorPercent` therefore cannot flip the published value between plan and reactive.
 */
export function decideFallback(
  health: WorkloadHealth,
  previous: FallbackState,
  nowSeconds: number,
  policy: FallbackPolicy,
): FallbackState {
  const causes = fallbackCauses(health, nowSeconds, policy);
  if (causes.length > 0) {
    return {
      active: true,
      reasons: causes,
      sinceSeconds: previous.active ? previous.sinceSeconds : nowSeconds,
      healthySinceSeconds: null,
    };
  }
  const step = fallbackHysteresis(previous, false, health.rollingErrorPercent, nowSeconds, policy);
  if (!step.active) return initialFallbackState;
  if (step.heldByError) {
    return {
      active: true,
      reasons: [
        {
          cause: 'error-above-threshold',
          message: `rolling error ${health.rollingErrorPercent!.toFixed(1)}% is not yet at or below ${policy.recoverBelowPercent}% to recover`,
        },
      ],
      sinceSeconds: previous.sinceSeconds,
      healthySinceSeconds: null,
    };
  }
  return { ...previous, healthySinceSeconds: step.healthySinceSeconds };
}

/** One line for status and logs: why the workload is in fallback, and how far recovery has come. */
export function describeFallback(state: FallbackState, nowSeconds: number, policy: FallbackPolicy): string {
  if (!state.active) return 'forecast trusted';
  const causes = state.reasons.map((r) => r.message).join('; ');
  if (state.healthySinceSeconds === null) return `fallback: ${causes}`;
  const healthyFor = nowSeconds - state.healthySinceSeconds;
  return `fallback, recovering (healthy for ${formatSeconds(healthyFor)} of ${formatSeconds(policy.recoverAfterSeconds)}) after: ${causes}`;
}

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

/** `90` → `1m30s`: durations in messages the way the config writes them. */
function formatSeconds(seconds: number): string {
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  const minutes = Math.floor(whole / 60);
  const rest = whole % 60;
  if (minutes < 60) return rest === 0 ? `${minutes}m` : `${minutes}m${rest}s`;
  const hours = Math.floor(minutes / 60);
  const restMinutes = minutes % 60;
  return restMinutes === 0 ? `${hours}h` : `${hours}h${restMinutes}m`;
}
