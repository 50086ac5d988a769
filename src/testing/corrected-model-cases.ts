import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrescaleError, type Series } from '../core/index.js';
import type { FittedForecaster, ModelDefinition, SavedModel } from '../models/types.js';
import { head, nasaRequests } from './model-fixtures.js';

const STEPS_PER_DAY = 1440;
const HORIZON = 30;

/** Asserts that `action` throws a PrescaleError with this code whose field (and message) name the culprit. */
export function assertPrescaleError(action: () => unknown, code: string, field: string, message?: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof PrescaleError, `expected a PrescaleError, got ${error}`);
    assert.equal(error.code, code);
    assert.equal(error.field, field);
    if (message) assert.match(error.message, message);
    return true;
  });
}

/** Async twin of `assertPrescaleError`, for `fit`. */
export async function assertRejectsPrescale(
  action: () => Promise<unknown>,
  code: string,
  field: string,
  message?: RegExp,
) {
  await assert.rejects(action, (error: unknown) => {
    assert.ok(error instanceof PrescaleError, `expected a PrescaleError, got ${error}`);
    assert.equal(error.code, code);
    assert.equal(error.field, field);
    if (message) assert.match(error.message, message);
    return true;
  });
}

function roundTrip(definition: ModelDefinition, fitted: FittedForecaster): FittedForecaster {
  return definition.load(JSON.parse(JSON.stringify(fitted.toJSON())) as SavedModel);
}

function withValues(series: Series, edit: (values: Float64Array) => void): Series {
  const values = Float64Array.from(series.values);
  edit(values);
  return { ...series, values };
}

/**
 * The behaviour every residual-corrected model (ets, mstl, prophet) must show, on 5 days of real NASA requests
 * per minute: fitted on the first 4, forecasting into the 5th. Each model's test file runs these and adds its own.
 */
