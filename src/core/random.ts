/**
 * Seeded pseudo-random numbers: one generator per purpose (the simulator's pod delays, arrival noise and
 * request-level check; CEEMDAN's noise realisations), each derived from a seed, so changing how often one part
 * draws never shifts the numbers another part sees.
 */

/** A source of uniform numbers in [0, 1) plus the few distributions the simulator draws from. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Exponential with the given mean. */
  exponential(mean: number): number;
  /** Standard normal. */
  normal(): number;
  /** Poisson with mean `lambda` (≥ 0). */
  poisson(lambda: number): number;
}

/** splitmix32: turns any 32-bit integer into a well-mixed one; used to seed and to derive streams. */
function splitmix32(state: number): number {
  let z = (state + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A stable 32-bit hash of a stream name, so streams are named rather than numbered. */
function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A generator for `seed` and a named purpose (`'pods'`, `'arrivals'`, …): xoshiro128** seeded through
 * splitmix32. Same seed and name, same sequence, on every platform.
 */
export function createRandom(seed: number, stream: string): Random {
  let x = splitmix32(((seed >>> 0) ^ hashName(stream)) >>> 0);
  const s = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    x = splitmix32(x + i);
    s[i] = x;
  }
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  let spareNormal = Number.NaN;

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  };
  const next = (): number => nextUint32() / 4294967296;

  const normal = (): number => {
    if (!Number.isNaN(spareNormal)) {
      const value = spareNormal;
      spareNormal = Number.NaN;
      return value;
    }
    // Marsaglia's polar method: two normals per accepted pair.
    let u: number;
    let v: number;
    let q: number;
    do {
      u = 2 * next() - 1;
      v = 2 * next() - 1;
      q = u * u + v * v;
    } while (q >= 1 || q === 0);
    const factor = Math.sqrt((-2 * Math.log(q)) / q);
    spareNormal = v * factor;
    return u * factor;
  };

  const poisson = (lambda: number): number => {
    if (!(lambda > 0)) return 0;
    if (lambda < 30) {
      // Knuth: multiply uniforms until the product drops below e^-λ.
      const limit = Math.exp(-lambda);
      let k = 0;
      let product = next();
      while (product > limit) {
        k++;
        product *= next();
      }
      return k;
    }
    return poissonPtrs(lambda, next);
  };

  return { next, exponential: (mean) => -mean * Math.log(1 - next()), normal, poisson };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Hörmann's PTRS (transformed rejection with squeeze, 1993) for λ ≥ 10: exact Poisson samples in O(1)
 * expected time, so a second with a million arrivals costs what a second with ten does.
 */
function poissonPtrs(lambda: number, next: () => number): number {
  const slam = Math.sqrt(lambda);
  const logLambda = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = next() - 0.5;
    const v = next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -lambda + k * logLambda - logGamma(k + 1)) {
      return k;
    }
  }
}

/** ln Γ(x) for x ≥ 1 (Stirling series; exact enough for the PTRS acceptance test). */
function logGamma(x: number): number {
  if (x < 10) {
    let result = 0;
    let y = x;
    while (y < 10) {
      result -= Math.log(y);
      y++;
    }
    return result + logGamma(y);
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  return (
    (x - 0.5) * Math.log(x) -
    x +
    0.9189385332046728 +
    inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 / 1680)))
  );
}
