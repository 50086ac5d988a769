import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CeemdanSettings, ceemdan, DEFAULT_CEEMDAN_SETTINGS } from './ceemdan.js';

const N = 1024;
/** Two well separated sines (periods 20 and 200 samples) on a linear trend. */
const fast = Float64Array.from({ length: N }, (_, t) => Math.sin((2 * Math.PI * t) / 20));
const slow = Float64Array.from({ length: N }, (_, t) => 2 * Math.sin((2 * Math.PI * t) / 200 + 1));
const trend = Float64Array.from({ length: N }, (_, t) => 0.005 * t);
const mixture = fast.map((v, t) => v + slow[t] + trend[t]);

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i++) {
    meanA += a[i] / n;
    meanB += b[i] / n;
  }
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i] - meanA) * (b[i] - meanB);
    aa += (a[i] - meanA) ** 2;
    bb += (b[i] - meanB) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

const small: CeemdanSettings = { ...DEFAULT_CEEMDAN_SETTINGS, ensembleSize: 20 };
const decomposed = ceemdan(mixture, small);

test('ceemdan: modes plus residue give back the signal to float precision', () => {
  for (let t = 0; t < N; t++) {
    const sum = decomposed.modes.reduce((total, mode) => total + mode[t], decomposed.residue[t]);
    assert.ok(Math.abs(sum - mixture[t]) < 1e-12, `t=${t}: ${sum} vs ${mixture[t]}`);
  }
});

test('ceemdan: at most log2(n) modes by default, and never more than maxModes', () => {
  assert.ok(decomposed.modes.length >= 2 && decomposed.modes.length <= Math.log2(N), `${decomposed.modes.length}`);
  const capped = ceemdan(mixture, { ...small, maxModes: 3 });
  assert.equal(capped.modes.length, 3);
  assert.ok(capped.residue.every(Number.isFinite));
});

test('ceemdan: separates two sines of well separated periods and the trend (correlation > 0.95)', () => {
  const best = (component: Float64Array) => Math.max(...decomposed.modes.map((mode) => correlation(mode, component)));
  assert.ok(best(fast) > 0.95, `fast sine: ${best(fast)}`);
  assert.ok(best(slow) > 0.95, `slow sine: ${best(slow)}`);
  assert.ok(correlation(decomposed.residue, trend) > 0.95, `trend: ${correlation(decomposed.residue, trend)}`);
  // The fast sine comes out before the slow one.
  const index = (component: Float64Array) => {
    const scores = decomposed.modes.map((mode) => correlation(mode, component));
    return scores.indexOf(Math.max(...scores));
  };
  assert.ok(index(fast) < index(slow));
});

test('ceemdan: the same seed gives the same modes bit for bit; another seed other ones', () => {
  const again = ceemdan(mixture, small);
  assert.equal(again.modes.length, decomposed.modes.length);
  for (const [k, mode] of again.modes.entries()) assert.deepEqual(mode, decomposed.modes[k]);
  const other = ceemdan(mixture, { ...small, seed: 2 });
  assert.notDeepEqual(other.modes[0], decomposed.modes[0]);
});

test('ceemdan: a constant or monotonic signal is all residue', () => {
  for (const signal of [new Float64Array(64).fill(3), Float64Array.from({ length: 64 }, (_, t) => t)]) {
    const { modes, residue } = ceemdan(signal, small);
    assert.equal(modes.length, 0);
    assert.deepEqual(residue, signal);
  }
});
