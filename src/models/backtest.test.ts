import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Forecast, Series } from '../core/index.js';
import {
  type BacktestPlan,
  backtestOrigins,
  fitMomentFor,
  forecastsToCsv,
  runBacktest,
  sliceSeries,
} from './backtest.js';
import type { FittedForecaster, Forecaster } from './types.js';

const DAY = 86400;

/** A synthetic day-periodic series on a 60 s grid over `days` days. */
function syntheticSeries(days: number, start = 1_000_000 * 60): Series {
  const n = (days * DAY) / 60;
  return {
    startSeconds: start,
    stepSeconds: 60,
    values: Float64Array.from({ length: n }, (_, i) => 100 + 50 * Math.sin((2 * Math.PI * i) / 1440) + (i % 7)),
  };
}

function planFor(series: Series, trainDays: number, testDays: number): BacktestPlan {
  return {
    stepSeconds: 60,
    trainStartSeconds: series.startSeconds,
    trainEndSeconds: series.startSeconds + trainDays * DAY,
    testEndSeconds: series.startSeconds + (trainDays + testDays) * DAY,
    horizonSteps: 30,
    originEverySteps: 15,
    refitEverySeconds: DAY,
  };
}

/** Records what the backtest shows it; forecasts the mean of the last 10 context values. */
class SpyForecaster implements Forecaster {
  readonly name = 'naive' as const;
  readonly fits: { startSeconds: number; endSeconds: number }[] = [];
  readonly contextEnds: number[] = [];
  readonly trainingMaxima: number[] = [];
  readonly contextMaxima: number[] = [];

  async fit(train: Series): Promise<FittedForecaster> {
    this.fits.push({ startSeconds: train.startSeconds, endSeconds: train.startSeconds + train.values.length * 60 });
    this.trainingMaxima.push(Math.max(...train.values));
    const spy = this;
    return {
      metadata: {
        model: 'naive',
        stepSeconds: 60,
        trainStartSeconds: 0,
        trainEndSeconds: 0,
        fittedAt: '',
        prescaleVersion: '',
        settings: {},
      },
      forecast(context: Series, horizonSteps: number): Forecast {
        const end = context.startSeconds + context.values.length * context.stepSeconds;
        spy.contextEnds.push(end);
        spy.contextMaxima.push(Math.max(...context.values));
        const tail = context.values.subarray(-10);
        const mean = tail.reduce((a, b) => a + b, 0) / tail.length;
        return { startSeconds: end, stepSeconds: 60, point: new Float64Array(horizonSteps).fill(mean) };
      },
      toJSON: () => ({ metadata: {} as never, parameters: {} }),
    };
  }
}

test('origins follow rule 2: every origin_every steps from train_end while the horizon fits before test_end', () => {
  const series = syntheticSeries(3);
  const plan = planFor(series, 2, 1);
  const origins = backtestOrigins(plan);
  assert.equal(origins[0], plan.trainEndSeconds);
  assert.equal(origins[1] - origins[0], 15 * 60);
  const last = origins[origins.length - 1];
  assert.ok(last + 30 * 60 <= plan.testEndSeconds);
  assert.ok(last + 15 * 60 + 30 * 60 > plan.testEndSeconds);
  // (1440 − 30) / 15 + 1 origins in one test day
  assert.equal(origins.length, Math.floor((1440 - 30) / 15) + 1);
});

test('re-estimation moments are train_end + k days, and fits see only data before them (rule 4)', async () => {
  const series = syntheticSeries(5);
  const plan = planFor(series, 2, 3);
  const spy = new SpyForecaster();
  const result = await runBacktest(series, spy, plan);
  assert.deepEqual(
    spy.fits.map((f) => f.endSeconds),
    [0, 1, 2].map((k) => plan.trainEndSeconds + k * DAY),
  );
  // sliding window of the initial training length
  for (const fit of spy.fits) assert.equal(fit.endSeconds - fit.startSeconds, 2 * DAY);
  assert.equal(fitMomentFor(plan, plan.trainEndSeconds + DAY - 60), plan.trainEndSeconds);
  assert.equal(fitMomentFor(plan, plan.trainEndSeconds + DAY), plan.trainEndSeconds + DAY);
  // every forecast's context ends exactly at its origin (rule 2: buckets before o are observed)
  assert.deepEqual(spy.contextEnds, result.originsSeconds);
});

test('a model never sees the future: changing data at and after an origin leaves earlier forecasts unchanged', async () => {
  const series = syntheticSeries(4);
  const plan = planFor(series, 2, 2);
  const before = await runBacktest(series, new SpyForecaster(), plan);
  const cut = before.originsSeconds[100];
  const perturbed = Float64Array.from(series.values);
  perturbed.fill(1e9, (cut - series.startSeconds) / 60);
  const after = await runBacktest({ ...series, values: perturbed }, new SpyForecaster(), plan);
  const H = plan.horizonSteps;
  assert.deepEqual(after.point.subarray(0, 101 * H), before.point.subarray(0, 101 * H));
  assert.notDeepEqual(after.point.subarray(101 * H), before.point.subarray(101 * H));
});

test('sliceSeries is a view on the grid, clipped to the series', () => {
  const series = syntheticSeries(1);
  const view = sliceSeries(series, series.startSeconds + 120, series.startSeconds + 600);
  assert.equal(view.startSeconds, series.startSeconds + 120);
  assert.equal(view.values.length, 8);
  assert.equal(view.values[0], series.values[2]);
  assert.equal(sliceSeries(series, series.startSeconds - 600, series.startSeconds + 60).values.length, 1);
});

test('the CSV has the scorer header and one row per origin and h', async () => {
  const series = syntheticSeries(3);
  const plan = planFor(series, 2, 1);
  const result = await runBacktest(series, new SpyForecaster(), plan);
  const lines = forecastsToCsv(result).trimEnd().split('\n');
  assert.equal(lines[0], 'origin,h,yhat,lo,hi');
  assert.equal(lines.length, 1 + result.originsSeconds.length * 30);
  assert.match(lines[1], new RegExp(`^${plan.trainEndSeconds},1,[0-9.]+,,$`));
});

const invalidPlans: { name: string; change: Partial<BacktestPlan>; field: string }[] = [
  { name: 'horizon 0', change: { horizonSteps: 0 }, field: 'horizonSteps' },
  { name: 'refit more than daily', change: { refitEverySeconds: 3600 }, field: 'refitEverySeconds' },
  { name: 'step differs from the series', change: { stepSeconds: 300 }, field: 'series.stepSeconds' },
];
for (const row of invalidPlans) {
  test(`invalid plan is refused: ${row.name}`, async () => {
    const series = syntheticSeries(3);
    await assert.rejects(runBacktest(series, new SpyForecaster(), { ...planFor(series, 2, 1), ...row.change }), {
      code: 'invalid-input',
      field: row.field,
    });
  });
}

test('cleanTraining cleans what each fit learns from and nothing else: forecast contexts keep the raw data', async () => {
  const series = syntheticSeries(3);
  const plan = planFor(series, 2, 1);
  const spiked = Float64Array.from(series.values);
  spiked[1000] = 1e6; // a one-minute burst inside the first training window
  const spy = new SpyForecaster();
  await runBacktest({ ...series, values: spiked }, spy, plan, {
    cleanTraining: (training) => ({ ...training, values: training.values.map((v) => Math.min(v, 1000)) }),
  });
  assert.deepEqual(spy.trainingMaxima, [1000]);
  assert.ok(spy.contextMaxima.every((max) => max === 1e6));
});
