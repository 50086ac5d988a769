import assert from 'node:assert/strict';
import { test } from 'node:test';
import { datasetSchema } from '../config/datasets.js';
import type { Series } from '../core/index.js';
import { backtestOrigins } from '../models/backtest.js';
import { planForDataset } from './backtest-suite.js';
import { splitForSeries, type TraceSplitOptions } from './file-dataset.js';

/** 10 days of 5-minute buckets starting on a whole day (2880 steps). */
const STEP_SECONDS = 300;
const DAY = 86_400;
const series: Series = { startSeconds: 100 * DAY, stepSeconds: STEP_SECONDS, values: new Float64Array(2880).fill(1) };

function split(options: Omit<TraceSplitOptions, 'stepSeconds'>) {
  return splitForSeries(series, 'load.csv', { stepSeconds: STEP_SECONDS, ...options });
}

test('with no split flags: the first 75 % trains, the rest tests, 30 min horizon, origins every half horizon', () => {
  const dataset = split({});
  assert.deepEqual(dataset, {
    file: 'load.csv',
    step_seconds: 300,
    train_start: 100 * DAY,
    train_end: 100 * DAY + 2160 * 300,
    test_end: 110 * DAY,
    horizon_steps: 6,
    origin_every_steps: 3,
    report_h: [1, 3, 6],
    season_seconds: DAY,
  });
  assert.equal(datasetSchema.safeParse(dataset).success, true, 'a valid datasets-file entry');
});

const splits: { name: string; options: Omit<TraceSplitOptions, 'stepSeconds'>; trainDays: number; testDays: number }[] =
  [
    {
      name: '--train as a duration, test the rest',
      options: { train: { seconds: 7 * DAY } },
      trainDays: 7,
      testDays: 3,
    },
    { name: '--train as a share', options: { train: { fraction: 0.6 } }, trainDays: 6, testDays: 4 },
    { name: '--test alone: the end of the file', options: { test: { seconds: 2 * DAY } }, trainDays: 8, testDays: 2 },
    {
      name: 'both: a tail left unused',
      options: { train: { seconds: 5 * DAY }, test: { fraction: 0.2 } },
      trainDays: 5,
      testDays: 2,
    },
  ];
for (const row of splits) {
  test(`split: ${row.name}`, () => {
    const dataset = split(row.options);
    assert.equal((dataset.train_end - dataset.train_start) / DAY, row.trainDays);
    assert.equal((dataset.test_end - dataset.train_end) / DAY, row.testDays);
  });
}

test('--horizon and --stride as durations or steps; report horizons a sixth, half and all of H', () => {
  const dataset = split({ horizon: { seconds: 3600 }, stride: { steps: 4 }, seasonSeconds: 7 * DAY });
  assert.equal(dataset.horizon_steps, 12);
  assert.equal(dataset.origin_every_steps, 4);
  assert.deepEqual(dataset.report_h, [2, 6, 12]);
  assert.equal(dataset.season_seconds, 7 * DAY);
});

test('the split feeds the same protocol as a datasets file: origins every stride from train_end', () => {
  const dataset = split({ train: { seconds: 9 * DAY }, horizon: { steps: 6 }, stride: { seconds: 3600 } });
  const plan = planForDataset({ name: 'load.csv', dataset, seriesPath: 'load.csv', series });
  const origins = backtestOrigins(plan);
  assert.equal(origins[0], dataset.train_end);
  assert.equal(origins[1] - origins[0], 3600);
  // one day of test, 6 steps (30 min) of horizon: origins at 0, 1 h, …, 23 h, the last one ending at 23:30
  assert.equal(origins.length, 24);
});

const problems: { name: string; options: Omit<TraceSplitOptions, 'stepSeconds'>; message: string }[] = [
  {
    name: 'training shorter than a step',
    options: { train: { seconds: 60 } },
    message: '--train: leaves no training data (the file holds 2880 steps of 300 s); give a longer --train or --step',
  },
  {
    name: 'training covers the file',
    options: { train: { seconds: 20 * DAY } },
    message: '--train: leaves no test period (the file holds 2880 steps of 300 s); shorten --train',
  },
  {
    name: 'train + test beyond the file',
    options: { train: { seconds: 8 * DAY }, test: { seconds: 3 * DAY } },
    message:
      '--test: 2304 training + 864 test steps run past the end of the file (the file holds 2880 steps of 300 s); shorten --train or --test',
  },
  {
    name: 'horizon not a whole number of steps',
    options: { horizon: { seconds: 450 } },
    message: '--horizon: 450 s is not a whole number of 300 s steps; give a multiple of --step or a count of steps',
  },
  {
    name: 'horizon longer than the test period',
    options: { test: { seconds: 3600 }, horizon: { steps: 13 } },
    message: '--horizon: 13 steps do not fit in the 12-step test period; shorten --horizon or lengthen --test',
  },
  {
    name: 'stride not a whole number of steps',
    options: { stride: { seconds: 200 } },
    message: '--stride: 200 s is not a whole number of 300 s steps; give a multiple of --step or a count of steps',
  },
];
for (const row of problems) {
  test(`a bad split names its flag and the fix: ${row.name}`, () => {
    assert.throws(() => split(row.options), { code: 'invalid-input', message: row.message });
  });
}

test('an empty file is refused naming --file', () => {
  const empty: Series = { startSeconds: 0, stepSeconds: 60, values: new Float64Array(0) };
  assert.throws(() => splitForSeries(empty, 'empty.csv', { stepSeconds: 60 }), {
    field: '--file',
    message: '--file: empty.csv holds no observations; give a trace with data rows',
  });
});
