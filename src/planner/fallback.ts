import type { Forecast } from '../core/index.js';
import { formatDurationSeconds } from '../core/units.js';
import { bucketWindow } from './quantile.js';

/**
 * The one place that decides fallback (KEDA's `pkg/fallback` plays this part there): the sources, the model,
 * the forecast and the accuracy tracker only report; this module turns their reports into "plan on the forecast
 * or not", with hysteresis. The planner is then handed the forecast only when it is trusted. Pure: state in,
 * state out, `nowSeconds` passed.
 */

/**
 * Why the forecast is not trusted, in the order reasons are listed (source, data, model, forecast, error,
 * plan). The first four come from the service's sources; a plan request has none.
 */
export const FALLBACK_CAUSES = [
  'prometheus-unreachable',
  'data-stale',
  'model-missing',
  'forecast-failed',
  'forecast-missing',
  'forecast-stale',
  'forecast-too-short',
  'forecast-non-finite',
  'error-above-threshold',
  'plan-failed',
] as const;

export type FallbackCause = (typeof FALLBACK_CAUSES)[number];

/** One cause with the sentence a person reads in a plan's reason, `/v1/workloads/:name` and the logs. */
export interface FallbackReason {
  readonly cause: FallbackCause;
  readonly message: string;
}

/** Fallback memory between decisions. */
export interface FallbackState {
  readonly active: boolean;
  /** The causes that put (or keep) the workload in fallback; kept while recovering. */
  readonly reasons: readonly FallbackReason[];
  /** When the current fallback episode began; null when not active. */
  readonly sinceSeconds: number | null;
  /** Start of the current healthy run while still in fallback; null when not recovering. */
  readonly healthySinceSeconds: number | null;
}

/** Before the first decision: not in fallback. */
export const initialFallbackState: FallbackState = {
  active: false,
  reasons: [],
  sinceSeconds: null,
  healthySinceSeconds: null,
};

/** When to enter fallback and how long the forecast must be healthy to leave it (the spec's `fallback.*`). */
export interface FallbackPolicy {
  /** Rolling forecast error (percent) above which the forecast is not trusted. */
  readonly maxErrorPercent: number;
  /** Leave fallback only once the error is at or below this (hysteresis band under maxErrorPercent). */
  readonly recoverBelowPercent: number;
  /** Data or a forecast is stale when older than this many seconds. */
  readonly staleAfterSeconds: number;
  /** The evidence must stay healthy this long before the forecast is trusted again. */
  readonly recoverAfterSeconds: number;
}

/** What the service's loop observed this sync (the collector, the model holder, the planner). */
export interface SourceHealth {
  /** Null when the last Prometheus read succeeded; the error otherwise. */
  readonly prometheusError: string | null;
  /** Time of the newest observed load sample; null when none was ever seen. */
  readonly lastSampleSeconds: number | null;
  /** Null when a fitted model is loaded; otherwise why none is (never trained, corrupt file, failed fit). */
  readonly modelProblem: string | null;
  /** Null when this sync's forecast could be made; otherwise why not (the model threw). */
  readonly forecastProblem: string | null;
  /** Null when the planner could plan; otherwise why not (e.g. a capacity it cannot learn yet). */
  readonly planProblem: string | null;
}

/** Everything the verdict reads. */
export interface FallbackEvidence {
  /** The service's sources; null for a plan request, which knows only its forecast and error. */
  readonly sources: SourceHealth | null;
  readonly forecast: Forecast | null;
  /** Rolling forecast error (percent) at the horizons the plan reads; null while unknown. */
  readonly errorPercent: number | null;
  /** The forecast must cover [now, now + lead] (the pod start-up time the plan looks over). */
  readonly leadSeconds: number;
}

/** The verdict: the new memory, and the forecast to plan on (null unless trusted). */
export interface FallbackVerdict {
  readonly state: FallbackState;
  readonly forecast: Forecast | null;
}

/** Every reason the forecast cannot be trusted now, in `FALLBACK_CAUSES` order; empty when it can. */
export function fallbackReasons(
  evidence: FallbackEvidence,
  nowSeconds: number,
  policy: FallbackPolicy,
): FallbackReason[] {
  const reasons: FallbackReason[] = [];
  const sources = evidence.sources;
  if (sources !== null) {
    if (sources.prometheusError !== null) {
      reasons.push({ cause: 'prometheus-unreachable', message: `Prometheus read failed: ${sources.prometheusError}` });
    }
    if (sources.lastSampleSeconds === null) {
      reasons.push({ cause: 'data-stale', message: 'no load sample has been read yet' });
    } else {
      const ageSeconds = nowSeconds - sources.lastSampleSeconds;
      if (ageSeconds > policy.staleAfterSeconds) {
        reasons.push({
          cause: 'data-stale',
          message: `newest load sample is ${formatSeconds(ageSeconds)} old (staleAfter ${formatSeconds(policy.staleAfterSeconds)})`,
        });
      }
    }
    if (sources.modelProblem !== null) reasons.push({ cause: 'model-missing', message: sources.modelProblem });
    if (sources.forecastProblem !== null) reasons.push({ cause: 'forecast-failed', message: sources.forecastProblem });
  }
  const forecastReason = forecastProblem(evidence, nowSeconds, policy);
  // A missing forecast that a source already explains (no model, the model threw) is not a second reason.
  if (forecastReason !== null && !(forecastReason.cause === 'forecast-missing' && reasons.length > 0)) {
    reasons.push(forecastReason);
  }
  const error = evidence.errorPercent;
  if (error !== null && error > policy.maxErrorPercent) {
    reasons.push({
      cause: 'error-above-threshold',
      message: `rolling error ${error.toFixed(1)}% is above maxError ${policy.maxErrorPercent}%`,
    });
  }
  if (sources?.planProblem != null) reasons.push({ cause: 'plan-failed', message: sources.planProblem });
  return reasons;
}

