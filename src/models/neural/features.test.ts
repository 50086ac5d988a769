import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrescaleError } from '../../core/index.js';
import { calibrateConformal, conformalInterval, conformalOffsets, rollingConformalOffsets } from './conformal.js';
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

test("a long window's calendar columns are the sin/cos of each bucket's own phase, buckets before the history included", () => {
  const layout: FeatureLayout = {
    windowSteps: 2880,
    patchSteps: 1,
    calendar: ['time-of-day', 'day-of-week'],
    valueChannel: false,
  };
  const out = new Float32Array(2880 * 5);
  const startSeconds = 1_000_000_037; // not on a minute boundary, so no phase is a round number
  const originIndex = 100; // 2,780 buckets lie before the history's first
  writeWindow(out, 0, layout, { anchor: new Float64Array(originIndex) }, startSeconds, 60, originIndex);
  for (let j = 0; j < 2880; j++) {
    const seconds = startSeconds + (originIndex - 2880 + j) * 60;
    const day = (2 * Math.PI * (((seconds % 86400) + 86400) % 86400)) / 86400;
    const week = (2 * Math.PI * ((((seconds + 3 * 86400) % 604800) + 604800) % 604800)) / 604800;
    const want = [Math.sin(day), Math.cos(day), Math.sin(week), Math.cos(week)];
    for (let c = 0; c < 4; c++) assert.ok(close(out[j * 5 + 1 + c], want[c]), `bucket ${j}, column ${c}`);
  }
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

test('rolling recalibration: recent scores filling the span replace the validation tail; none leave it as is', () => {
  const validation = calibrateConformal([Array.from({ length: 200 }, (_, i) => (i - 100) / 100)]); // scores in [-1, 1)
  const none = rollingConformalOffsets(validation, [Float64Array.of(Number.NaN)], 100, 0.8);
  assert.deepEqual(none, conformalOffsets(validation, 0.8, 1));
  // 100 recent scores -50..49 fill a span of 100 windows: n = 100, level ⌈101·0.8⌉/100 = 0.81, so the 9.5% and
  // 90.5% weighted quantiles are the 10th and 91st smallest scores.
  const busy = Float64Array.from({ length: 100 }, (_, i) => i - 50);
  const full = rollingConformalOffsets(validation, [busy], 100, 0.8);
  assert.deepEqual([full.lower[0], full.upper[0]], [-41, 40]);
  // Half the span: the validation tail weighs as much as the 50 recent scores, so the interval lies in between.
  const half = rollingConformalOffsets(validation, [busy.subarray(25, 75)], 100, 0.8);
  assert.ok(half.upper[0] > none.upper[0] && half.upper[0] < full.upper[0], `${half.upper[0]}`);
  assert.ok(half.lower[0] < none.lower[0] && half.lower[0] > full.lower[0], `${half.lower[0]}`);
});
