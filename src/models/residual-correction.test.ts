import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Series, seriesEndSeconds } from '../core/index.js';
import { loadAugurs } from '../preprocessor/index.js';
import { assertRejectsPrescale } from '../testing/corrected-model-cases.js';
import { head, nasaRequests } from '../testing/model-fixtures.js';
import {
  type BaseModel,
  CALIBRATION_SECONDS,
  type CorrectedParameters,
  defineCorrectedModel,
} from './residual-correction.js';

/** A base model whose path is 0 everywhere: the corrected forecast is then the correction alone. */
function zeroBase(calls: { trainSteps: number; pathEndSeconds: number }[] = []): () => BaseModel {
  return () => ({
    settings: { base: 'zero' },
    minTrainSeconds: 3600,
    fitPath: (train: Series, pathEndSeconds: number) => {
      calls.push({ trainSteps: train.values.length, pathEndSeconds });
      const start = seriesEndSeconds(train);
      return { startSeconds: start, values: new Float64Array((pathEndSeconds - start) / train.stepSeconds) };
    },
  });
}

const parametersOf = (fitted: { toJSON(): { parameters: unknown } }) =>
  fitted.toJSON().parameters as CorrectedParameters;

test('the corrected forecast is the path plus φ^h times the exponentially smoothed residual level', async () => {
  const series = await nasaRequests(3);
  const train = head(series, 2 * 1440);
  const fitted = await defineCorrectedModel('ets', 'zero path', zeroBase()).create({ horizonSteps: 30 }).fit(train);
  const { alpha, phi } = parametersOf(fitted).correction;
  const context = head(series, 2 * 1440 + 200);
  // The documented filter, written out: over the context after the training end, c ← φc; c ← c + α(y − 0 − c).
  let level = 0;
  for (let i = 2 * 1440; i < context.values.length; i++)
    level = phi * level + alpha * (context.values[i] - phi * level);
  const forecast = fitted.forecast(context, 30);
  for (let h = 1; h <= 30; h++) assert.ok(Math.abs(forecast.point[h - 1] - phi ** h * level) < 1e-9, `h=${h}`);
});

test('a missing bucket only decays the level: k missing buckets shift the forecast by k steps', async () => {
  const series = await nasaRequests(3);
  const fitted = await defineCorrectedModel('ets', 'zero path', zeroBase())
    .create({ horizonSteps: 40 })
    .fit(head(series, 2 * 1440));
  const observed = head(series, 2 * 1440 + 300);
  const withGap = { ...head(series, 2 * 1440 + 310) };
  withGap.values.fill(Number.NaN, 2 * 1440 + 300);
  const fromObserved = fitted.forecast(observed, 40).point;
  const fromGap = fitted.forecast(withGap, 30).point;
  for (let h = 1; h <= 30; h++) assert.ok(Math.abs(fromGap[h - 1] - fromObserved[h + 9]) < 1e-9, `h=${h}`);
});

test('calibration fits the base without the last day, then the path on all of the training data', async () => {
  const series = await nasaRequests(2);
  const calls: { trainSteps: number; pathEndSeconds: number }[] = [];
  const fitted = await defineCorrectedModel('ets', 'zero path', zeroBase(calls))
    .create({ horizonSteps: 30 })
    .fit(series);
  const trainEnd = seriesEndSeconds(series);
  assert.deepEqual(calls, [
    { trainSteps: 1440, pathEndSeconds: trainEnd },
    { trainSteps: 2880, pathEndSeconds: trainEnd + 2 * 86_400 + 30 * 60 },
  ]);
  const { calibration, errorPercentiles } = parametersOf(fitted);
  assert.deepEqual(
    { start: calibration.startSeconds, end: calibration.endSeconds, origins: calibration.origins },
    { start: trainEnd - CALIBRATION_SECONDS, end: trainEnd, origins: 1440 },
  );
  assert.equal(errorPercentiles.byStep.length, 30);
  // errors grow with the horizon on real load: the 80% band at h = 30 is wider than at h = 1
  const width = (h: number) => errorPercentiles.byStep[h - 1][90] - errorPercentiles.byStep[h - 1][10];
  assert.ok(width(30) > width(1), `${width(30)} vs ${width(1)}`);
});

test('forecasts of a never-negative series are clamped at 0; a series with negative values is not', async () => {
  const series = await nasaRequests(3);
  const shifted = { ...series, values: series.values.map((v) => v - 1000) };
  const model = defineCorrectedModel('ets', 'zero path', zeroBase()).create({ horizonSteps: 30 });
  // After the training end, an hour of zeros: the level falls towards 0, and the lower bound would go below it.
  const quiet = (s: Series) => ({ ...head(s, 2 * 1440 + 60), values: head(s, 2 * 1440 + 60).values.fill(0, 2 * 1440) });
  const positive = (await model.fit(head(series, 2 * 1440))).forecast(quiet(series), 30);
  assert.ok(positive.intervals!.lower.every((v) => v >= 0));
  assert.ok(positive.point.every((v) => v >= 0));
  const negative = (await model.fit(head(shifted, 2 * 1440))).forecast(shifted, 30);
  assert.ok(negative.point.every((v) => v < 0));
});

const baseErrors = [
  {
    name: 'augurs throwing inside the base fit becomes optimizer-failed, keeping the cause',
    input: (): BaseModel => ({
      settings: {},
      minTrainSeconds: 0,
      fitPath: () => {
        const model = new (loadAugurs('ets').AutoETS)(1, 'ZZN');
        model.fit([1, 2, 3]); // augurs: not enough data
        throw new Error('unreachable');
      },
    }),
    want: { code: 'optimizer-failed', message: /^ets: augurs failed to fit 24 h of data \(not enough data\)/ },
  },
  {
    name: 'a non-finite base path is refused',
    input: (): BaseModel => ({
      settings: {},
      minTrainSeconds: 0,
      fitPath: (train, end) => ({
        startSeconds: seriesEndSeconds(train),
        values: new Float64Array((end - seriesEndSeconds(train)) / 60).fill(Number.NaN),
      }),
    }),
    want: { code: 'optimizer-failed', message: /non-finite forecast \(NaN at step 0\)/ },
  },
];
for (const row of baseErrors) {
  test(row.name, async () => {
    const series = await nasaRequests(2);
    await assertRejectsPrescale(
      () => defineCorrectedModel('ets', 'failing base', row.input).create().fit(series),
      row.want.code,
      'ets',
      row.want.message,
    );
  });
}
