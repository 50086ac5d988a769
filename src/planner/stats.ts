/** The finite values of `values`, ascending, in a new array. */
export function sortedFinite(values: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) n++;
  const sorted = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) sorted[j++] = values[i];
  return sorted.sort();
}

/**
 * Nearest-rank percentile of an ascending, non-empty array: the smallest sample with at least a fraction `p`
 * of the samples at or below it (the ceil(p × n)-th). It is always an observed value and never below the
 * interpolated one, which suits sizing (the VPA's histogram likewise answers with a bucket's upper end).
 */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  const rank = Math.ceil(p * sorted.length - 1e-9);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** A number for reason texts: at most 2 decimals, no trailing zeros. */
export function formatLoad(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/**
 * Results derived from a read-only array, computed once per array: a usage history is replaced whole at each
 * refit and read on every sync, and sorting it each time was most of a simulated week's planning time.
 */
export function derivedOnce<T>(cache: WeakMap<object, T>, values: ArrayLike<number>, derive: () => T): T {
  let derived = cache.get(values);
  if (derived === undefined) {
    derived = derive();
    cache.set(values, derived);
  }
  return derived;
}
