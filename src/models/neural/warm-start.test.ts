import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Series } from '../../core/index.js';
import { loadDataset } from '../../experiments/datasets.js';
import { runBacktest, sliceSeries } from '../backtest.js';
import type { PortableModel } from '../types.js';
import type { FittedNeural } from './fitted-neural.js';
import { gruModel } from './gru.js';
import { lstmModel } from './lstm.js';
import { weightsFromOnnx } from './onnx-export.js';
import { ONNX_FILE } from './saved-format.js';
import { defaultNeuralSettings, type NeuralOptions, resolveNeuralSettings } from './settings.js';
import { buildTfModel, ensureWasmBackend, weightsFromTfModel } from './train.js';
import { resolveNetworkStart } from './warm-start.js';

/** A small, fast network (the defaults' code path): the cold fit trains 6 epochs, a warm refit 2. */
const tiny: NeuralOptions = {
  horizonSteps: 10,
  settings: {
    windowSteps: 40,
    patchSteps: 4,
    hiddenUnits: 6,
    maxEpochs: 6,
    warmStartEpochs: 2,
    batchSize: 64,
    maxTrainingWindows: 400,
  },
};
const DAY = 86_400;

let series: Series;
let firstDays: Series;
let nextDays: Series;
let previous: FittedNeural;
let portable: PortableModel;

before(async () => {
  const { series: all, dataset } = await loadDataset('nasa-jul95');
  series = all;
  // a daily refit: two days, then the same span a day later (the sliding history of the service and the backtest)
  firstDays = sliceSeries(all, dataset.train_start, dataset.train_start + 2 * DAY);
  nextDays = sliceSeries(all, dataset.train_start + DAY, dataset.train_start + 3 * DAY);
  previous = (await lstmModel.create(tiny).fit(firstDays)) as FittedNeural;
  portable = { saved: previous.toJSON(), artifacts: previous.artifacts() };
});

const settingsFor = (train: Series, options: NeuralOptions = tiny) => resolveNeuralSettings('lstm', train, options);

test('a warm start continues from the previous network, not from the seeded initialisation', async () => {
  const start = resolveNetworkStart('lstm', settingsFor(nextDays), 60, portable);
  assert.equal(start.kind, 'warm');
  if (start.kind !== 'warm') return;
  const trained = weightsFromOnnx(previous.artifacts()[ONNX_FILE], previous.parameters.network);
  assert.deepEqual(start.weights, trained);
  assert.equal(start.fromTrainEndSeconds, previous.metadata.trainEndSeconds);
  await ensureWasmBackend();
  const seeded = buildTfModel(previous.parameters.network, settingsFor(nextDays).seed);
  try {
    const initial = weightsFromTfModel(seeded, previous.parameters.network);
    assert.notDeepEqual(start.weights.layers[0].kernel, initial.layers[0].kernel);
  } finally {
    seeded.dispose();
  }
});

test('a warm refit starts below a cold fit (first-epoch loss), trains warmStartEpochs and records its start', async () => {
  const cold = (await lstmModel.create(tiny).fit(nextDays)) as FittedNeural;
  const warm = (await lstmModel.create(tiny).fit(nextDays, undefined, { warmStart: portable })) as FittedNeural;
  assert.deepEqual(cold.parameters.training.start, { kind: 'cold', reason: 'no previous model' });
  assert.deepEqual(warm.parameters.training.start, {
    kind: 'warm',
    fromTrainEndSeconds: firstDays.startSeconds + 2 * DAY,
  });
  const [coldFirst] = cold.parameters.training.epochs;
  const [warmFirst] = warm.parameters.training.epochs;
  assert.ok(warmFirst.loss < coldFirst.loss, `warm ${warmFirst.loss} < cold ${coldFirst.loss}`);
  assert.ok(warmFirst.validationLoss < coldFirst.validationLoss);
  assert.ok(warm.parameters.training.epochs.length <= 2);
  assert.equal(cold.parameters.training.epochs.length, 6);
  // the scaling is refitted on the new range, as a cold fit's is
  assert.deepEqual(warm.parameters.scaler, cold.parameters.scaler);
  const origin = nextDays.startSeconds + 2 * DAY + 3600;
  const forecast = warm.forecast(sliceSeries(series, nextDays.startSeconds, origin), 10);
  assert.ok(forecast.point.every(Number.isFinite));
});

test('a warm refit with the same seed reproduces its network exactly', async () => {
  const warmRefit = async () =>
    ((await lstmModel.create(tiny).fit(nextDays, undefined, { warmStart: portable })) as FittedNeural).parameters;
  const [a, b] = [await warmRefit(), await warmRefit()];
  assert.equal(a.training.start?.kind, 'warm');
  assert.equal(a.onnxSha256, b.onnxSha256);
});

