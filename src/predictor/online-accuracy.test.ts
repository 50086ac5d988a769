import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Forecast, Series } from '../core/index.js';
import { OnlineAccuracy } from './online-accuracy.js';

const step = 30;

function forecast(startSeconds: number, point: number[], band?: number): Forecast {
  const p = Float64Array.from(point);
  return {
    startSeconds,
    stepSeconds: step,
    point: p,
    intervals:
      band === undefined ? undefined : { level: 0.8, lower: p.map((v) => v - band), upper: p.map((v) => v + band) },
  };
}

function actuals(startSeconds: number, values: number[]): Series {
  return { startSeconds, stepSeconds: step, values: Float64Array.from(values) };
}

test('scores each horizon against the bucket it targets, once, as actuals arrive', () => {
  const tracker = new OnlineAccuracy({ stepSeconds: step, horizonSteps: 2, windowSeconds: 3600, minSamples: 1 });
  tracker.recordForecast(forecast(300, [10, 20]));
  // Only bucket 300 observed so far: h=1 scored, h=2 waits.
  tracker.observe(actuals(270, [9, 12, Number.NaN]), 330);
  assert.deepEqual(
    tracker.byHorizon().map((a) => [a.h, a.samples, a.wapePercent]),
    [
      [1, 1, (100 * 2) / 12],
      [2, 0, null],
    ],
  );
  assert.equal(tracker.pendingForecasts, 1);
  // Later the same bucket is revised (rate windows move): it is not scored twice; h=2 is scored now.
  tracker.observe(actuals(270, [9, 11, 25]), 360);
  assert.deepEqual(
    tracker.byHorizon().map((a) => [a.samples, a.wapePercent]),
    [
      [1, (100 * 2) / 12],
      [1, (100 * 5) / 25],
    ],
  );
  assert.equal(tracker.pendingForecasts, 0, 'a fully scored forecast is dropped');
});

test('a second forecast for the same origin is ignored; non-finite forecasts are never recorded', () => {
  const tracker = new OnlineAccuracy({ stepSeconds: step, horizonSteps: 1, windowSeconds: 3600, minSamples: 1 });
  tracker.recordForecast(forecast(300, [10]));
  tracker.recordForecast(forecast(300, [1000]));
  tracker.recordForecast(forecast(330, [Number.NaN]));
  tracker.observe(actuals(300, [10, 50]), 400);
  assert.equal(tracker.byHorizon()[0].wapePercent, 0);
  assert.equal(tracker.byHorizon()[0].samples, 1);
});

test('pooled WAPE over the horizons the plan reads, and interval coverage', () => {
  const tracker = new OnlineAccuracy({ stepSeconds: step, horizonSteps: 3, windowSeconds: 3600, minSamples: 1 });
  tracker.recordForecast(forecast(0, [10, 10, 10], 3));
  tracker.recordForecast(forecast(30, [10, 10, 10], 3));
  tracker.observe(actuals(0, [12, 8, 20, 10]), 120);
  // origin 0: |12-10|, |8-10|, |20-10| at h=1..3; origin 30: |8-10|, |20-10|, |10-10|.
  const byH = tracker.byHorizon();
  assert.deepEqual(
    byH.map((a) => a.wapePercent),
    [(100 * 4) / 20, (100 * 12) / 28, (100 * 10) / 30],
  );
  assert.deepEqual(
    byH.map((a) => a.coverage),
    [1, 0.5, 0.5],
  );
  assert.equal(tracker.wapePercent(2), (100 * 16) / 48);
  assert.equal(tracker.wapePercent(0), tracker.wapePercent(1), 'at least h=1 is always read');
});

