/*
 * The study's statistics over seeds: Student's t intervals for a mean and the paired t test. No kept library has
 * the t distribution (vega-statistics has the normal only), so its CDF is computed here from the regularized
 * incomplete beta function (Numerical Recipes, 3rd ed., §6.4) and its quantile by bisection on the CDF.
 */

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms): accurate to ~1e-15, ample for p-values. */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = c[0];
  for (let i = 1; i < 9; i++) sum += c[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    for (const aa of [
      (m * (b - m) * x) / ((a + m2 - 1) * (a + m2)),
      (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1)),
    ]) {
      d = 1 + aa * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + aa / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  if (t === Number.POSITIVE_INFINITY) return 1;
  if (t === Number.NEGATIVE_INFINITY) return 0;
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The t with P(T ≤ t) = p, for 0 < p < 1 (bisection: the CDF is monotone). */
export function studentTQuantile(p: number, df: number): number {
  let lo = -1e6;
  let hi = 1e6;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, Math.abs(hi)); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** A mean with its two-sided confidence interval; the interval is null below two values (no spread known). */
export interface MeanInterval {
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n − 1). */
  readonly std: number;
  readonly level: number;
  readonly lower: number | null;
  readonly upper: number | null;
}

/** Mean ± t(1 − (1 − level)/2, n − 1) · s/√n over the values (seeds). */
export function meanInterval(values: readonly number[], level = 0.95): MeanInterval {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  if (n < 2) return { n, mean, std, level, lower: null, upper: null };
  const half = studentTQuantile(1 - (1 - level) / 2, n - 1) * (std / Math.sqrt(n));
  return { n, mean, std, level, lower: mean - half, upper: mean + half };
}

/** A paired t test of `a − b` (pairs by index, here by seed). */
export interface PairedTest {
  readonly n: number;
  /** The mean difference a − b with its confidence interval. */
  readonly difference: MeanInterval;
  /** The t statistic; null when every difference is equal and nonzero (no spread: t is infinite). */
  readonly t: number | null;
  readonly df: number;
  /** Two-sided p-value; null below two pairs. */
  readonly p: number | null;
}

/** Student's paired t test of H0: mean(a − b) = 0. */
export function pairedTTest(a: readonly number[], b: readonly number[], level = 0.95): PairedTest {
  if (a.length !== b.length) throw new RangeError(`paired test: ${a.length} values against ${b.length}`);
  const differences = a.map((value, i) => value - b[i]);
  const difference = meanInterval(differences, level);
  const n = differences.length;
  if (n < 2) return { n, difference, t: null, df: n - 1, p: null };
  if (difference.std === 0) {
    // Every pair differs by the same amount: no difference at all (p = 1), or one with no noise (p = 0).
    return difference.mean === 0
      ? { n, difference, t: 0, df: n - 1, p: 1 }
      : { n, difference, t: null, df: n - 1, p: 0 };
  }
  const t = difference.mean / (difference.std / Math.sqrt(n));
  return { n, difference, t, df: n - 1, p: 2 * (1 - studentTCdf(Math.abs(t), n - 1)) };
}
