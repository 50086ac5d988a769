import type { PredictiveAutoscaler } from '../config/predictive-autoscaler.js';
import type { AutoSelection } from '../models/auto.js';

/**
 * Which fit an `auto` model in its full stage gets next: a new selection (every candidate backtested, the cost of
 * `auto`) or a refit of the winner alone. Pure: the holder passes the time, the serving selection, the drift memory
 * and the workload's settings in, and runs what comes out.
 */

/** The drift rule: the online error above this many times the error the selection measured for the winner... */
export const DRIFT_FACTOR = 1.5;

/**
 * ...(or above the workload's `fallback.maxError`) for this long, counted from the last fit: the rolling error
 * (`loop.accuracyWindow`, 1 h) is already smoothed; half an hour more of it is a change in the load, not a burst.
 */
export const DRIFT_SUSTAIN_SECONDS = 1800;

/** The settings the choice reads. */
export interface AutoRefitSettings {
  /** `prediction.reselectEvery`: the longest time between two selections. */
  readonly reselectEverySeconds: number;
  /** `prediction.retrainEvery`: also the shortest time between two selections, so drift never costs more than daily selections did. */
  readonly retrainEverySeconds: number;
  /** `fallback.maxError`: an online error above it is drift whatever the selection measured. */
  readonly maxErrorPercent: number;
}

/** A workload's settings as the rule reads them. */
export function autoRefitSettings(resource: PredictiveAutoscaler): AutoRefitSettings {
  return {
    reselectEverySeconds: resource.prediction.reselectEverySeconds,
    retrainEverySeconds: resource.prediction.retrainEverySeconds,
    maxErrorPercent: resource.policy.fallback.maxErrorPercent,
  };
}

/** The kind of a fit, as its log line says it: `auto` selecting (warm-up or full) or refitting its winner; another model's fit. */
export type FitKind = 'selection' | 'winner-refit' | 'fit';

/** A fit to start now, with the reason it is this kind. */
export interface PlannedFit {
  readonly kind: FitKind;
  readonly why: string;
}

/** Since when the online error has stayed above the drift limit (null: it is not above), and the last values seen. */
export interface DriftMemory {
  readonly sinceSeconds: number;
  readonly errorPercent: number;
  readonly limitPercent: number;
}

/**
 * The online error (percent, the fallback's measure) above which the winner counts as drifting: `DRIFT_FACTOR` × the
 * WAPE the selection's backtest measured for it, and never above `fallback.maxError` (a record without the WAPE, from
 * before it was kept, has only the latter).
 */
export function driftLimitPercent(selection: AutoSelection, maxErrorPercent: number): number {
  const measured = selection.candidates.find((c) => c.model === selection.chosen)?.wapePercent;
  return measured === undefined ? maxErrorPercent : Math.min(maxErrorPercent, DRIFT_FACTOR * measured);
}

/** The drift memory after one more sync's online error (null while too few points are scored). */
export function trackDrift(
  memory: DriftMemory | null,
  errorPercent: number | null,
  limitPercent: number,
  nowSeconds: number,
): DriftMemory | null {
  if (errorPercent === null || !(errorPercent > limitPercent)) return null;
  return { sinceSeconds: memory?.sinceSeconds ?? nowSeconds, errorPercent, limitPercent };
}

const days = (seconds: number) => `${(seconds / 86_400).toFixed(1)} d`;

/**
 * The next fit of a full-stage `auto` model at `nowSeconds`, or null when none is due. A selection when the last one
 * is `reselectEvery` old, at the scheduled refit nearest to that age (the selection's data ends a step after its fit,
 * so the 7th daily refit comes a step short of 7 days), or when the winner has drifted for `DRIFT_SUSTAIN_SECONDS`
 * and the last selection is at least `retrainEvery` old; else, on the refit schedule (`scheduledSeconds`), a refit
 * of the winner.
 */
export function nextAutoFit(input: {
  readonly nowSeconds: number;
  readonly scheduledSeconds: number;
  readonly selection: AutoSelection;
  readonly drift: DriftMemory | null;
  readonly settings: AutoRefitSettings;
}): PlannedFit | null {
  const { nowSeconds, selection, drift, settings } = input;
  const sinceSelection = nowSeconds - selection.validationEndSeconds;
  const scheduled = nowSeconds >= input.scheduledSeconds;
  const reselectAfter = settings.reselectEverySeconds - (scheduled ? settings.retrainEverySeconds / 2 : 0);
  if (sinceSelection >= reselectAfter) {
    return {
      kind: 'selection',
      why: `last selection ${days(sinceSelection)} ago (reselectEvery ${days(settings.reselectEverySeconds)})`,
    };
  }
  const drifted = drift !== null && nowSeconds - drift.sinceSeconds >= DRIFT_SUSTAIN_SECONDS;
  if (drifted && sinceSelection >= settings.retrainEverySeconds) {
    return {
      kind: 'selection',
      why:
        `${selection.chosen} drifted: online error ${drift.errorPercent.toFixed(1)} % above ${drift.limitPercent.toFixed(1)} % ` +
        `for ${Math.round((nowSeconds - drift.sinceSeconds) / 60)} min; last selection ${days(sinceSelection)} ago`,
    };
  }
  if (!scheduled) return null;
  return {
    kind: 'winner-refit',
    why: `refit of ${selection.chosen}; last selection ${days(sinceSelection)} ago, the next in ${days(settings.reselectEverySeconds - sinceSelection)} or on drift`,
  };
}
