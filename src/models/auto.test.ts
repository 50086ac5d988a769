import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PrescaleError } from '../core/index.js';
import { loadDataset } from '../experiments/datasets.js';
import type { AutoOptions, FittedAuto } from './auto.js';
import { runBacktest, sliceSeries } from './backtest.js';
import { naiveModel, seasonalNaiveModel } from './naive.js';
import { readFittedModel, saveFittedModel } from './persistence.js';
import { modelDefinition } from './registry.js';

const autoModel = modelDefinition('auto');

const options = (candidates: string[]): AutoOptions => ({ horizonSteps: 30, seasonSeconds: 86400, candidates });

test('auto backtests each candidate on the last training day, keeps the lowest RMSE and says why', async () => {
  const { series, dataset } = await loadDataset('nasa-jul95');
  const train = sliceSeries(series, dataset.train_start, dataset.train_start + 4 * 86400);
  // prophet-lstm needs 4 days before the compared day: it is skipped with its reason, not fatal
  const fitted = (await autoModel
    .create(options(['seasonal-naive', 'naive', 'prophet-lstm']))
    .fit(train)) as FittedAuto;
  const { selection } = fitted;
  // the same comparison done by hand with the backtest
  const plan = {
    stepSeconds: 60,
    trainStartSeconds: train.startSeconds,
    trainEndSeconds: train.startSeconds + 3 * 86400,
    testEndSeconds: train.startSeconds + 4 * 86400,
    horizonSteps: 30,
    originEverySteps: 15,
    refitEverySeconds: 86400,
  };
  const rmse = async (model: typeof naiveModel) => {
    const b = await runBacktest(train, model.create({ horizonSteps: 30 }), plan);
    let s = 0;
    let n = 0;
    b.originsSeconds.forEach((o, i) => {
      for (let h = 0; h < 30; h++) {
        const actual = train.values[(o - train.startSeconds) / 60 + h];
        if (!Number.isNaN(actual)) {
          s += (actual - b.point[i * 30 + h]) ** 2;
          n++;
        }
      }
    });
    return Math.sqrt(s / n);
  };
  const want = { naive: await rmse(naiveModel), 'seasonal-naive': await rmse(seasonalNaiveModel) };
  const byModel = Object.fromEntries(selection.candidates.map((c) => [c.model, c]));
  assert.ok(Math.abs(byModel.naive.rmse! - want.naive) < 1e-9);
  assert.ok(Math.abs(byModel['seasonal-naive'].rmse! - want['seasonal-naive']) < 1e-9);
  assert.match(byModel['prophet-lstm'].skipped!, /^not-enough-data/);
  const winner = want.naive < want['seasonal-naive'] ? 'naive' : 'seasonal-naive';
  assert.equal(selection.chosen, winner);
  assert.match(selection.reason, new RegExp(`^${winner}: lowest RMSE .*could not compare prophet-lstm`));
  assert.equal(fitted.chosen.metadata.model, winner);

  const dir = await mkdtemp(join(tmpdir(), 'prescale-auto-'));
  try {
    await saveFittedModel(fitted, join(dir, 'auto.json'));
    const loaded = (await readFittedModel(join(dir, 'auto.json'))) as FittedAuto;
    assert.equal(loaded.selection.reason, selection.reason);
    const context = sliceSeries(series, train.startSeconds, train.startSeconds + 4 * 86400 + 600);
    assert.deepEqual(loaded.forecast(context, 30), fitted.forecast(context, 30));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const badOptions = [
  { name: 'an unknown candidate', input: ['naive', 'arima'], want: { code: 'unknown-model', field: 'candidates[1]' } },
  { name: 'auto as its own candidate', input: ['auto'], want: { code: 'invalid-input', field: 'candidates[0]' } },
  { name: 'no candidate', input: [], want: { code: 'invalid-input', field: 'candidates' } },
];
for (const { name, input, want } of badOptions) {
  test(`auto refuses ${name}`, () => {
    assert.throws(
      () => autoModel.create(options(input)),
      (error: unknown) => error instanceof PrescaleError && error.code === want.code && error.field === want.field,
    );
  });
}

test('auto refuses training data too short to fit on one day and compare on the next', async () => {
  const { series, dataset } = await loadDataset('nasa-jul95');
  const train = sliceSeries(series, dataset.train_start, dataset.train_start + 36 * 3600);
  await assert.rejects(
    autoModel.create(options(['naive'])).fit(train),
    (error: unknown) => error instanceof PrescaleError && error.code === 'not-enough-data' && error.field === 'auto',
  );
});

test('auto compares neural candidates from scratch; only the winner trains with the checkpoint directory', async () => {
  const { series, dataset } = await loadDataset('nasa-jul95');
  const train = sliceSeries(series, dataset.train_start, dataset.train_start + 3 * 86400);
  const dir = await mkdtemp(join(tmpdir(), 'prescale-auto-ckpt-'));
  try {
    const fitted = (await autoModel
      .create({
        ...options(['lstm', 'gru']),
        horizonSteps: 10,
        settings: { windowSteps: 40, hiddenUnits: 4, maxEpochs: 1, batchSize: 64, maxTrainingWindows: 300 },
        checkpointDir: dir,
      } as AutoOptions)
      .fit(train)) as FittedAuto;
    assert.deepEqual(
      fitted.selection.candidates.map((c) => [c.model, Number.isFinite(c.rmse), c.skipped]),
      [
        ['lstm', true, undefined],
        ['gru', true, undefined],
      ],
    );
    assert.ok(existsSync(join(dir, 'checkpoint.json')), 'the winner trained with the checkpoint');
    assert.equal(fitted.artifacts?.()['model.onnx'] instanceof Uint8Array, true, 'a neural winner saves as a folder');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
