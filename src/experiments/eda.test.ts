import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrescaleError, type Series } from '../core/index.js';
import { exploreSeries, seriesForPlot } from './eda.js';

const HOUR = 3600;
/** Monday 2024-01-01 00:00 UTC, so day k of the series is weekday k mod 7. */
const MONDAY = 1_704_067_200;
const DAYS = 28;

/** Hourly sawtooth: 10 + the hour of the day (10…33), four weeks; a daily period and nothing else. */
function sawtooth(): Float64Array {
  return Float64Array.from({ length: DAYS * 24 }, (_, i) => 10 + (i % 24));
}

/** The sawtooth with two gaps (5 buckets from index 100, 2 from 300) and two spikes of 1000 (indices 200, 500). */
function withGapsAndSpikes(): Series {
  const values = sawtooth();
  for (let i = 100; i < 105; i++) values[i] = Number.NaN;
  values[300] = Number.NaN;
  values[301] = Number.NaN;
  values[200] = 1000;
  values[500] = 1000;
  return { startSeconds: MONDAY, stepSeconds: HOUR, values };
}

test('gaps: every run of missing buckets, the longest, the share missing', () => {
  const { gaps } = exploreSeries(withGapsAndSpikes());
  assert.equal(gaps.count, 2);
  assert.equal(gaps.longestSeconds, 5 * HOUR);
  assert.equal(gaps.missingBuckets, 7);
  assert.equal(gaps.missingShare, 7 / 672);
  assert.deepEqual(gaps.gaps, [
    { startSeconds: MONDAY + 100 * HOUR, endSeconds: MONDAY + 105 * HOUR, lengthSteps: 5 },
    { startSeconds: MONDAY + 300 * HOUR, endSeconds: MONDAY + 302 * HOUR, lengthSteps: 2 },
  ]);
});

test('anomalies: the default filter flags exactly the two spikes, not the daily drop from 33 to 10', () => {
  const { anomalies } = exploreSeries(withGapsAndSpikes());
  assert.equal(anomalies.count, 2);
  assert.equal(anomalies.share, 2 / 665);
  assert.deepEqual(
    anomalies.flagged.map((f) => [f.seconds, f.value]),
    [
      [MONDAY + 200 * HOUR, 1000],
      [MONDAY + 500 * HOUR, 1000],
    ],
  );
  for (const f of anomalies.flagged) assert.ok(f.median >= 10 && f.median <= 33, `replacement ${f.median}`);
  assert.deepEqual([anomalies.windowSteps, anomalies.threshold], [25, 6]);
});

test('basic stats over the observed buckets, nearest-rank percentiles', () => {
  const { stats } = exploreSeries(withGapsAndSpikes());
  // 28 days × (10 + … + 33) = 28 × 516, less the gaps' values (14…18 and 22, 23), the spikes replacing 18 and 30
  const sum = 28 * 516 - (14 + 15 + 16 + 17 + 18) - (22 + 23) + (1000 - 18) + (1000 - 30);
  const observed = 672 - 7;
  assert.equal(stats.buckets, 672);
  assert.equal(stats.observed, observed);
  assert.equal(stats.mean, sum / observed);
  assert.equal(stats.min, 10);
  assert.equal(stats.max, 1000);
  // rank 333 of 665: values 10…21 fill ranks 1–330 (28 each, less the gap's hours 4–8 and the spike at hour 8)
  assert.equal(stats.median, 22);
  assert.equal(stats.p99, 33);
  assert.equal(stats.startSeconds, MONDAY);
  assert.equal(stats.endSeconds, MONDAY + 672 * HOUR);
});

test('daily profile: mean and 10–90 % band per hour of the day', () => {
  const { daily } = exploreSeries(withGapsAndSpikes());
  assert.equal(daily.length, 24);
  assert.deepEqual(daily[0], { key: 0, count: 28, mean: 10, p10: 10, median: 10, p90: 10 });
  // hour 8: one bucket in the gap (index 104), one spike (index 200)
  assert.deepEqual(daily[8], { key: 8, count: 27, mean: (26 * 18 + 1000) / 27, p10: 18, median: 18, p90: 18 });
  // hour 20: the spike at index 500
  assert.deepEqual(daily[20], { key: 20, count: 28, mean: (27 * 30 + 1000) / 28, p10: 30, median: 30, p90: 30 });
  assert.equal(daily[12].count, 27);
});

