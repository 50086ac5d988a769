import type { Series } from '../core/index.js';

/**
 * `planner.seasonalEnvelope: Daily` (docs/planner.md): besides the forecast, the plan covers a step of the load
 * that recurred at this time of day on each of the last `ENVELOPE_DAYS` days. A smooth model rounds a recurring
 * step off (a ramp that jumps at the same minute every morning); the load seen at that minute on the days before
 * has the step in it. Bursts are not steps: a bucket counts only at the level its successor also held, and a day
 * counts only as high as the lowest of the days, so a one-minute burst or a one-day surge does not come back as
 * capacity the next day.
 */

/** The envelope's period: one day. */
export const DAILY_PERIOD_SECONDS = 86_400;

/** Days a step must have recurred on to count: the last three (with two, random levels came back more often on ELB). */
export const ENVELOPE_DAYS = 3;

/** The window before now whose mean load compares today's level with a past day's. */
export const LEVEL_WINDOW_SECONDS = 3600;

/** How much observed load the envelope reads back: the days and the level window before them. */
export function envelopeLookbackSeconds(stepSeconds: number): number {
  return ENVELOPE_DAYS * DAILY_PERIOD_SECONDS + LEVEL_WINDOW_SECONDS + stepSeconds;
}

/** Mean of the observed buckets that start in [fromSeconds, toSeconds); null when none. */
function meanLoad(load: Series, fromSeconds: number, toSeconds: number): number | null {
  const step = load.stepSeconds;
  const first = Math.max(0, Math.ceil((fromSeconds - load.startSeconds) / step));
  const end = Math.min(load.values.length, Math.ceil((toSeconds - load.startSeconds) / step));
  let sum = 0;
  let n = 0;
  for (let i = first; i < end; i++) {
    if (Number.isFinite(load.values[i])) {
      sum += load.values[i];
      n++;
    }
  }
  return n === 0 ? null : sum / n;
}

/**
 * The highest level the load held for two buckets in a row, min(v[i], v[i+1]), over the buckets from the one
 * containing `fromSeconds` to the one after `toSeconds` (a rate sampled at a bucket's start measures the step before
 * it, so a step up at t first shows in the bucket after t); NaN pairs skipped; null when none is observed.
 */
export function persistentPeak(load: Series, fromSeconds: number, toSeconds: number): number | null {
  const step = load.stepSeconds;
  const first = Math.max(0, Math.floor((fromSeconds - load.startSeconds) / step));
  const last = Math.min(load.values.length - 2, Math.floor((toSeconds + step - load.startSeconds) / step));
  let peak: number | null = null;
  for (let i = first; i <= last; i++) {
    const held = Math.min(load.values[i], load.values[i + 1]);
    if (Number.isFinite(held) && (peak === null || held > peak)) peak = held;
  }
  return peak;
}

/**
 * The load a recurring step asks for over [fromSeconds, toSeconds], `nowSeconds` being the newest observed time:
 * the lowest, over the last `ENVELOPE_DAYS` days, of each day's `persistentPeak` over the same window shifted back by
 * whole days, times the mean load of the hour before now over that day's same hour; null unless every day and both
 * hours were observed with load.
 */
export function seasonalEnvelopeLoad(
  load: Series,
  nowSeconds: number,
  fromSeconds: number,
  toSeconds: number,
): number | null {
  const levelNow = meanLoad(load, nowSeconds - LEVEL_WINDOW_SECONDS, nowSeconds);
  if (levelNow === null) return null;
  let lowest: number | null = null;
  for (let day = 1; day <= ENVELOPE_DAYS; day++) {
    const shift = day * DAILY_PERIOD_SECONDS;
    const peak = persistentPeak(load, fromSeconds - shift, toSeconds - shift);
    const levelThen = meanLoad(load, nowSeconds - shift - LEVEL_WINDOW_SECONDS, nowSeconds - shift);
    if (peak === null || levelThen === null || !(levelThen > 0)) return null;
    const scaled = (peak * levelNow) / levelThen;
    if (lowest === null || scaled < lowest) lowest = scaled;
  }
  return lowest;
}
