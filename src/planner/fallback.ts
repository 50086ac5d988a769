import type { Forecast } from '../core/index.js';
import { type BucketWindow, bucketWindow } from './quantile.js';
import type { FallbackCause, FallbackPolicy, FallbackState } from './types.js';

/** The planner's memory before its first decision: not in fallback. */
export const initialFallbackState: FallbackState = { active: false, cause: null, healthySinceSeconds: null };

/** The verdict on a forecast now: why it cannot be used (null = usable) and the buckets it would be read over. */
export interface ForecastHealth {
  readonly cause: FallbackCause | null;
  readonly window: BucketWindow | null;
}

/**
 * Can the forecast be planned on at `nowSeconds`? In order: missing (none, or no points), stale (origin older
 * than `staleAfterSeconds`), too short (ends before now + lead), non-finite (a NaN or ±Infinity in the buckets
 * it would be read over), error (rolling error above `maxErrorPercent`).
 */
export function assessForecast(
  forecast: Forecast | null,
  errorPercent: number | null,
  nowSeconds: number,
  leadSeconds: number,
  policy: FallbackPolicy,
): ForecastHealth {
  if (forecast === null || forecast.point.length === 0) return { cause: 'missing', window: null };
  if (!(forecast.stepSeconds > 0) || !Number.isFinite(forecast.startSeconds)) {
    return { cause: 'non-finite', window: null };
  }
  if (nowSeconds - forecast.startSeconds > policy.staleAfterSeconds) return { cause: 'stale', window: null };
  const window = bucketWindow(forecast, nowSeconds, nowSeconds + leadSeconds);
  if (window.short) return { cause: 'too-short', window: null };
  const upper = forecast.intervals?.upper;
  for (let h = window.first; h <= window.last; h++) {
    if (!Number.isFinite(forecast.point[h]) || (upper !== undefined && !Number.isFinite(upper[h]))) {
      return { cause: 'non-finite', window: null };
    }
  }
  if (errorPercent !== null && errorPercent > policy.maxErrorPercent) return { cause: 'error', window };
  return { cause: null, window };
}

/** One step of fallback hysteresis, the part the planner and the service's fallback module share. */
export interface FallbackHysteresis {
  readonly active: boolean;
  /** Start of the current healthy run while still in fallback; null when not recovering. */
  readonly healthySinceSeconds: number | null;
  /** True when only an error above `recoverBelowPercent` keeps fallback active. */
  readonly heldByError: boolean;
}

/**
 * Fallback with hysteresis: any cause enters it at once; leaving it takes a forecast that has been healthy,
 * with its error at or below `recoverBelowPercent`, for `recoverAfterSeconds` in a row. So a forecast
 * whose error hovers around the threshold cannot flip between predictive and reactive.
 */
export function fallbackHysteresis(
  previous: { readonly active: boolean; readonly healthySinceSeconds: number | null },
  unhealthy: boolean,
  errorPercent: number | null,
  nowSeconds: number,
  policy: Pick<FallbackPolicy, 'recoverBelowPercent' | 'recoverAfterSeconds'>,
): FallbackHysteresis {
  if (unhealthy) return { active: true, healthySinceSeconds: null, heldByError: false };
  if (!previous.active) return { active: false, healthySinceSeconds: null, heldByError: false };
  if (errorPercent !== null && errorPercent > policy.recoverBelowPercent) {
    return { active: true, healthySinceSeconds: null, heldByError: true };
  }
  const healthySinceSeconds = previous.healthySinceSeconds ?? nowSeconds;
  if (nowSeconds - healthySinceSeconds >= policy.recoverAfterSeconds) {
    return { active: false, healthySinceSeconds: null, heldByError: false };
  }
  return { active: true, healthySinceSeconds, heldByError: false };
}

/** The planner's fallback memory after a decision: `fallbackHysteresis` plus the cause it reports. */
export function updateFallback(
  previous: FallbackState,
  cause: FallbackCause | null,
  errorPercent: number | null,
  nowSeconds: number,
  policy: FallbackPolicy,
): FallbackState {
  const step = fallbackHysteresis(previous, cause !== null, errorPercent, nowSeconds, policy);
  if (!step.active) return previous.active ? initialFallbackState : previous;
  if (cause !== null) {
    if (previous.active && previous.cause === cause && previous.healthySinceSeconds === null) return previous;
    return { active: true, cause, healthySinceSeconds: null };
  }
  if (step.heldByError) return { active: true, cause: 'error', healthySinceSeconds: null };
  return { active: true, cause: previous.cause, healthySinceSeconds: step.healthySinceSeconds };
}
