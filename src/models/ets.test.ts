import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertRejectsPrescale, testCorrectedModel } from '../testing/corrected-model-cases.js';
import { head, nasaRequests } from '../testing/model-fixtures.js';
import { etsModel } from './ets.js';

testCorrectedModel(etsModel);

test('ets: non-seasonal AutoETS on 15-minute means of 1-minute data, recorded in the metadata', async () => {
  const fitted = await etsModel.create({ horizonSteps: 30 }).fit(head(await nasaRequests(3), 2 * 1440));
  assert.equal(fitted.metadata.model, 'ets');
  assert.deepEqual(
    { spec: fitted.metadata.settings.spec, coarseStepSeconds: fitted.metadata.settings.coarseStepSeconds },
    { spec: 'ZZN', coarseStepSeconds: 900 },
  );
});

test('ets: hourly data fit without aggregation, and need 1 day + 24 buckets', async () => {
  const hourly = await nasaRequests(3, 3600);
  const fitted = await etsModel.create({ horizonSteps: 6 }).fit(hourly);
  assert.equal(fitted.metadata.settings.coarseStepSeconds, 3600);
  const forecast = fitted.forecast(hourly, 6);
  assert.equal(forecast.point.length, 6);
  assert.equal(forecast.startSeconds, hourly.startSeconds + 3 * 86_400);
  await assertRejectsPrescale(
    () => etsModel.create().fit(head(hourly, 47)),
    'not-enough-data',
    'ets',
    /needs at least 48 h/,
  );
});
