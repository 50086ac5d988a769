import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PrescaleError } from '../core/index.js';
import { loadDataset } from '../experiments/datasets.js';
import type { AutoOptions, AutoSelection, FittedAuto } from './auto.js';
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

const liveCandidates = ['naive', 'seasonal-naive', 'ets', 'mstl'];

/** Which candidates took part in the comparison (a finite RMSE) and which were left for more history. */
function takingPart(selection: AutoSelection): { compared: string[]; waiting: string[] } {
  return {
    compared: selection.candidates.filter((c) => Number.isFinite(c.rmse)).map((c) => c.model),
    waiting: selection.candidates.filter((c) => c.skipped !== undefined).map((c) => c.model),
  };
}

const stages = [
  {
    name: '1 h: naive alone, as an hour is too short to compare over a 30-step horizon',
    hours: 1,
    want: {
      stage: 'warm-up',
      compared: [],
      chosen: 'naive',
      nextStageHours: 2,
      reason:
        /^history 1\.0 h: serving naive until 48 h allows a backtest among 4 candidates; naive: the simplest model, as nothing could be compared on the last 0\.3 h over h=1\.\.30; not yet comparable: seasonal-naive/,
    },
  },
  {
    name: '6 h: compared on the last 2 h; no period repeats 3 times in the minutes of NASA, ETS and MSTL need a day more',
    hours: 6,
    want: {
      stage: 'warm-up',
      compared: ['naive'],
      chosen: 'naive',
      nextStageHours: 12,
      reason:
        /^history 6\.0 h: serving naive until 48 h allows a backtest among 4 candidates; naive: lowest RMSE over h=1\.\.30 on the last 2\.0 h, [\d.]+; not yet comparable: seasonal-naive, ets, mstl$/,
    },
  },
  {
    name: '24 h: ETS joins, calibrated on a holdout as long as the compared 8 h; seasonal naive waits for a day to repeat',
    hours: 24,
    want: {
      stage: 'warm-up',
      compared: ['naive', 'ets'],
      chosen: undefined,
      nextStageHours: 36,
      reason:
        /^history 24\.0 h: serving (naive|ets) until 48 h allows a backtest among 4 candidates; (naive|ets): lowest RMSE over h=1\.\.30 on the last 8\.0 h, [\d.]+ \((naive|ets) [\d.]+\); not yet comparable: seasonal-naive, mstl$/,
    },
  },
  {
    name: '50 h: the full backtest on the last day (ETS and MSTL skipped with their reasons, as before)',
    hours: 50,
    want: {
      stage: 'full',
      compared: ['naive', 'seasonal-naive'],
      chosen: undefined,
      nextStageHours: null,
      reason:
        /^(naive|seasonal-naive): lowest RMSE over h=1\.\.30 on the last 24 h of training data, .*; could not compare ets, mstl$/,
    },
  },
];
for (const { name, hours, want } of stages) {
  test(`auto from the first hour, ${name}`, async () => {
    const { series, dataset } = await loadDataset('nasa-jul95');
    const train = sliceSeries(series, dataset.train_start, dataset.train_start + hours * 3600);
    const { selection } = (await autoModel.create(options(liveCandidates)).fit(train)) as FittedAuto;
    const { compared } = takingPart(selection);
    assert.equal(selection.stage, want.stage);
    assert.equal(selection.historySeconds, hours * 3600);
    assert.deepEqual(compared, want.compared);
    const best = selection.candidates.filter((c) => Number.isFinite(c.rmse)).sort((a, b) => a.rmse! - b.rmse!)[0];
    assert.equal(selection.chosen, want.chosen ?? best.model, 'the lowest RMSE wins, naive when nothing compares');
    assert.equal(selection.nextStageHistorySeconds, want.nextStageHours === null ? null : want.nextStageHours * 3600);
    assert.match(selection.reason, want.reason);
  });
}

test('auto under an hour of history forecasts nothing and says how long to wait', async () => {
  const { series, dataset } = await loadDataset('nasa-jul95');
  const train = sliceSeries(series, dataset.train_start, dataset.train_start + 40 * 60);
  await assert.rejects(
    autoModel.create(options(liveCandidates)).fit(train),
    (error: unknown) =>
      error instanceof PrescaleError &&
      error.code === 'not-enough-data' &&
      error.field === 'auto' &&
      /^auto: history 0\.7 h observed; the first model \(naive\) serves from 1\.0 h on, 0\.3 h to go$/.test(
        error.message,
      ),
  );
});

test('auto measures the history observed, not the range asked for: 14 days with the last 6 h observed is a warm-up', async () => {
  const { series, dataset } = await loadDataset('nasa-jul95');
  const observed = sliceSeries(series, dataset.train_start, dataset.train_start + 6 * 3600);
  const values = new Float64Array(14 * 1440).fill(Number.NaN);
  values.set(observed.values, values.length - observed.values.length);
  const train = {
    startSeconds: observed.startSeconds - (values.length - observed.values.length) * 60,
    stepSeconds: 60,
    values,
  };
  const fitted = (await autoModel.create(options(liveCandidates)).fit(train)) as FittedAuto;
  assert.equal(fitted.selection.stage, 'warm-up');
  assert.match(fitted.selection.reason, /^history 6\.0 h: serving naive/);
  assert.equal(fitted.metadata.trainStartSeconds, observed.startSeconds, 'fitted from the first observed bucket');
  const alone = (await autoModel.create(options(liveCandidates)).fit(observed)) as FittedAuto;
  // Everything but the fit's wall time, which varies run to run.
  const scores = (selection: FittedAuto['selection']) =>
    selection.candidates.map(({ fitMilliseconds: _, ...candidate }) => candidate);
  assert.deepEqual(scores(fitted.selection), scores(alone.selection));
});

