import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forecastOf } from '../testing/planner-fixtures.js';
import { bucketWindow, normalQuantile, peakQuantileLoad, upperSpreadFactor } from './quantile.js';

// Golden values of Φ⁻¹ (R: qnorm), to 1e-8.
const quantiles = [
  { name: 'median', input: 0.5, want: 0 },
  { name: 'upper bound of an 80% interval', input: 0.9, want: 1.2815515655446004 },
  { name: '0.8', input: 0.8, want: 0.8416212335729143 },
  { name: 'upper bound of a 95% interval', input: 0.975, want: 1.959963984540054 },
  { name: '0.99', input: 0.99, want: 2.3263478740408408 },
  { name: 'low tail', input: 0.001, want: -3.090232306167813 },
  { name: 'high tail', input: 0.999, want: 3.090232306167813 },
  { name: 'just below 0.5', input: 0.3, want: -0.5244005127080407 },
];
for (const row of quantiles) {
  test(`normalQuantile: ${row.name}`, () => {
    assert.ok(Math.abs(normalQuantile(row.input) - row.want) < 1e-8, `${normalQuantile(row.input)} vs ${row.want}`);
  });
}

test('normalQuantile: outside (0, 1) is NaN, not a number that could be planned on', () => {
  for (const p of [0, 1, -0.1, 1.5, Number.NaN]) assert.ok(Number.isNaN(normalQuantile(p)), String(p));
});

const factors = [
  { name: 'the 0.9 quantile is the upper bound of an 80% interval', input: { q: 0.9, level: 0.8 }, want: 1 },
  { name: 'the 0.975 quantile is the upper bound of a 95% interval', input: { q: 0.975, level: 0.95 }, want: 1 },
  {
    name: '0.8 on an 80% interval interpolates',
    input: { q: 0.8, level: 0.8 },
    want: 0.8416212335729143 / 1.2815515655446004,
  },
  {
    name: '0.95 on an 80% interval extrapolates',
    input: { q: 0.95, level: 0.8 },
    want: 1.6448536269514722 / 1.2815515655446004,
  },
  { name: 'the median is the point', input: { q: 0.5, level: 0.8 }, want: 0 },
];
for (const row of factors) {
  test(`upperSpreadFactor: ${row.name}`, () => {
    assert.ok(Math.abs(upperSpreadFactor(row.input.q, row.input.level) - row.want) < 1e-8);
  });
}

const windows = [
  {
    name: 'now inside bucket 0, lead into bucket 1',
    input: { from: 1000, to: 1060 },
    want: { first: 0, last: 1, short: false },
  },
  { name: 'exactly on bucket edges', input: { from: 1020, to: 1080 }, want: { first: 1, last: 2, short: false } },
  {
    name: 'before the origin clips to bucket 0',
    input: { from: 900, to: 970 },
    want: { first: 0, last: 0, short: false },
  },
  { name: 'past the end is short', input: { from: 1100, to: 1300 }, want: { first: 2, last: 3, short: true } },
];
for (const row of windows) {
  test(`bucketWindow: ${row.name}`, () => {
    const forecast = forecastOf(960, 60, [1, 2, 3, 4]); // buckets start 960, 1020, 1080, 1140
    assert.deepEqual(bucketWindow(forecast, row.input.from, row.input.to), row.want);
  });
}

const peaks = [
  { name: 'point only, no intervals', input: { upper: undefined, k: 1 }, want: 300 },
  { name: 'k = 1 reads the upper bounds', input: { upper: [110, 330, 310], k: 1 }, want: 330 },
  { name: 'k = 0.5 is halfway', input: { upper: [110, 330, 310], k: 0.5 }, want: 315 },
  { name: 'an upper bound below the point is no spread', input: { upper: [110, 100, 250], k: 1 }, want: 300 },
];
for (const row of peaks) {
  test(`peakQuantileLoad: ${row.name}`, () => {
    const forecast = forecastOf(0, 60, [100, 300, 200], row.input.upper);
    assert.equal(peakQuantileLoad(forecast, row.input.k, 0, 2), row.want);
  });
}

test('peakQuantileLoad: a negative forecast plans for zero load, never a negative one', () => {
  assert.equal(peakQuantileLoad(forecastOf(0, 60, [-5, -1]), 0, 0, 1), 0);
});