test('weekly profile: mean and 10–90 % band per day of the week, Monday first', () => {
  const { weekly } = exploreSeries(withGapsAndSpikes());
  assert.equal(weekly.length, 7);
  // Monday: four untouched days of 10…33; nearest rank 10 of 96 is the third value (12), 48 is 21, 87 is 31
  assert.deepEqual(weekly[0], { key: 0, count: 96, mean: 21.5, p10: 12, median: 21, p90: 31 });
  assert.equal(weekly[4].count, 96 - 5); // Friday holds the 5-bucket gap
  assert.equal(weekly[5].count, 96 - 2); // Saturday the 2-bucket one
  assert.equal(weekly[1].mean, (4 * 516 - 18 + 1000) / 96); // Tuesday the spike at index 200
});

test('seasonality and autocorrelation: the daily period of a clean sawtooth', () => {
  const eda = exploreSeries({ startSeconds: MONDAY, stepSeconds: HOUR, values: sawtooth() });
  assert.deepEqual(
    eda.seasonality.periods.map((p) => [p.periodSteps, p.periodSeconds]),
    [[24, 86_400]],
  );
  assert.ok(eda.seasonality.periods[0].strength > 0.99, `strength ${eda.seasonality.periods[0].strength}`);
  assert.equal(eda.seasonality.note, undefined);
  // three days of hourly lags, every lag
  assert.deepEqual(
    eda.autocorrelation.map((p) => p.lagSteps),
    Array.from({ length: 72 }, (_, k) => k + 1),
  );
  for (const lag of [24, 48, 72]) assert.ok(Math.abs(eda.autocorrelation[lag - 1].r - 1) < 1e-12, `lag ${lag}`);
  assert.ok(eda.autocorrelation[11].r < 0, 'half a day apart, the sawtooth is anti-correlated');
  assert.equal(eda.autocorrelation[23].lagSeconds, 86_400);
});

test('autocorrelation of a long series is sampled to at most 720 evenly spaced lags', () => {
  const values = Float64Array.from({ length: 10 * 1440 }, (_, i) => Math.sin((2 * Math.PI * i) / 1440));
  const acf = exploreSeries({ startSeconds: 0, stepSeconds: 60, values }).autocorrelation;
  assert.equal(acf.length, 720);
  assert.deepEqual([acf[0].lagSteps, acf[719].lagSteps], [6, 4320]);
});

test('a series too short for a season reports why instead of failing', () => {
  const values = Float64Array.from({ length: 10 }, (_, i) => i);
  const eda = exploreSeries({ startSeconds: 0, stepSeconds: 60, values });
  assert.deepEqual(eda.seasonality.periods, []);
  assert.match(eda.seasonality.note ?? '', /cannot show a period/);
  assert.equal(eda.autocorrelation.length, 5);
});

test('histogram: equal-width bars from min to max, the last one closed', () => {
  const values = Float64Array.from({ length: 10 }, (_, i) => i);
  const { histogram } = exploreSeries({ startSeconds: 0, stepSeconds: 60, values }, { histogramBins: 3 });
  assert.deepEqual(histogram, [
    { from: 0, to: 3, count: 3 },
    { from: 3, to: 6, count: 3 },
    { from: 6, to: 9, count: 4 },
  ]);
  const flat = exploreSeries({ startSeconds: 0, stepSeconds: 60, values: new Float64Array(8).fill(5) });
  assert.deepEqual(flat.histogram, [{ from: 5, to: 5, count: 8 }]);
});

test('a series with no observation is refused with the field named', () => {
  assert.throws(
    () => exploreSeries({ startSeconds: 0, stepSeconds: 60, values: new Float64Array(5).fill(Number.NaN) }),
    (error: unknown) => error instanceof PrescaleError && error.code === 'not-enough-data' && error.field === 'series',
  );
});

test('seriesForPlot averages observed buckets and keeps fully missing ones as null', () => {
  const values = Float64Array.from([1, 3, Number.NaN, Number.NaN, 5, Number.NaN, 7]);
  assert.deepEqual(seriesForPlot({ startSeconds: 100, stepSeconds: 10, values }, 4), {
    pointSeconds: 20,
    points: [
      { seconds: 100, value: 2 },
      { seconds: 120, value: null },
      { seconds: 140, value: 5 },
      { seconds: 160, value: 7 },
    ],
  });
});
