import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Series } from '../core/index.js';
import { tempDir } from '../testing/temp-dir.js';
import { naiveModel, seasonalNaiveModel } from './naive.js';
import { readFittedModel, saveFittedModel } from './persistence.js';

const DAY_STEPS = 1440;
const series = (values: number[], start = 0): Series => ({
  startSeconds: start,
  stepSeconds: 60,
  values: Float64Array.from(values),
});
/** Two days of a daily sine, so seasonal naive has a full day of history. */
const twoDays = series(
  Array.from({ length: 2 * DAY_STEPS }, (_, i) => 100 + 40 * Math.sin((2 * Math.PI * i) / DAY_STEPS)),
);

const rows = [
  { name: 'naive repeats the last value', model: naiveModel, context: [1, 2, 3], want: [3, 3, 3] },
  {
    name: 'naive skips missing buckets back to the last observed one',
    model: naiveModel,
    context: [1, 5, Number.NaN, Number.NaN],
    want: [5, 5],
  },
];
for (const row of rows) {
  test(row.name, async (_t) => {
    const fitted = await row.model.create({ horizonSteps: 3 }).fit(twoDays);
    const forecast = fitted.forecast(series(row.context), row.want.length);
    assert.deepEqual([...forecast.point], row.want);
    assert.equal(forecast.startSeconds, row.context.length * 60);
  });
}

test('seasonal naive forecasts the same time one day earlier, and the last value where that is missing', async (_t) => {
  const fitted = await seasonalNaiveModel.create({ seasonSeconds: 86400, horizonSteps: 5 }).fit(twoDays);
  const context = Float64Array.from(twoDays.values);
  context[DAY_STEPS + 2] = Number.NaN; // yesterday's bucket for h = 3 is missing
  const forecast = fitted.forecast(series([...context]), 5);
  const origin = 2 * DAY_STEPS;
  assert.equal(forecast.point[0], context[origin - DAY_STEPS]);
  assert.equal(forecast.point[1], context[origin - DAY_STEPS + 1]);
  assert.equal(forecast.point[2], context[origin - 1]);
});

test('intervals at 80% hold lower ≤ point ≤ upper and widen at a higher level', async (_t) => {
  const fitted = await naiveModel.create({ horizonSteps: 10 }).fit(twoDays);
  const f80 = fitted.forecast(twoDays, 10);
  const f95 = fitted.forecast(twoDays, 10, 0.95);
  assert.equal(f80.intervals?.level, 0.8);
  for (let i = 0; i < 10; i++) {
    assert.ok(f80.intervals!.lower[i] <= f80.point[i] && f80.point[i] <= f80.intervals!.upper[i]);
    assert.ok(f95.intervals!.upper[i] - f95.intervals!.lower[i] >= f80.intervals!.upper[i] - f80.intervals!.lower[i]);
  }
  // the sine's 1-step change is at most 40·2π/1440 ≈ 0.17, so a 1-step interval is that narrow
  assert.ok(f80.intervals!.upper[0] - f80.intervals!.lower[0] < 0.4);
});

test('a series shorter than the horizon still gets intervals: each step from the errors that fit, beyond them the farthest', async (_t) => {
  // A random walk of ±1 steps over 8 minutes, a 30-step horizon: the first minutes of a new workload.
  const walk = series([10, 11, 10, 11, 12, 11, 12, 13]);
  const fitted = await naiveModel.create({ horizonSteps: 30 }).fit(walk);
  const { point, intervals } = fitted.forecast(walk, 30, 0.95);
  const widths = Array.from(point, (_, i) => intervals!.upper[i] - intervals!.lower[i]);
  // One step ahead the errors are ±1 (five +1, two −1): the 95% interval spans about 2.
  assert.ok(widths[0] > 1.5 && widths[0] <= 2, `width at h=1: ${widths[0]}`);
  for (const width of widths) assert.ok(width > 0);
  // The last measured step is h = 7 (one origin); every step beyond repeats its width.
  for (let h = 8; h <= 30; h++) assert.equal(widths[h - 1], widths[6]);
});

test('save/load round trip gives identical forecasts without refitting', async (t) => {
  const dir = await tempDir(t, 'prescale-model-');
  for (const model of [naiveModel, seasonalNaiveModel]) {
    const fitted = await model.create({ horizonSteps: 30 }).fit(twoDays);
    const path = join(dir, `${model.name}.json`);
    await saveFittedModel(fitted, path);
    const loaded = await readFittedModel(path);
    assert.deepEqual(loaded.metadata, fitted.metadata);
    assert.deepEqual(loaded.forecast(twoDays, 30), fitted.forecast(twoDays, 30));
  }
});

test('corrupt or foreign model files are refused with the field named', async (t) => {
  const dir = await tempDir(t, 'prescale-model-');
  const fitted = await naiveModel.create().fit(twoDays);
  const saved = fitted.toJSON();
  const cases = [
    { name: 'not JSON', text: '{"metadata":', code: 'malformed-file', field: join(dir, 'not JSON.json') },
    {
      name: 'unknown model',
      text: JSON.stringify({ ...saved, metadata: { ...saved.metadata, model: 'magic' } }),
      code: 'unknown-model',
      field: 'metadata.model',
    },
    {
      name: 'no parameters',
      text: JSON.stringify({ metadata: saved.metadata }),
      code: 'model-mismatch',
      field: 'parameters',
    },
    {
      name: 'bad step',
      text: JSON.stringify({ ...saved, metadata: { ...saved.metadata, stepSeconds: 0 } }),
      code: 'model-mismatch',
      field: 'metadata.stepSeconds',
    },
  ];
  for (const row of cases) {
    const path = join(dir, `${row.name}.json`);
    await writeFile(path, row.text);
    await assert.rejects(readFittedModel(path), { code: row.code, field: row.field }, row.name);
  }
  assert.throws(() => fitted.forecast({ ...twoDays, stepSeconds: 300 }, 3), {
    code: 'model-mismatch',
    field: 'context.stepSeconds',
  });
  await assert.rejects(naiveModel.create().fit(series([Number.NaN, Number.NaN])), {
    code: 'not-enough-data',
    field: 'naive',
  });
});
