import type { ModelName } from './names.js';

/**
 * How costly one fit of each model is, as a rank (0 cheapest): the training queue fits a new workload's first
 * model cheapest first, so the many cheap ones forecast within minutes while an expensive one trains. From the
 * CPU per fit measured in docs/benchmarks.md (nasa-jul95, 14 days of minutes): naive and seasonal-naive
 * next to nothing; mstl 0.13 s, ets 0.21 s; ceemdan-denoise 0.38 s, ceemdan-ets 0.52 s, prophet 0.6 s; prophet-lstm 25 s, gru 32 s, lstm 50 s; `auto` with every
 * candidate 154 s (it fits them all).
 */
export const FIT_COST_RANK = {
  auto: 4,
  'ceemdan-denoise': 2,
  'ceemdan-ets': 2,
  ets: 1,
  gru: 3,
  lstm: 3,
  mstl: 1,
  naive: 0,
  prophet: 2,
  'prophet-lstm': 3,
  'seasonal-naive': 0,
} satisfies Record<ModelName, number>;

/** The rank of a model by name; a name outside the registry ranks last (it would fail its fit anyway). */
export function fitCostRank(model: string): number {
  return (FIT_COST_RANK as Record<string, number>)[model] ?? FIT_COST_RANK.auto + 1;
}
