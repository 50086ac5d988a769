import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Series } from '../core/index.js';
import { assertRejectsPrescale, testCorrectedModel } from '../testing/corrected-model-cases.js';
import { head, nasaRequests, sharedTrace } from '../testing/model-fixtures.js';
import { mstlModel } from './mstl.js';

testCorrectedModel(mstlModel);

/** English Wikipedia desktop requests per hour, January 2016 from Friday the 1st (31 days). */
const wikipedia = (days: number) =>
  sharedTrace('wikipedia/en_wikipedia_desktop_requests_hourly_2016-01.csv', 3600, 1_451_606_400, days);

const periodRows = [
  { name: '5 days of 1-minute data: the daily period in 15-minute buckets', input: () => nasaRequests(5), want: [96] },
  { name: '3 weeks of hourly data: daily only', input: () => wikipedia(21), want: [24] },
  { name: '4 weeks of hourly data: daily and weekly', input: () => wikipedia(28), want: [24, 168] },
];
for (const row of periodRows) {
  test(`mstl: periods for ${row.name}`, async () => {
    const train: Series = await row.input();
    const fitted = await mstlModel.create({ horizonSteps: 6 }).fit(train);
    assert.deepEqual(fitted.metadata.settings.periods, row.want);
    const forecast = fitted.forecast(train, 6);
    assert.ok(forecast.point.every(Number.isFinite));
  });
}

test('mstl: two daily cycles plus the calibration day are needed', async () => {
  const series = await nasaRequests(3);
  await assertRejectsPrescale(
    () => mstlModel.create().fit(head(series, 3 * 1440 - 15)),
    'not-enough-data',
    'mstl',
    /needs at least 72 h \(24 h held out .* plus 48 h to fit\)/,
  );
});

test('mstl: augurs failing becomes optimizer-failed, with its error as the cause', async () => {
  // NASA's own shape at 1e200 requests per minute: MSTL's ETS trend search finds no model.
  const series = await nasaRequests(3);
  const huge = { ...series, values: series.values.map((v) => v * 1e200) };
  await assert.rejects(mstlModel.create().fit(huge), (error: Error & { code?: string; field?: string }) => {
    assert.equal(error.code, 'optimizer-failed');
    assert.equal(error.field, 'mstl');
    assert.match(error.message, /no model found/);
    assert.match(String(error.cause), /no model found/);
    return true;
  });
});