test('the rolling window forgets old errors; too few samples report null', () => {
  const tracker = new OnlineAccuracy({ stepSeconds: step, horizonSteps: 1, windowSeconds: 60, minSamples: 2 });
  tracker.recordForecast(forecast(0, [100]));
  tracker.observe(actuals(0, [50]), 30);
  assert.equal(tracker.wapePercent(1), null, 'one sample is below minSamples');
  tracker.recordForecast(forecast(30, [10]));
  tracker.observe(actuals(0, [50, 10]), 60);
  assert.equal(tracker.wapePercent(1), (100 * 50) / 60);
  tracker.recordForecast(forecast(60, [10]));
  tracker.recordForecast(forecast(90, [10]));
  tracker.observe(actuals(0, [50, 10, 10, 10]), 120);
  // Bucket 0 is older than 120 − 60: its big error is gone.
  assert.equal(tracker.wapePercent(1), 0);
});

test('a forecast whose buckets fell out of the actuals is dropped unscored', () => {
  const tracker = new OnlineAccuracy({ stepSeconds: step, horizonSteps: 2, windowSeconds: 3600, minSamples: 1 });
  tracker.recordForecast(forecast(0, [1, 1]));
  tracker.observe(actuals(120, [5, 5]), 150);
  assert.equal(tracker.pendingForecasts, 0);
  assert.equal(tracker.wapePercent(2), null);
});

test('zero load with zero error is 0%, zero load with errors has no WAPE', () => {
  const exact = new OnlineAccuracy({ stepSeconds: step, horizonSteps: 1, windowSeconds: 3600, minSamples: 1 });
  exact.recordForecast(forecast(0, [0]));
  exact.observe(actuals(0, [0]), 30);
  assert.equal(exact.wapePercent(1), 0);
  const off = new OnlineAccuracy({ stepSeconds: step, horizonSteps: 1, windowSeconds: 3600, minSamples: 1 });
  off.recordForecast(forecast(0, [3]));
  off.observe(actuals(0, [0]), 30);
  assert.equal(off.wapePercent(1), null);
});

test('scaledErrorPercent: below the day mean an error scores the same at any load (WAPE does not); at a peak it is WAPE', () => {
  /** Ten one-step forecasts each off by 3 from a flat load of `level`. */
  const scoredAt = (level: number) => {
    const tracker = new OnlineAccuracy({ stepSeconds: step, horizonSteps: 1, windowSeconds: 3600 });
    for (let k = 0; k < 10; k++) tracker.recordForecast(forecast(k * step, [level + 3]));
    tracker.observe(actuals(0, Array(10).fill(level)), 10 * step);
    return tracker;
  };
  const typicalDayLoad = 100;
  const peak = scoredAt(200);
  const night = scoredAt(6);
  assert.equal(scoredAt(80).scaledErrorPercent(1, typicalDayLoad), 3);
  assert.equal(night.scaledErrorPercent(1, typicalDayLoad), 3);
  assert.equal(night.wapePercent(1), 50, 'WAPE of small counts crosses any threshold at night');
  // Above the day's mean the level is the load itself: at a peak the measure is WAPE, never stricter.
  assert.equal(peak.wapePercent(1), 1.5);
  assert.equal(peak.scaledErrorPercent(1, 150), 1.5);
});

test('scaledErrorPercent: null while warming up or without a typical load; zero load with zero error is 0', () => {
  const tracker = new OnlineAccuracy({ stepSeconds: step, horizonSteps: 1, windowSeconds: 3600, minSamples: 3 });
  tracker.recordForecast(forecast(0, [5]));
  tracker.observe(actuals(0, [5]), step);
  assert.equal(tracker.scaledErrorPercent(1, 100), null, 'one sample of three');
  for (let k = 1; k < 3; k++) tracker.recordForecast(forecast(k * step, [0]));
  tracker.observe(actuals(0, [5, 0, 0]), 3 * step);
  assert.equal(tracker.scaledErrorPercent(1, null), null);
  assert.equal(tracker.scaledErrorPercent(1, 0), 0);
  assert.equal(tracker.scaledErrorPercent(1, 50), 0);
});