/**
 * Can the forecast be planned on at `nowSeconds`? Missing (none, or no points), stale (origin older than
 * `staleAfter`), too short (ends before now + lead), non-finite (a NaN or ±Infinity where the plan reads it).
 */
function forecastProblem(
  evidence: FallbackEvidence,
  nowSeconds: number,
  policy: FallbackPolicy,
): FallbackReason | null {
  const forecast = evidence.forecast;
  if (forecast === null || forecast.point.length === 0) return { cause: 'forecast-missing', message: 'no forecast' };
  if (!(forecast.stepSeconds > 0) || !Number.isFinite(forecast.startSeconds)) {
    return { cause: 'forecast-non-finite', message: 'forecast has no finite start and step' };
  }
  const ageSeconds = nowSeconds - forecast.startSeconds;
  if (ageSeconds > policy.staleAfterSeconds) {
    return {
      cause: 'forecast-stale',
      message: `forecast origin is ${formatSeconds(ageSeconds)} old (staleAfter ${formatSeconds(policy.staleAfterSeconds)})`,
    };
  }
  const window = bucketWindow(forecast, nowSeconds, nowSeconds + evidence.leadSeconds);
  if (window.short) {
    return {
      cause: 'forecast-too-short',
      message: `forecast ends before now + podStartup (${formatSeconds(evidence.leadSeconds)})`,
    };
  }
  const upper = forecast.intervals?.upper;
  for (let h = window.first; h <= window.last; h++) {
    if (!Number.isFinite(forecast.point[h]) || (upper !== undefined && !Number.isFinite(upper[h]))) {
      return { cause: 'forecast-non-finite', message: 'forecast has non-finite values where the plan reads it' };
    }
  }
  return null;
}

/**
 * Fallback with hysteresis: any cause enters it at once; leaving it takes evidence that has been healthy, with
 * the rolling error at or below `recoverBelowPercent`, for `recoverAfterSeconds` in a row. An error hovering
 * around `maxErrorPercent` therefore cannot flip the plan between forecast and reactive.
 */
export function decideFallback(
  evidence: FallbackEvidence,
  previous: FallbackState,
  nowSeconds: number,
  policy: FallbackPolicy,
): FallbackVerdict {
  const reasons = fallbackReasons(evidence, nowSeconds, policy);
  const inFallback = (state: FallbackState): FallbackVerdict => ({ state, forecast: null });
  if (reasons.length > 0) {
    return inFallback({
      active: true,
      reasons,
      sinceSeconds: previous.active ? previous.sinceSeconds : nowSeconds,
      healthySinceSeconds: null,
    });
  }
  if (!previous.active) return { state: initialFallbackState, forecast: evidence.forecast };
  const error = evidence.errorPercent;
  if (error !== null && error > policy.recoverBelowPercent) {
    return inFallback({
      active: true,
      reasons: [
        {
          cause: 'error-above-threshold',
          message: `rolling error ${error.toFixed(1)}% is not yet at or below ${policy.recoverBelowPercent}% to recover`,
        },
      ],
      sinceSeconds: previous.sinceSeconds,
      healthySinceSeconds: null,
    });
  }
  const healthySinceSeconds = previous.healthySinceSeconds ?? nowSeconds;
  if (nowSeconds - healthySinceSeconds >= policy.recoverAfterSeconds) {
    return { state: initialFallbackState, forecast: evidence.forecast };
  }
  return inFallback({ ...previous, healthySinceSeconds });
}

/** One line for a plan's reason, status and logs: why the forecast is not trusted, and how far recovery has come. */
export function describeFallback(state: FallbackState, nowSeconds: number, policy: FallbackPolicy): string {
  if (!state.active) return 'forecast trusted';
  const causes = state.reasons.map((reason) => reason.message).join('; ');
  if (state.healthySinceSeconds === null) return `fallback: ${causes}`;
  const healthyFor = nowSeconds - state.healthySinceSeconds;
  return `fallback, recovering (healthy for ${formatSeconds(healthyFor)} of ${formatSeconds(policy.recoverAfterSeconds)}) after: ${causes}`;
}

/** A duration in messages the way the config writes them, to the whole second. */
function formatSeconds(seconds: number): string {
  return formatDurationSeconds(Math.round(seconds));
}
