import type { Forecast } from '../core/index.js';
import { nearestRank, sortedFinite } from './stats.js';

/**
 * `planner.uncertainty: RecentErrors` (docs/planner.md): the spread the planner adds above the point forecast is
 * measured on the workload's own recent misses at the horizons the plan reads, instead of the model's interval.
 * Request counts are over-dispersed Poisson-like counts, so a miss is standardized by √load: the same standardized
 * miss gives a margin that is a larger share of a small load (2 pods) than of a large one (20 pods). Recomputed at
 * every decision from a rolling window, it recalibrates online: if recent actuals left the band more often than
 * the quantile allows, the band widens; if less, it narrows (online conformal prediction on standardized errors).
 */

/** One scored forecast point: what the forecast said for a bucket and what came. */
export interface ForecastMiss {
  readonly forecast: number;
  readonly actual: number;
}

/** Fewest recent misses the spread is measured on; with fewer, the model's interval is used. */
export const MIN_RECENT_MISSES = 10;

/** Below one load unit the √load scale stops shrinking, so a forecast near zero cannot blow a miss up. */
const MIN_SCALE_LOAD = 1;

/** The scale one standardized miss is measured in at `load`: √load, never below √1. */
export function dispersionScale(load: number): number {
  return Math.sqrt(Math.max(load, MIN_SCALE_LOAD));
}

/**
 * The `quantile` of the recent standardized misses (actual − forecast) / √forecast, nearest rank; null with
 * fewer than `MIN_RECENT_MISSES` finite ones. Negative when the forecast has run high: the band then narrows.
 */
export function recentErrorSpread(misses: readonly ForecastMiss[], quantile: number): number | null {
  const standardized = misses.map((m) => (m.actual - m.forecast) / dispersionScale(m.forecast));
  const sorted = sortedFinite(standardized);
  return sorted.length < MIN_RECENT_MISSES ? null : nearestRank(sorted, quantile);
}

/** The highest load of point + spread × √point over buckets `first..last`, never below 0. */
export function peakSpreadLoad(forecast: Forecast, spread: number, first: number, last: number): number {
  let peak = 0;
  for (let h = first; h <= last; h++) {
    const p = forecast.point[h];
    const value = p + spread * dispersionScale(p);
    if (value > peak) peak = value;
  }
  return peak;
}
