import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testCorrectedModel } from '../testing/corrected-model-cases.js';
import { head, nasaRequests } from '../testing/model-fixtures.js';
import { prophetModel } from './prophet.js';

testCorrectedModel(prophetModel);

test('prophet: daily season at Fourier order 10, weekly from two weeks of data on', async () => {
  const series = await nasaRequests(14);
  const short = await prophetModel.create({ horizonSteps: 30 }).fit(head(series, 5 * 1440));
  const twoWeeks = await prophetModel.create({ horizonSteps: 30 }).fit(series);
  assert.equal(short.metadata.settings.weekly, false);
  assert.equal(twoWeeks.metadata.settings.weekly, true);
  assert.equal(twoWeeks.metadata.settings.seasonFourierOrder, 10);
  assert.equal(twoWeeks.metadata.settings.growth, 'linear');
  assert.equal(twoWeeks.metadata.settings.coarseStepSeconds, 1800);
});

test('prophet: the path starts one season before the training end (its in-sample curve), so the first origin is conditioned', async () => {
  const series = await nasaRequests(5);
  const train = head(series, 4 * 1440);
  const fitted = await prophetModel.create({ horizonSteps: 30 }).fit(train);
  const trainEnd = train.startSeconds + train.values.length * 60;
  const parameters = fitted.toJSON().parameters as { path: { startSeconds: number } };
  assert.equal(parameters.path.startSeconds, trainEnd - 86_400);
  // From the training end itself, a last hour twice as busy raises the forecast: the level is already known.
  const busy = { ...train, values: train.values.map((v, i) => (i >= train.values.length - 60 ? 2 * v : v)) };
  assert.ok(fitted.forecast(busy, 30).point[0] > fitted.forecast(train, 30).point[0]);
});

test('prophet: an all-zero (idle) series makes the optimizer fail; the error says so and keeps the cause', async () => {
  const series = await nasaRequests(4);
  const idle = { ...series, values: new Float64Array(series.values.length) };
  await assert.rejects(prophetModel.create().fit(idle), (error: Error & { code?: string; field?: string }) => {
    assert.equal(error.code, 'optimizer-failed');
    assert.equal(error.field, 'prophet');
    assert.match(error.message, /^prophet: augurs failed to fit 72 h of data \(.*Optimization failed/);
    assert.ok(error.cause !== undefined);
    return true;
  });
});

test('prophet: a season other than a day becomes a custom Prophet seasonality', async () => {
  const series = await nasaRequests(3);
  const fitted = await prophetModel.create({ seasonSeconds: 43_200, horizonSteps: 10 }).fit(series);
  assert.equal(fitted.metadata.settings.seasonSeconds, 43_200);
  assert.equal(fitted.metadata.settings.warmupSeconds, 43_200);
  const forecast = fitted.forecast(series, 10);
  assert.ok(forecast.point.every((v) => Number.isFinite(v) && v >= 0));
});
