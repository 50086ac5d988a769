// Empirical mode decomposition (Huang et al. 1998): sifting with natural cubic-spline envelopes through the local
// extrema. CEEMDAN (ceemdan.ts) builds on `firstMode` and `emd`.

/** When sifting stops refining a mode. */
export type SiftStopping =
  /**
   * Cauchy-type criterion (Huang et al. 1998), as the ratio of sums Σ(h_{k−1} − h_k)² / Σh²_{k−1} (the per-point
   * ratio of the paper divides by values near zero); stop below `threshold`.
   */
  | { readonly kind: 'cauchy'; readonly threshold: number }
  /**
   * S-number (Huang et al. 2003): stop once the numbers of extrema and zero crossings differ by at most one and have
   * stayed the same for `s` consecutive siftings.
   */
  | { readonly kind: 's-number'; readonly s: number };

/** How one mode is sifted out. */
export interface SiftSettings {
  readonly stopping: SiftStopping;
  /** A cap on siftings per mode, whatever the criterion says (a mode that never settles). */
  readonly maxSiftings: number;
}

/**
 * Cauchy at 0.2 (Huang's 0.2–0.3): on a two-sine mixture it separates both sines (correlation ≥ 0.96) at a seventh of
 * the time of the S-number stop with S = 4 (which separates them as well, noise modes often sifting to the cap).
 * The cap keeps a mode that never settles from running on.
 */
export const DEFAULT_SIFT_SETTINGS: SiftSettings = { stopping: { kind: 'cauchy', threshold: 0.2 }, maxSiftings: 100 };

/** Extrema mirrored past each end to anchor the envelopes there. */
const MIRRORED_EXTREMA = 2;

/** Indices of the interior local maxima and minima; a flat run counts once, at its middle. */
export function localExtrema(values: ArrayLike<number>): { maxima: number[]; minima: number[] } {
  const maxima: number[] = [];
  const minima: number[] = [];
  const n = values.length;
  let i = 1;
  while (i < n - 1) {
    let end = i;
    while (end < n - 1 && values[end + 1] === values[i]) end++;
    if (end >= n - 1) break;
    const before = values[i - 1];
    const after = values[end + 1];
    const middle = (i + end) >> 1;
    if (values[i] > before && values[i] > after) maxima.push(middle);
    else if (values[i] < before && values[i] < after) minima.push(middle);
    i = end + 1;
  }
  return { maxima, minima };
}

/** Sign changes (zero counts as positive). */
export function zeroCrossings(values: ArrayLike<number>): number {
  let crossings = 0;
  for (let i = 1; i < values.length; i++) if (values[i - 1] < 0 !== values[i] < 0) crossings++;
  return crossings;
}

/** A signal can be sifted while its envelopes exist: a maximum, a minimum and three extrema in all. */
export function isSiftable(extrema: { maxima: number[]; minima: number[] }): boolean {
  return extrema.maxima.length >= 1 && extrema.minima.length >= 1 && extrema.maxima.length + extrema.minima.length >= 3;
}

/**
 * The natural cubic spline (second derivative 0 at both ends) through (knots[i], values[i]), knots strictly
 * increasing, evaluated at 0, 1, …, length − 1 (extrapolating the end cubics outside the knots).
 */
export function naturalCubicSpline(knots: ArrayLike<number>, values: ArrayLike<number>, length: number): Float64Array {
  const m = knots.length;
  const out = new Float64Array(length);
  if (m === 1) return out.fill(values[0]);
  // Second derivatives at the knots: the tridiagonal system of continuity of the first derivative (Thomas algorithm).
  const second = new Float64Array(m);
  if (m > 2) {
    const diagonal = new Float64Array(m);
    const rhs = new Float64Array(m);
    for (let i = 1; i < m - 1; i++) {
      const left = knots[i] - knots[i - 1];
      const right = knots[i + 1] - knots[i];
      diagonal[i] = 2 * (left + right);
      rhs[i] = 6 * ((values[i + 1] - values[i]) / right - (values[i] - values[i - 1]) / left);
    }
    for (let i = 2; i < m - 1; i++) {
      const factor = (knots[i] - knots[i - 1]) / diagonal[i - 1];
      diagonal[i] -= factor * (knots[i] - knots[i - 1]);
      rhs[i] -= factor * rhs[i - 1];
    }
    for (let i = m - 2; i >= 1; i--) second[i] = (rhs[i] - (knots[i + 1] - knots[i]) * second[i + 1]) / diagonal[i];
  }
  let segment = 0;
  for (let t = 0; t < length; t++) {
    while (segment < m - 2 && t > knots[segment + 1]) segment++;
    const x0 = knots[segment];
    const width = knots[segment + 1] - x0;
    const a = (knots[segment + 1] - t) / width;
    const b = (t - x0) / width;
    out[t] =
      a * values[segment] +
      b * values[segment + 1] +
      (((a * a * a - a) * second[segment] + (b * b * b - b) * second[segment + 1]) * width * width) / 6;
  }
  return out;
}

