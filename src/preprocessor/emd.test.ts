import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createRandom } from '../core/index.js';
import {
  defaultMaxModes,
  emd,
  firstMode,
  localExtrema,
  meanPeriodSteps,
  naturalCubicSpline,
  zeroCrossings,
} from './emd.js';

/** scipy.interpolate.CubicSpline(knots, values, bc_type='natural') evaluated at 0..30 (scipy 1.17.1). */
const golden = JSON.parse(readFileSync(new URL('./natural-spline.golden.json', import.meta.url), 'utf8')) as {
  knots: number[];
  values: number[];
  length: number;
  spline: number[];
};

test('naturalCubicSpline matches scipy’s natural CubicSpline to 1e-12, uneven knots and outside ones included', () => {
  const spline = naturalCubicSpline(golden.knots, golden.values, golden.length);
  for (const [t, want] of golden.spline.entries()) {
    assert.ok(Math.abs(spline[t] - want) < 1e-12, `t=${t}: ${spline[t]} vs ${want}`);
  }
});

test('naturalCubicSpline through two knots is the straight line, through one a constant', () => {
  assert.deepEqual(Array.from(naturalCubicSpline([0, 4], [1, 3], 5)), [1, 1.5, 2, 2.5, 3]);
  assert.deepEqual(Array.from(naturalCubicSpline([2], [7], 3)), [7, 7, 7]);
});

const extremaRows = [
  { name: 'strict peaks and troughs', input: [0, 2, 1, 3, -1, 0], want: { maxima: [1, 3], minima: [2, 4] } },
  { name: 'a flat top counts once, at its middle', input: [0, 2, 2, 2, 0, 1], want: { maxima: [2], minima: [4] } },
  { name: 'a shoulder is no extremum', input: [0, 1, 1, 2, 1], want: { maxima: [3], minima: [] } },
  { name: 'monotonic: none', input: [1, 2, 3, 4], want: { maxima: [], minima: [] } },
  { name: 'the end samples never count', input: [5, 1, 5], want: { maxima: [], minima: [1] } },
];
for (const row of extremaRows) {
  test(`localExtrema: ${row.name}`, () => assert.deepEqual(localExtrema(row.input), row.want));
}

test('zeroCrossings counts sign changes; meanPeriodSteps reads a sine’s period from its extrema', () => {
  assert.equal(zeroCrossings([1, -1, -2, 3, 0, -1]), 3); // 0 counts as positive: 3 → 0 is no crossing, 0 → −1 is
  const sine = Array.from({ length: 400 }, (_, t) => Math.sin((2 * Math.PI * t) / 40 + 0.3));
  assert.ok(Math.abs(meanPeriodSteps(sine) - 40) < 1, `period ${meanPeriodSteps(sine)}`);
  assert.equal(meanPeriodSteps([1, 2, 3]), Number.POSITIVE_INFINITY);
});

test('firstMode of a pure sine is the sine (mirrored ends keep it whole); a monotonic signal has none', () => {
  const sine = Array.from({ length: 300 }, (_, t) => Math.sin((2 * Math.PI * t) / 30));
  const mode = firstMode(sine);
  assert.ok(mode !== null);
  const worst = Math.max(...sine.map((v, t) => Math.abs(mode[t] - v)));
  assert.ok(worst < 0.05, `largest departure ${worst}`);
  assert.equal(firstMode(Array.from({ length: 50 }, (_, t) => t * t)), null);
});

test('emd: modes plus residue give back white noise exactly; fewer than log2(n) modes come out uncapped', () => {
  const random = createRandom(7, 'emd-test');
  const n = 1024;
  const noise = Float64Array.from({ length: n }, random.normal);
  for (const stopping of [
    { kind: 'cauchy', threshold: 0.2 },
    { kind: 's-number', s: 4 },
  ] as const) {
    const { modes, residue } = emd(noise, 1000, { stopping, maxSiftings: 100 });
    assert.ok(modes.length >= 3 && modes.length <= Math.log2(n), `${stopping.kind}: ${modes.length} modes`);
    for (let t = 0; t < n; t++) {
      const sum = modes.reduce((total, mode) => total + mode[t], residue[t]);
      assert.ok(Math.abs(sum - noise[t]) < 1e-12, `${stopping.kind}: t=${t}`);
    }
    // EMD of white noise is a dyadic filter bank: each mode's period is longer than the one before.
    const periods = modes.map(meanPeriodSteps);
    for (let k = 1; k < periods.length; k++) assert.ok(periods[k] > periods[k - 1], `${stopping.kind}: ${periods}`);
  }
  assert.equal(defaultMaxModes(1024), 10);
  assert.equal(emd(noise, 2).modes.length, 2);
});