export function testCorrectedModel(definition: ModelDefinition): void {
  const name = definition.name;
  const data = nasaRequests(5);
  const trainSteps = 4 * STEPS_PER_DAY;
  let fittedOnce: Promise<FittedForecaster> | undefined;
  const fitted = () => {
    fittedOnce ??= data.then((series) => definition.create({ horizonSteps: HORIZON }).fit(head(series, trainSteps)));
    return fittedOnce;
  };
  /** Context up to 6 h into the day after training. */
  const context = async () => head(await data, trainSteps + 360);

  test(`${name}: forecasts H steps from the end of the context, with lower ≤ point ≤ upper`, async () => {
    const model = await fitted();
    const ctx = await context();
    const forecast = model.forecast(ctx, HORIZON);
    assert.equal(forecast.startSeconds, ctx.startSeconds + ctx.values.length * 60);
    assert.equal(forecast.stepSeconds, 60);
    assert.equal(forecast.point.length, HORIZON);
    assert.equal(forecast.intervals?.level, 0.8);
    const wide = model.forecast(ctx, HORIZON, 0.95);
    for (let i = 0; i < HORIZON; i++) {
      const { lower, upper } = forecast.intervals!;
      assert.ok(Number.isFinite(forecast.point[i]) && forecast.point[i] >= 0, `point[${i}] = ${forecast.point[i]}`);
      assert.ok(lower[i] <= forecast.point[i] && forecast.point[i] <= upper[i], `h=${i + 1}: ${lower[i]} ${upper[i]}`);
      assert.ok(wide.intervals!.upper[i] - wide.intervals!.lower[i] >= upper[i] - lower[i], `h=${i + 1}: 95% narrower`);
    }
    // Requests per minute in the 6th hour of a weekday are 20–200: the forecast is on that scale.
    assert.ok(forecast.point[0] > 10 && forecast.point[0] < 300, `point[0] = ${forecast.point[0]}`);
  });

  test(`${name}: conditions on newly observed data without refitting`, async () => {
    const model = await fitted();
    const before = JSON.stringify(model.toJSON());
    const ctx = await context();
    const surge = withValues(ctx, (values) => {
      for (let i = values.length - 120; i < values.length; i++) values[i] *= 1.5; // the last 2 h, 50% higher
    });
    const recentMean = ctx.values.slice(-120).reduce((a, b) => a + b, 0) / 120;
    const base = model.forecast(ctx, HORIZON);
    const higher = model.forecast(surge, HORIZON);
    for (let i = 0; i < HORIZON; i++) assert.ok(higher.point[i] >= base.point[i], `h=${i + 1}`);
    assert.ok(
      higher.point[0] - base.point[0] > 0.1 * recentMean,
      `a 50% surge moved the forecast by ${higher.point[0] - base.point[0]} (recent level ${recentMean})`,
    );
    // Nothing was re-estimated: the parameters are unchanged, the first forecast is reproduced exactly, and a
    // copy rebuilt from JSON (no augurs object at all) conditions the same way.
    assert.equal(JSON.stringify(model.toJSON()), before);
    assert.deepEqual(model.forecast(ctx, HORIZON), base);
    assert.deepEqual(roundTrip(definition, model).forecast(surge, HORIZON), higher);
  });

  test(`${name}: a saved and loaded model forecasts exactly like the fitted one`, async () => {
    const model = await fitted();
    const series = await data;
    const loaded = roundTrip(definition, model);
    assert.deepEqual(loaded.metadata, model.metadata);
    for (const [steps, level] of [
      [trainSteps, 0.8],
      [trainSteps + 97, 0.9],
      [trainSteps + 1000, 0.5],
    ]) {
      assert.deepEqual(
        loaded.forecast(head(series, steps), HORIZON, level),
        model.forecast(head(series, steps), HORIZON, level),
      );
    }
  });

  const fitErrors = [
    {
      name: 'one day of data is too little',
      input: async () => head(await data, STEPS_PER_DAY),
      want: { code: 'not-enough-data', field: name, message: /covers 24 h; .* needs at least/ },
    },
    {
      name: 'no observed value',
      input: async () => withValues(head(await data, trainSteps), (values) => values.fill(Number.NaN)),
      want: { code: 'not-enough-data', field: name, message: /no observed value/ },
    },
    {
      name: 'data observed only in the held-out last day',
      input: async () =>
        withValues(head(await data, trainSteps), (values) => values.fill(Number.NaN, 0, trainSteps - STEPS_PER_DAY)),
      want: { code: 'not-enough-data', field: name, message: /nothing was observed before the last 24 h/ },
    },
    {
      name: 'an infinite sample survives gap filling',
      input: async () => withValues(head(await data, trainSteps), (values) => (values[10] = Number.POSITIVE_INFINITY)),
      want: { code: 'non-finite-input', field: 'train.values[10]', message: /Infinity/ },
    },
  ];
  for (const row of fitErrors) {
    test(`${name}: fit refuses ${row.name}`, async () => {
      const train = await row.input();
      await assertRejectsPrescale(
        () => definition.create({ horizonSteps: HORIZON }).fit(train),
        row.want.code,
        row.want.field,
        row.want.message,
      );
    });
  }

  const loadErrors = [
    {
      name: 'a model saved by another model',
      input: (saved: SavedModel) => ({
        ...saved,
        metadata: { ...saved.metadata, model: name === 'ets' ? 'mstl' : 'ets' },
      }),
      want: 'metadata.model',
    },
    {
      name: 'a corrupt path value',
      input: (saved: SavedModel) => {
        const parameters = structuredClone(saved.parameters) as { path: { values: unknown[] } };
        parameters.path.values[5] = 'x';
        return { ...saved, parameters };
      },
      want: 'parameters.path.values[5]',
    },
    {
      name: 'missing interval percentiles',
      input: (saved: SavedModel) => ({
        ...saved,
        parameters: { ...(saved.parameters as object), errorPercentiles: undefined },
      }),
      want: 'parameters.errorPercentiles',
    },
    {
      name: 'a correction coefficient out of range',
      input: (saved: SavedModel) => {
        const parameters = structuredClone(saved.parameters) as { correction: { phi: number } };
        parameters.correction.phi = 1.5;
        return { ...saved, parameters };
      },
      want: 'parameters.correction.phi',
    },
  ];
  for (const row of loadErrors) {
    test(`${name}: load refuses ${row.name}, naming the field`, async () => {
      const saved = JSON.parse(JSON.stringify((await fitted()).toJSON())) as SavedModel;
      assertPrescaleError(() => definition.load(row.input(saved) as SavedModel), 'model-mismatch', row.want);
    });
  }

  const forecastErrors = [
    {
      name: 'a context on another step',
      input: (ctx: Series) => ({ context: { ...ctx, stepSeconds: 120 }, horizon: HORIZON, level: 0.8 }),
      want: { code: 'model-mismatch', field: 'context.stepSeconds' },
    },
    {
      name: 'an origin three days after the training end',
      input: (ctx: Series) => ({
        context: { ...ctx, startSeconds: ctx.startSeconds + 3 * 86_400 },
        horizon: HORIZON,
        level: 0.8,
      }),
      want: { code: 'invalid-input', field: 'context' },
    },
    {
      name: 'a horizon of 0',
      input: (ctx: Series) => ({ context: ctx, horizon: 0, level: 0.8 }),
      want: { code: 'invalid-input', field: 'horizonSteps' },
    },
    {
      name: 'a level of 1',
      input: (ctx: Series) => ({ context: ctx, horizon: HORIZON, level: 1 }),
      want: { code: 'invalid-input', field: 'level' },
    },
    {
      name: 'an infinite observation in the context',
      input: (ctx: Series) => ({
        context: withValues(ctx, (values) => (values[values.length - 3] = Number.NEGATIVE_INFINITY)),
        horizon: HORIZON,
        level: 0.8,
      }),
      want: { code: 'non-finite-input', field: `context.values[${trainSteps + 357}]` },
    },
  ];
  for (const row of forecastErrors) {
    test(`${name}: forecast refuses ${row.name}`, async () => {
      const model = await fitted();
      const { context: ctx, horizon, level } = row.input(await context());
      assertPrescaleError(() => model.forecast(ctx, horizon, level), row.want.code, row.want.field);
    });
  }
}
