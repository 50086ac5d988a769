import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PrescaleError, type Series } from '../../core/index.js';
import { loadDataset } from '../../experiments/datasets.js';
import { repoRoot } from '../../testing/paths.js';
import { sliceSeries } from '../backtest.js';
import { readFittedModel, saveFittedModel } from '../persistence.js';
import { conformalInterval, rollingConformalOffsets } from './conformal.js';
import { localScale } from './features.js';
import { defaultValidationCount } from './fit.js';
import { type FittedNeural, MAX_KEPT_RECENT_WINDOWS } from './fitted-neural.js';
import { gruModel } from './gru.js';
import { lstmModel } from './lstm.js';
import type { NeuralOptions, NeuralSettings } from './settings.js';

/** A small, fast network: the same code path as the defaults, a fraction of the work. */
const tiny: NeuralOptions = {
  horizonSteps: 10,
  settings: { windowSteps: 40, patchSteps: 4, hiddenUnits: 6, maxEpochs: 2, batchSize: 64, maxTrainingWindows: 400 },
};

let series: Series;
let train: Series;
let lstm: FittedNeural;
let dir: string;

before(async () => {
  const { series: all, dataset } = await loadDataset('nasa-jul95');
  series = all;
  train = sliceSeries(all, dataset.train_start, dataset.train_start + 2 * 86400);
  lstm = (await lstmModel.create(tiny).fit(train)) as FittedNeural;
  dir = await mkdtemp(join(tmpdir(), 'prescale-neural-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const contextUpTo = (seconds: number) => sliceSeries(series, train.startSeconds, seconds);
const refused = (code: string, field: string) => (error: unknown) =>
  error instanceof PrescaleError && error.code === code && error.field === field;

test('a forecast has H finite steps from the origin with intervals around the point', () => {
  const origin = train.startSeconds + 2 * 86400 + 3600;
  const forecast = lstm.forecast(contextUpTo(origin), 10);
  assert.equal(forecast.startSeconds, origin);
  assert.equal(forecast.point.length, 10);
  const { lower, upper, level } = forecast.intervals!;
  assert.equal(level, 0.8);
  for (let h = 0; h < 10; h++) {
    assert.ok(Number.isFinite(forecast.point[h]) && forecast.point[h] >= 0);
    assert.ok(lower[h] <= forecast.point[h] && forecast.point[h] <= upper[h]);
  }
  // a wider level gives a wider interval
  const wide = lstm.forecast(contextUpTo(origin), 10, 0.95).intervals!;
  assert.ok(wide.upper[9] - wide.lower[9] > upper[9] - lower[9]);
  // the model conditions on new data: a different recent window moves the forecast without refitting
  const later = lstm.forecast(contextUpTo(origin + 7200), 10);
  assert.notDeepEqual(Array.from(later.point), Array.from(forecast.point));
});

test('forecastMany runs one batch and gives what forecast gives for each context', () => {
  const origins = [1, 2, 3].map((k) => train.startSeconds + 2 * 86400 + k * 1800);
  const contexts = origins.map(contextUpTo);
  const batch = lstm.forecastMany(contexts, 10, 0.9);
  assert.equal(batch.length, 3);
  // float32 batch arithmetic may differ from a batch of one in the last bits
  batch.forEach((forecast, i) => {
    const single = lstm.forecast(contexts[i], 10, 0.9);
    assert.equal(forecast.startSeconds, origins[i]);
    for (let h = 0; h < 10; h++) {
      assert.ok(Math.abs(forecast.point[h] - single.point[h]) < 1e-6 * Math.max(1, Math.abs(single.point[h])));
      assert.ok(Math.abs(forecast.intervals!.upper[h] - single.intervals!.upper[h]) < 1e-4);
    }
  });
});

test("each level's interval is point ± local scale × that level's conformal quantiles, whatever was asked before", () => {
  const context = contextUpTo(train.startSeconds + 2 * 86400); // ends with the training data: nothing to recalibrate on
  const first80 = lstm.forecast(context, 10, 0.8);
  const at95 = lstm.forecast(context, 10, 0.95);
  const again80 = lstm.forecast(context, 10, 0.8);
  assert.deepEqual(again80, first80);
  const { windowSteps } = lstm.parameters.layout;
  const scale = localScale(context.values, context.values.length, windowSteps, lstm.parameters.scaleFloor);
  for (const [level, forecast] of [
    [0.8, first80],
    [0.95, at95],
  ] as const) {
    const want = conformalInterval(forecast.point, scale, lstm.parameters.calibration, level);
    for (let h = 0; h < 10; h++) {
      assert.ok(
        Math.abs(forecast.intervals!.lower[h] - Math.max(0, want.lower[h])) < 1e-9,
        `${level} lower h=${h + 1}`,
      );
      assert.ok(Math.abs(forecast.intervals!.upper[h] - want.upper[h]) < 1e-9, `${level} upper h=${h + 1}`);
    }
  }
  assert.ok(
    at95.intervals!.upper[9] - at95.intervals!.lower[9] > first80.intervals!.upper[9] - first80.intervals!.lower[9],
  );
});

test('past the training data, intervals recalibrate on the scores of the recent windows of the context', () => {
  const trainEnd = lstm.metadata.trainEndSeconds;
  const context = contextUpTo(trainEnd + 3 * 3600);
  const { gridSteps, spanSeconds } = lstm.parameters.rollingCalibration!;
  const { windowSteps } = lstm.parameters.layout;
  const H = lstm.parameters.horizonSteps;
  // The recent windows, scored one by one through forecast (the batch of the served forecast must agree).
  const n = context.values.length;
  const origins: number[] = [];
  for (let i = n - H; context.startSeconds + i * 60 >= trainEnd; i -= gridSteps) origins.push(i);
  assert.equal(origins.length, (180 - 10) / 5 + 1, 'one window every 5 minutes whose 10 minutes have been observed');
  const recentByStep = Array.from({ length: H }, () => new Float64Array(origins.length));
  origins.forEach((i, j) => {
    const window = { ...context, values: context.values.subarray(0, i) };
    const { point } = lstm.forecast(window, H);
    const scale = localScale(window.values, i, windowSteps, lstm.parameters.scaleFloor);
    for (let h = 0; h < H; h++) recentByStep[h][j] = (context.values[i + h] - point[h]) / scale;
  });
  const offsets = rollingConformalOffsets(
    lstm.parameters.calibration,
    recentByStep,
    spanSeconds / (gridSteps * 60),
    0.8,
  );
  const forecast = lstm.forecast(context, H, 0.8);
  const scale = localScale(context.values, n, windowSteps, lstm.parameters.scaleFloor);
  for (let h = 0; h < H; h++) {
    const tolerance = 1e-4 * Math.max(1, Math.abs(forecast.point[h]));
    assert.ok(Math.abs(forecast.intervals!.upper[h] - (forecast.point[h] + scale * offsets.upper[h])) < tolerance);
    assert.ok(
      Math.abs(forecast.intervals!.lower[h] - Math.max(0, forecast.point[h] + scale * offsets.lower[h])) < tolerance,
    );
  }
  // and it differs from the validation tail's interval alone
  const validationOnly = conformalInterval(forecast.point, scale, lstm.parameters.calibration, 0.8);
  assert.ok(Array.from(validationOnly.upper).some((u, h) => Math.abs(u - forecast.intervals!.upper[h]) > 1e-6));
});

test('the recalibration windows lie on a grid fixed in time: one more bucket of context scores the same windows', () => {
  const { windowSteps } = lstm.parameters.layout;
  const offsetsOf = (end: number) => {
    const context = contextUpTo(end);
    const forecast = lstm.forecast(context, 10);
    const scale = localScale(context.values, context.values.length, windowSteps, lstm.parameters.scaleFloor);
    return Array.from(forecast.point, (p, h) => (forecast.intervals!.upper[h] - p) / scale);
  };
  const base = lstm.metadata.trainEndSeconds + 3 * 3600;
  // The latest window whose 10 minutes are observed starts at 2 h 50 min past the training end in both cases.
  const [a, b] = [offsetsOf(base + 60), offsetsOf(base + 120)];
  for (const [h, offset] of a.entries()) assert.ok(Math.abs(offset - b[h]) < 1e-9, `h=${h + 1}: ${offset} vs ${b[h]}`);
});

test('scores kept from earlier forecasts never change a result: edited data is scored anew', () => {
  const fresh = () => lstmModel.load(lstm.toJSON(), lstm.artifacts()) as FittedNeural;
  const served = fresh();
  const context = contextUpTo(lstm.metadata.trainEndSeconds + 3 * 3600);
  served.forecast(context, 10); // keeps the recent windows' scores
  const edited = { ...context, values: Float64Array.from(context.values) };
  edited.values[edited.values.length - 60] *= 3; // inside the horizon of several recent windows
  const close = (a: Float64Array, b: Float64Array) =>
    a.every((v, i) => Math.abs(v - b[i]) <= 1e-6 * Math.max(1, Math.abs(v)));
  for (const data of [context, edited, context]) {
    const kept = served.forecast(data, 10);
    const unkept = fresh().forecast(data, 10);
    assert.ok(close(kept.intervals!.upper, unkept.intervals!.upper), 'upper');
    assert.ok(close(kept.intervals!.lower, unkept.intervals!.lower), 'lower');
  }
  const before = served.forecast(context, 10);
  const after = served.forecast(edited, 10);
  assert.ok(!close(before.intervals!.upper, after.intervals!.upper), 'the edit changed the recalibration');
});

test('past the limit of kept scores they are forgotten, and every forecast still gets its interval', () => {
  const served = lstmModel.load(lstm.toJSON(), lstm.artifacts()) as FittedNeural;
  const day = contextUpTo(lstm.metadata.trainEndSeconds + 86400);
  // Series that differ everywhere, so no two share a window's scores: ~290 windows each.
  const series = Array.from({ length: Math.ceil(MAX_KEPT_RECENT_WINDOWS / 280) }, (_, k) => ({
    ...day,
    values: day.values.map((v) => v * (1 + k / 1000)),
  }));
  served.forecastMany(series, 10);
  // Over the limit now. The first series five and ten minutes later: new windows beside kept ones; the forecast
  // forgets before it looks any up, and scores what it needs.
  const end = lstm.metadata.trainEndSeconds + 86400;
  for (const context of [contextUpTo(end + 300), contextUpTo(end + 600)]) {
    const forecast = served.forecast(context, 10);
    assert.ok(forecast.intervals!.upper.every(Number.isFinite));
    assert.deepEqual(forecast, served.forecast(context, 10));
  }
});

test('the validation tail is the last 15% of windows, or the last day when that is more, up to half', () => {
  const settings = { validationFraction: 0.15, validationMinSeconds: 86400 } as NeuralSettings;
  const minutes = (days: number) => Float64Array.from({ length: days * 1440 }, (_, i) => i * 60);
  assert.equal(defaultValidationCount(minutes(14), settings), Math.round(14 * 1440 * 0.15)); // 2.1 days
  assert.equal(defaultValidationCount(minutes(4), settings), 1440); // the last day's origins
  assert.equal(defaultValidationCount(minutes(1), settings), 720); // half
});

test('meta.json records scaler, window, step, horizon, features, training range, validation scores and versions', () => {
  const saved = lstm.toJSON();
  const p = lstm.parameters;
  assert.equal(saved.metadata.model, 'lstm');
  assert.equal(saved.metadata.stepSeconds, 60);
  assert.equal(saved.metadata.trainStartSeconds, train.startSeconds);
  assert.equal(saved.metadata.trainEndSeconds, train.startSeconds + 2 * 86400);
  assert.equal(p.scaler.kind, 'standard');
  assert.equal(p.layout.windowSteps, 40);
  // two days of data: each weekday seen once at most, so the day of week is not an input (from 21 days on)
  assert.deepEqual(p.layout.calendar, ['time-of-day']);
  assert.equal(p.horizonSteps, 10);
  assert.ok(p.validation.rmse > 0 && p.validation.coverage80 > 0);
  assert.match(p.versions.tfjs, /^\d+\.\d+/);
  assert.match(p.versions.onnxruntime, /^\d+\.\d+/);
  assert.equal(p.training.epochs.length, 2);
});

const invalidRequests = [
  { name: 'a horizon beyond the trained one', input: { h: 11, level: 0.8 }, want: 'horizonSteps' },
  { name: 'a level of 1', input: { h: 5, level: 1 }, want: 'level' },
];
for (const { name, input, want } of invalidRequests) {
  test(`forecast refuses ${name}, naming ${want}`, () => {
    assert.throws(
      () => lstm.forecast(contextUpTo(train.startSeconds + 2 * 86400), input.h, input.level),
      refused('invalid-input', want),
    );
  });
}

test('save then load gives the same forecasts, from a folder of model.onnx + meta.json', async () => {
  const path = join(dir, 'lstm-model');
  await saveFittedModel(lstm, path);
  const loaded = await readFittedModel(path);
  const context = contextUpTo(train.startSeconds + 2 * 86400 + 600);
  assert.deepEqual(loaded.forecast(context, 10), lstm.forecast(context, 10));
  const meta = JSON.parse(await readFile(join(path, 'meta.json'), 'utf8'));
  assert.equal(meta.files['model.onnx'].bytes, (await readFile(join(path, 'model.onnx'))).length);
  // saving again over the folder replaces it whole
  await saveFittedModel(lstm, path);
  assert.deepEqual((await readFittedModel(path)).forecast(context, 10), lstm.forecast(context, 10));
});

test('a saved model loads and forecasts in a process that never imports tfjs', async () => {
  const path = join(dir, 'lstm-for-child');
  await saveFittedModel(lstm, path);
  const script = `
    import { readFittedModel } from './src/models/persistence.ts';
    const model = await readFittedModel(${JSON.stringify(path)});
    const values = new Float64Array(200).fill(40);
    const f = model.forecast({ startSeconds: ${train.startSeconds + 86400}, stepSeconds: 60, values }, 10);
    console.log(JSON.stringify({ steps: f.point.length, tfjsLoaded: '_tfengine' in globalThis }));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout.trim().split('\n').at(-1)!), { steps: 10, tfjsLoaded: false });
});

test('a corrupt or mismatched model folder is refused with the file or field named', async () => {
  const gru = await gruModel.create(tiny).fit(train);
  const gruPath = join(dir, 'gru-model');
  await saveFittedModel(gru, gruPath);
  const cases: {
    name: string;
    break: (path: string) => Promise<void>;
    code: string;
    field: (path: string) => string;
  }[] = [
    {
      name: "another model's network",
      break: async (path) => writeFile(join(path, 'model.onnx'), await readFile(join(gruPath, 'model.onnx'))),
      code: 'model-mismatch',
      field: (path) => join(path, 'model.onnx'),
    },
    {
      name: 'a truncated meta.json',
      break: async (path) =>
        writeFile(join(path, 'meta.json'), (await readFile(join(path, 'meta.json'), 'utf8')).slice(0, 100)),
      code: 'malformed-file',
      field: (path) => join(path, 'meta.json'),
    },
    {
      name: 'an edited window in meta.json',
      break: async (path) => {
        const meta = JSON.parse(await readFile(join(path, 'meta.json'), 'utf8'));
        meta.parameters.layout.windowSteps = 60;
        await writeFile(join(path, 'meta.json'), JSON.stringify(meta));
      },
      code: 'model-mismatch',
      field: () => 'parameters.network',
    },
    {
      name: 'a malformed checksum in meta.json',
      break: async (path) => {
        const meta = JSON.parse(await readFile(join(path, 'meta.json'), 'utf8'));
        meta.metadata.model = 'gru';
        meta.parameters.onnxSha256 = 'x';
        await writeFile(join(path, 'meta.json'), JSON.stringify(meta));
      },
      code: 'model-mismatch',
      field: () => 'parameters.onnxSha256',
    },
  ];
  for (const [i, c] of cases.entries()) {
    const path = join(dir, `broken-${i}`);
    await saveFittedModel(lstm, path);
    await c.break(path);
    await assert.rejects(readFittedModel(path), (error: unknown) => {
      assert.ok(error instanceof PrescaleError, c.name);
      assert.equal(error.code, c.code, c.name);
      assert.equal(error.field, c.field(path), `${c.name}: ${error.message}`);
      assert.match(error.message, /again/, c.name);
      return true;
    });
  }
});