test('auto in warm-up compares seasonal naive at the period it detects (an hourly cycle seen 6 times)', async () => {
  // 6 h per minute of an hourly cycle with deterministic noise: naive trails the cycle, seasonal naive repeats it.
  let seed = 7;
  const noise = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31 - 0.5;
  };
  const values = Float64Array.from(
    { length: 360 },
    (_, i) => 100 + 40 * Math.sin((2 * Math.PI * i) / 60) + 4 * noise(),
  );
  const train = { startSeconds: 1_700_000_000, stepSeconds: 60, values };
  const { selection } = (await autoModel.create(options(liveCandidates)).fit(train)) as FittedAuto;
  assert.deepEqual(takingPart(selection), { compared: ['naive', 'seasonal-naive'], waiting: ['ets', 'mstl'] });
  const seasonal = selection.candidates.find((c) => c.model === 'seasonal-naive')!;
  assert.equal(seasonal.seasonSeconds, 3600);
  assert.equal(selection.chosen, 'seasonal-naive');
  assert.match(
    selection.reason,
    /^history 6\.0 h: serving seasonal-naive until 48 h .*\(naive [\d.]+\); not yet comparable: ets, mstl$/,
  );
});

test('an auto model saved before the warm-up stage existed loads as a full selection', async () => {
  const { series, dataset } = await loadDataset('nasa-jul95');
  const train = sliceSeries(series, dataset.train_start, dataset.train_start + 3 * 3600);
  const saved = ((await autoModel.create(options(['naive'])).fit(train)) as FittedAuto).toJSON();
  const { stage, historySeconds, nextStageHistorySeconds, ...older } = (
    saved.parameters as { selection: AutoSelection }
  ).selection;
  const loaded = autoModel.load({
    ...saved,
    parameters: { ...(saved.parameters as object), selection: older },
  }) as FittedAuto;
  assert.equal(loaded.selection.stage, 'full');
  assert.equal(loaded.selection.nextStageHistorySeconds, null);
  assert.equal(loaded.selection.historySeconds, 3 * 3600);
  assert.equal(stage, 'warm-up');
  assert.equal(historySeconds, 3 * 3600);
  assert.equal(nextStageHistorySeconds, 6 * 3600);
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

test('auto given refitOf fits the last selection winner alone on the new data and keeps that record with a note', async () => {
  const { series, dataset } = await loadDataset('nasa-jul95');
  const selectOn = sliceSeries(series, dataset.train_start, dataset.train_start + 3 * 86400);
  const selected = (await autoModel.create(options(['naive', 'seasonal-naive'])).fit(selectOn)) as FittedAuto;
  const previous = selected.selection;
  assert.equal(previous.stage, 'full');
  assert.equal(previous.refitNote, undefined);
  // The backtest's WAPE of each candidate, by hand: what the service compares the online error with.
  const plan = {
    stepSeconds: 60,
    trainStartSeconds: selectOn.startSeconds,
    trainEndSeconds: selectOn.startSeconds + 2 * 86400,
    testEndSeconds: selectOn.startSeconds + 3 * 86400,
    horizonSteps: 30,
    originEverySteps: 15,
    refitEverySeconds: 86400,
  };
  const b = await runBacktest(selectOn, naiveModel.create({ horizonSteps: 30 }), plan);
  let absError = 0;
  let absActual = 0;
  b.originsSeconds.forEach((o, i) => {
    for (let h = 0; h < 30; h++) {
      const actual = selectOn.values[(o - selectOn.startSeconds) / 60 + h];
      if (Number.isNaN(actual)) continue;
      absError += Math.abs(actual - b.point[i * 30 + h]);
      absActual += Math.abs(actual);
    }
  });
  const naiveResult = previous.candidates.find((c) => c.model === 'naive');
  assert.ok(Math.abs(naiveResult!.wapePercent! - (100 * absError) / absActual) < 1e-9);

  // A day later: the winner alone on four days. The record is the selection's (scores not recomputed: a marked
  // score survives), with the note; the model is the winner fitted on the new data, as a direct fit gives it.
  const refitOn = sliceSeries(series, dataset.train_start, dataset.train_start + 4 * 86400);
  const marked = { ...previous, candidates: previous.candidates.map((c) => ({ ...c, origins: -1 })) };
  const refitOptions: AutoOptions = { ...options(['naive', 'seasonal-naive']), refitOf: marked };
  const refit = (await autoModel.create(refitOptions).fit(refitOn)) as FittedAuto;
  assert.deepEqual(refit.selection, {
    ...marked,
    refitNote: `refit of ${previous.chosen} on 96.0 h; last selection at ${new Date(previous.validationEndSeconds * 1000).toISOString().replace('.000Z', 'Z')}`,
  });
  assert.equal(refit.metadata.trainEndSeconds, refitOn.startSeconds + 4 * 86400);
  const direct = await modelDefinition(previous.chosen).create({ horizonSteps: 30, seasonSeconds: 86400 }).fit(refitOn);
  assert.deepEqual(refit.forecast(refitOn, 30).point, direct.forecast(refitOn, 30).point);
  // The record survives a save and load.
  const loaded = autoModel.load(refit.toJSON()) as FittedAuto;
  assert.equal(loaded.selection.refitNote, refit.selection.refitNote);

  // With less than 48 h observed (the history shrank), a refit is not possible: auto selects, as a warm-up.
  const short = sliceSeries(series, dataset.train_start, dataset.train_start + 6 * 3600);
  const warm = (await autoModel.create(refitOptions).fit(short)) as FittedAuto;
  assert.equal(warm.selection.stage, 'warm-up');
  assert.equal(warm.selection.refitNote, undefined);
});