/**
 * The envelope through the extrema at `indices`, ends anchored by mirror symmetry (Rilling, Flandrin & Gonçalves
 * 2003): the first and last `MIRRORED_EXTREMA` extrema are reflected about the series' first and last sample, so the
 * spline is interpolated at both ends rather than extrapolated, which is what makes free EMD ends swing. Extrema are
 * interior (`localExtrema`), so the reflected knots fall strictly outside [0, n − 1].
 */
function envelope(values: ArrayLike<number>, indices: number[]): Float64Array {
  const n = values.length;
  const count = indices.length;
  const mirrored = Math.min(MIRRORED_EXTREMA, count);
  const knots: number[] = [];
  const knotValues: number[] = [];
  for (let k = mirrored - 1; k >= 0; k--) {
    knots.push(-indices[k]);
    knotValues.push(values[indices[k]]);
  }
  for (const index of indices) {
    knots.push(index);
    knotValues.push(values[index]);
  }
  for (let k = count - 1; k >= count - mirrored; k--) {
    knots.push(2 * (n - 1) - indices[k]);
    knotValues.push(values[indices[k]]);
  }
  return naturalCubicSpline(knots, knotValues, n);
}

/** Mean of the upper and lower envelopes: the local mean sifting removes. */
function envelopeMean(values: ArrayLike<number>, extrema: { maxima: number[]; minima: number[] }): Float64Array {
  const upper = envelope(values, extrema.maxima);
  const lower = envelope(values, extrema.minima);
  for (let i = 0; i < upper.length; i++) upper[i] = (upper[i] + lower[i]) / 2;
  return upper;
}

/**
 * The first intrinsic mode function of `signal` by sifting, or null when the signal has too few extrema to be
 * sifted (it is a residue: monotonic or one bump).
 */
export function firstMode(
  signal: ArrayLike<number>,
  settings: SiftSettings = DEFAULT_SIFT_SETTINGS,
): Float64Array | null {
  let extrema = localExtrema(signal);
  if (!isSiftable(extrema)) return null;
  const mode = Float64Array.from(signal);
  let stableSiftings = 0;
  let lastCounts = '';
  for (let sifting = 0; sifting < settings.maxSiftings; sifting++) {
    const mean = envelopeMean(mode, extrema);
    let changeSquared = 0;
    let previousSquared = 0;
    for (let i = 0; i < mode.length; i++) {
      previousSquared += mode[i] * mode[i];
      changeSquared += mean[i] * mean[i];
      mode[i] -= mean[i];
    }
    extrema = localExtrema(mode);
    if (!isSiftable(extrema)) break;
    const { stopping } = settings;
    if (stopping.kind === 'cauchy') {
      if (previousSquared === 0 || changeSquared / previousSquared < stopping.threshold) break;
      continue;
    }
    const extremaCount = extrema.maxima.length + extrema.minima.length;
    const crossings = zeroCrossings(mode);
    const counts = `${extremaCount}/${crossings}`;
    stableSiftings = Math.abs(extremaCount - crossings) <= 1 && counts === lastCounts ? stableSiftings + 1 : 0;
    lastCounts = counts;
    if (stableSiftings >= stopping.s) break;
  }
  return mode;
}

/** Modes (highest frequency first) and the residue; modes plus residue give back the signal. */
export interface Decomposition {
  readonly modes: Float64Array[];
  readonly residue: Float64Array;
}

/** Plain EMD: sift out modes until the residue cannot be sifted or `maxModes` modes are out. */
export function emd(
  signal: ArrayLike<number>,
  maxModes: number,
  settings: SiftSettings = DEFAULT_SIFT_SETTINGS,
): Decomposition {
  const modes: Float64Array[] = [];
  const residue = Float64Array.from(signal);
  while (modes.length < maxModes) {
    const mode = firstMode(residue, settings);
    if (mode === null) break;
    for (let i = 0; i < residue.length; i++) residue[i] -= mode[i];
    modes.push(mode);
  }
  return { modes, residue };
}

/** The default cap on modes: ⌊log2 n⌋, the number of dyadic scales in n samples (EMD acts as a dyadic filter bank). */
export function defaultMaxModes(length: number): number {
  return Math.max(1, Math.floor(Math.log2(Math.max(2, length))));
}

/** A mode's mean period in samples: two extrema per cycle. Infinity for a mode without extrema. */
export function meanPeriodSteps(mode: ArrayLike<number>): number {
  const { maxima, minima } = localExtrema(mode);
  const extrema = maxima.length + minima.length;
  return extrema === 0 ? Number.POSITIVE_INFINITY : (2 * mode.length) / extrema;
}
