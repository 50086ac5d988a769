import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrescaleError } from '../../core/index.js';
import { calibrateConformal, conformalInterval } from './conformal.js';
import { type FeatureLayout, localScale, networkInputShape, writeWindow } from './features.js';

const close = (a: number, b: number) => Math.abs(a - b) < 1e-6;

test('a window holds each bucket as [anchor, value?, sin/cos of the day, sin/cos of the week], oldest first', () => {
  const layout: FeatureLayout = {
    windowSteps: 2,
    patchSteps: 1,
    calendar: ['time-of-day', 'day-of-week'],
    valueChannel: true,
  };
  const out = new Float32Array(2 * 6);
  // 1970-01-05 00:00 UTC was a Monday: phase 0 of the week; 6 h later is a quarter of the day
  const monday = 4 * 86400;
  writeWindow(out, 0, layout, { anchor: Float64Array.of(0.5, -1), values: Float64Array.of(2, 3) }, monday, 21600, 2);
  const want = [0.5, 2, 0, 1, 0, 1, -1, 3, 1, 0, Math.sin((2 * Math.PI) / 28), Math.cos((2 * Math.PI) / 28)];
  for (const [i, w] of want.entries()) assert.ok(close(out[i], w), `${i}: ${out[i]} vs ${w}`);
});

test('a window longer than the history repeats the first bucket', () => {
  const layout: FeatureLayout = { windowSteps: 4, patchSteps: 2, calendar: [], valueChannel: false };
  const out = new Float32Array(4);
  writeWindow(out, 0, layout, { anchor: Float64Array.of(7, 8) }, 0, 60, 2);
  assert.deepEqual(Array.from(out), [7, 7, 7, 8]);
});

const shapes = [
  {
    name: '120 buckets in patches of 4, time of day',
    input: { w: 120, p: 4, cal: 1, v: false },
    want: { sequenceSteps: 30, inputSize: 12 },
  },
  {
    name: 'hybrid: residual and value channels',
    input: { w: 48, p: 1, cal: 2, v: true },
    want: { sequenceSteps: 48, inputSize: 6 },
  },
];
for (const { name, input, want } of shapes) {
  test(`network input shape: ${name}`, () => {
    const calendar = (['time-of-day', 'day-of-week'] as const).slice(0, input.cal);
    assert.deepEqual(
      networkInputShape({ windowSteps: input.w, patchSteps: input.p, calendar, valueChannel: input.v }),
      want,
    );
  });
}

test('a patch that does not divide the window is refused, naming patchSteps', () => {
  assert.throws(
    () => networkInputShape({ windowSteps: 120, patchSteps: 7, calendar: [], valueChannel: false }),
    (error: unknown) =>
      error instanceof PrescaleError && error.code === 'invalid-input' && error.field === 'patchSteps',
  );
});

test('local scale is the mean absolute one-step change of the window, gaps skipped, floored', () => {
  assert.equal(localScale([0, 2, NaN, 5, 4], 5, 5, 0.1), 1.5); // |2-0|, |4-5|
  assert.equal(localScale([3, 3, 3], 3, 3, 0.1), 0.1);
});

test('conformal interval: point + local scale × score quantiles at the finite-sample level', () => {
  // 9 calibration windows with scores −4..4 at both steps; 80% → level ⌈10·0.8⌉/9 = 8/9
  const scores = [-4, -3, -2, -1, 0, 1, 2, 3, 4];
  const calibration = calibrateConformal([scores, scores.map((s) => 2 * s)]);
  assert.equal(calibration.windows, 9);
  const { lower, upper } = conformalInterval(Float64Array.of(100, 100), 10, calibration, 0.8);
  // quantiles of −4..4 at (1 ∓ 8/9)/2 (type 7): ∓3.556
  assert.ok(close(lower[0], 100 - 35.5555556) && close(upper[0], 100 + 35.5555556), `${lower[0]} ${upper[0]}`);
  assert.ok(close(lower[1], 100 - 71.1111111) && close(upper[1], 100 + 71.1111111));
  assert.throws(
    () => conformalInterval(Float64Array.of(1), 1, calibration, 0),
    (error: unknown) => error instanceof PrescaleError && error.field === 'level',
  );
});