const coldCases: {
  name: string;
  model: 'lstm' | 'gru';
  options?: NeuralOptions;
  previous?: () => PortableModel;
  want: string;
}[] = [
  { name: 'no previous model', model: 'lstm', previous: undefined, want: 'no previous model' },
  {
    name: 'another model',
    model: 'gru',
    previous: () => portable,
    want: 'the previous model is lstm, not gru',
  },
  {
    name: 'another network size',
    model: 'lstm',
    options: { ...tiny, settings: { ...tiny.settings, hiddenUnits: 8 } },
    previous: () => portable,
    want: 'settings changed: hiddenUnits 6 → 8',
  },
  {
    name: 'another horizon',
    model: 'lstm',
    options: { ...tiny, horizonSteps: 12 },
    previous: () => portable,
    want: 'settings changed: horizonSteps 10 → 12',
  },
  {
    name: 'a damaged model.onnx',
    model: 'lstm',
    previous: () => ({ saved: portable.saved, artifacts: { [ONNX_FILE]: new Uint8Array([1, 2, 3]) } }),
    want: 'the previous model is unusable (model.onnx: its SHA-256 differs',
  },
];
for (const { name, model, options, previous: previousOf, want } of coldCases) {
  test(`a fit falls back to cold with the reason: ${name}`, () => {
    const settings = resolveNeuralSettings(model, nextDays, options ?? tiny);
    const start = resolveNetworkStart(model, settings, 60, previousOf?.());
    assert.equal(start.kind, 'cold');
    assert.ok(start.kind === 'cold' && start.reason.startsWith(want), start.kind === 'cold' ? start.reason : '');
  });
}

test("the warm phase's defaults, chosen on validation days (docs/neural.md), are in every saved model's settings", () => {
  const defaults = defaultNeuralSettings('lstm', 60, 30, 14 * DAY, DAY);
  assert.deepEqual(
    [defaults.warmStartEpochs, defaults.warmStartLearningRate, defaults.maxEpochs, defaults.learningRate],
    [1, 0.006, 30, 0.002],
  );
  // `tiny` overrides the epochs only: the learning rate is the default, recorded as meta.json keeps it.
  assert.equal(previous.metadata.settings.warmStartEpochs, 2);
  assert.equal(previous.metadata.settings.warmStartLearningRate, 0.006);
});

test('a changed warm phase continues the chain: it says how a refit trains, not what the previous network is', () => {
  const changed: NeuralOptions = {
    ...tiny,
    settings: { ...tiny.settings, warmStartEpochs: 5, warmStartLearningRate: 0.01 },
  };
  assert.equal(resolveNetworkStart('lstm', settingsFor(nextDays, changed), 60, portable).kind, 'warm');
  // A model saved before the warm-phase settings existed continues too.
  const { warmStartEpochs: _, warmStartLearningRate: __, ...older } = portable.saved.metadata.settings;
  const saved = { ...portable.saved, metadata: { ...portable.saved.metadata, settings: older } };
  assert.equal(resolveNetworkStart('lstm', settingsFor(nextDays), 60, { ...portable, saved }).kind, 'warm');
});

test('warmStartLearningRate steers the warm refit only; a cold fit never reads it', async () => {
  const withRate = (warmStartLearningRate: number): NeuralOptions => ({
    ...tiny,
    settings: { ...tiny.settings, warmStartLearningRate },
  });
  const sha = async (options: NeuralOptions, warmStart?: PortableModel) =>
    ((await lstmModel.create(options).fit(nextDays, undefined, { warmStart })) as FittedNeural).parameters.onnxSha256;
  assert.notEqual(await sha(withRate(0.0001), portable), await sha(withRate(0.01), portable));
  assert.equal(await sha(withRate(0.0001)), await sha(withRate(0.01)));
});

test('another step falls back to cold', () => {
  const start = resolveNetworkStart('lstm', settingsFor(nextDays), 300, portable);
  assert.deepEqual(start, { kind: 'cold', reason: 'the step changed from 60 s to 300 s' });
});

test('a fit given a previous model it cannot use fits cold and records why', async () => {
  const fitted = (await gruModel.create(tiny).fit(nextDays, undefined, { warmStart: portable })) as FittedNeural;
  assert.deepEqual(fitted.parameters.training.start, { kind: 'cold', reason: 'the previous model is lstm, not gru' });
  assert.equal(fitted.parameters.training.epochs.length, 6);
});

test('the backtest with warm starts refits each day from the previous day and says so', async () => {
  const plan = {
    stepSeconds: 60,
    trainStartSeconds: firstDays.startSeconds,
    trainEndSeconds: firstDays.startSeconds + 2 * DAY,
    testEndSeconds: firstDays.startSeconds + 2 * DAY + DAY + 3600,
    horizonSteps: 10,
    originEverySteps: 60,
    refitEverySeconds: DAY,
  };
  const result = await runBacktest(series, lstmModel.create(tiny), plan, { warmStart: true });
  assert.deepEqual(result.fitStarts, ['cold: no previous model', 'warm']);
  assert.equal(result.fitCpuMilliseconds.length, 2);
  assert.ok(result.fitCpuMilliseconds.every((ms) => ms > 0));
  const coldOnly = await runBacktest(series, lstmModel.create(tiny), plan);
  assert.deepEqual(coldOnly.fitStarts, ['cold: no previous model', 'cold: no previous model']);
  assert.ok(result.point.every(Number.isFinite));
});
