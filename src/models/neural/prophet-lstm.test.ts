import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PrescaleError } from '../../core/index.js';
import { loadDataset } from '../../experiments/datasets.js';
import { sliceSeries } from '../backtest.js';
import { readFittedModel, saveFittedModel } from '../persistence.js';
import type { FittedNeural } from './fitted-neural.js';
import type { ProphetLstmOptions } from './prophet-lstm.js';
import { prophetLstmModel } from './prophet-lstm.js';

const tiny: ProphetLstmOptions = {
  seasonSeconds: 86400,
  horizonSteps: 10,
  settings: { windowSteps: 40, patchSteps: 4, hiddenUnits: 6, maxEpochs: 2, batchSize: 64, maxTrainingWindows: 400 },
};

test('the hybrid trains on out-of-sample Prophet residuals, forecasts Prophet path + residual, and round-trips', async () => {
  const { series, dataset } = await loadDataset('nasa-jul95');
  const train = sliceSeries(series, dataset.train_start, dataset.train_start + 5 * 86400);
  const fitted = (await prophetLstmModel.create(tiny).fit(train)) as FittedNeural;
  const p = fitted.parameters;
  // 5 days: Prophet needs 3, so 2 days of residuals, each from a Prophet fitted before that day, plus the served fit
  assert.deepEqual({ days: p.training.extra?.residualDays, fits: p.training.extra?.prophetFits }, { days: 2, fits: 3 });
  assert.equal(p.base.kind, 'path');
  assert.equal(p.layout.valueChannel, true, 'the network sees the recent values as well as the residuals');
  assert.ok(
    p.base.kind === 'path' && p.base.forecaster?.metadata.model === 'prophet',
    'the base is the residual-corrected Prophet',
  );
  // the validation tail is the last day, whose residuals come from a Prophet fitted on the 4 days before it
  assert.ok(p.training.firstValidationOriginSeconds >= train.startSeconds + 4 * 86400);

  const origin = train.startSeconds + 5 * 86400 + 1800;
  const context = sliceSeries(series, train.startSeconds, origin);
  const forecast = fitted.forecast(context, 10);
  assert.equal(forecast.point.length, 10);
  assert.ok(forecast.point.every(Number.isFinite));

  const dir = await mkdtemp(join(tmpdir(), 'prescale-hybrid-'));
  try {
    await saveFittedModel(fitted, join(dir, 'hybrid'));
    const loaded = await readFittedModel(join(dir, 'hybrid'));
    assert.deepEqual(loaded.forecast(context, 10), forecast);
    // the saved Prophet path ends two days after training: a model not refitted for longer refuses to guess
    const stale = sliceSeries(series, train.startSeconds, train.startSeconds + 8 * 86400);
    assert.throws(
      () => loaded.forecast(stale, 10),
      (error: unknown) => error instanceof PrescaleError && error.code === 'invalid-input' && error.field === 'context',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the hybrid refuses training data too short for Prophet plus a day of residuals', async () => {
  const { series, dataset } = await loadDataset('nasa-jul95');
  const train = sliceSeries(series, dataset.train_start, dataset.train_start + 3 * 86400);
  await assert.rejects(
    prophetLstmModel.create(tiny).fit(train),
    (error: unknown) =>
      error instanceof PrescaleError && error.code === 'not-enough-data' && error.field === 'prophet-lstm',
  );
});

test('a hybrid refit warm-starts its network from the previous hybrid; Prophet is refitted', async () => {
  const { series, dataset } = await loadDataset('nasa-jul95');
  const day = 86400;
  const first = (await prophetLstmModel
    .create(tiny)
    .fit(sliceSeries(series, dataset.train_start, dataset.train_start + 5 * day))) as FittedNeural;
  const next = sliceSeries(series, dataset.train_start + day, dataset.train_start + 6 * day);
  const refit = (await prophetLstmModel
    .create(tiny)
    .fit(next, undefined, { warmStart: { saved: first.toJSON(), artifacts: first.artifacts() } })) as FittedNeural;
  const p = refit.parameters;
  assert.deepEqual(p.training.start, { kind: 'warm', fromTrainEndSeconds: first.metadata.trainEndSeconds });
  assert.ok(p.training.epochs.length <= 2);
  assert.deepEqual(p.training.extra?.prophetFits, 3, 'the Prophet base is fitted anew');
  assert.ok(p.base.kind === 'path' && p.base.forecaster?.metadata.trainEndSeconds === dataset.train_start + 6 * day);
});
