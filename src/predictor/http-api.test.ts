import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { readTraceFile } from '../collector/trace-file.js';
import { parsePlanRequest } from '../config/plan-request.js';
import type { Forecast, Series } from '../core/index.js';
import type { FittedNeural, NeuralOptions } from '../models/neural/index.js';
import { modelDefinition } from '../models/registry.js';
import type { FittedForecaster } from '../models/types.js';
import { plan } from '../planner/index.js';
import { sharedRoot } from '../testing/paths.js';
import type { FlushSchedule } from './forecast-coalescer.js';
import { type ApiContext, type ApiErrorBody, buildHttpApi } from './http-api.js';
import { ServiceMetrics } from './metrics.js';

const BODY_LIMIT = 64 * 1024;
let context: ApiContext;
let app: FastifyInstance;
let base: string;
let nasa: Series;
let naive: FittedForecaster;
let lstm: FittedNeural;
/** The sizes of the batched calls the API made to the LSTM (the real model, counted). */
const lstmBatches: number[] = [];

/** A small network (the code path of the defaults, a fraction of the training). */
const tiny: NeuralOptions = {
  horizonSteps: 10,
  settings: { windowSteps: 40, patchSteps: 4, hiddenUnits: 6, maxEpochs: 2, batchSize: 64, maxTrainingWindows: 400 },
};

before(async () => {
  const trace = await readTraceFile(join(sharedRoot, 'data/nasa-http/nasa_jul95_requests_per_minute.csv'));
  const n = 1440;
  nasa = {
    startSeconds: trace.series.timestampsSeconds[0],
    stepSeconds: 60,
    values: trace.series.values.slice(0, n),
  };
  naive = await modelDefinition('naive').create({ horizonSteps: 30 }).fit(nasa);
  lstm = (await modelDefinition('lstm')
    .create(tiny)
    .fit({ ...nasa, values: trace.series.values.slice(0, 2 * n) })) as FittedNeural;
  const countedLstm = Object.assign(Object.create(lstm) as FittedNeural, {
    forecastMany: (contexts: readonly Series[], horizonSteps: number, level?: number) => {
      lstmBatches.push(contexts.length);
      return lstm.forecastMany(contexts, horizonSteps, level);
    },
  });
  const models: Record<string, FittedForecaster> = { 'nasa-naive': naive, 'nasa-lstm': countedLstm };
  context = {
    workloads: () => [],
    model: (name) => models[name],
    modelNames: () => Object.keys(models),
    metrics: new ServiceMetrics({ processMetrics: false }),
    health: () => ({ ok: true, reasons: [] }),
    readiness: () => ({ ok: true, reasons: [] }),
  };
  app = buildHttpApi(context, { bodyLimitBytes: BODY_LIMIT });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
});

after(() => app.close());

async function post(path: string, body: unknown, contentType = 'application/json') {
  const response = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, body: json as Record<string, unknown> };
}

const tail = (k: number) => [...nasa.values.slice(nasa.values.length - k)];

test("POST /v1/forecast: a series in, the loaded model's forecast with intervals out", async () => {
  const values = tail(120);
  const { status, body } = await post('/v1/forecast', {
    model: 'nasa-naive',
    series: { startSeconds: 1000 * 60, values },
    horizonSteps: 5,
    level: 0.9,
  });
  assert.equal(status, 200, JSON.stringify(body));
  const want = naive.forecast({ startSeconds: 60_000, stepSeconds: 60, values: Float64Array.from(values) }, 5, 0.9);
  assert.deepEqual(body, {
    model: 'nasa-naive',
    kind: 'naive',
    startSeconds: 60_000 + 120 * 60,
    stepSeconds: 60,
    point: [...want.point],
    intervals: { level: 0.9, lower: [...(want.intervals?.lower ?? [])], upper: [...(want.intervals?.upper ?? [])] },
  });
  assert.deepEqual([...new Set(body.point as number[])], [values.at(-1)]);
});

test('POST /v1/forecast: null values are missing observations', async () => {
  const { status, body } = await post('/v1/forecast', {
    model: 'nasa-naive',
    series: { values: [5, 7, null, null] },
    horizonSteps: 2,
  });
  assert.equal(status, 200);
  assert.deepEqual(body.point, [7, 7]);
});

test('POST /v1/forecast/batch: one request carries many series, each forecast on its own', async () => {
  const series = [10, 20, 30].map((last) => ({ values: [1, 2, last] }));
  const { status, body } = await post('/v1/forecast/batch', { model: 'nasa-naive', series, horizonSteps: 3 });
  assert.equal(status, 200);
  const forecasts = body.forecasts as { point: number[]; startSeconds: number }[];
  assert.deepEqual(
    forecasts.map((f) => f.point),
    [
      [10, 10, 10],
      [20, 20, 20],
      [30, 30, 30],
    ],
  );
});

/** A forecast as the API answers it, against the model's own: float32 batches may differ in the last bits. */
function assertCloseForecast(got: unknown, want: Forecast, what: string): void {
  const answer = got as { startSeconds: number; point: number[]; intervals: { lower: number[]; upper: number[] } };
  assert.equal(answer.startSeconds, want.startSeconds, what);
  assert.equal(answer.point.length, want.point.length, what);
  for (let h = 0; h < want.point.length; h++) {
    assert.ok(Math.abs(answer.point[h] - want.point[h]) <= 1e-6 * Math.max(1, Math.abs(want.point[h])), what);
    assert.ok(Math.abs(answer.intervals.lower[h] - (want.intervals?.lower[h] ?? Number.NaN)) <= 1e-4, what);
    assert.ok(Math.abs(answer.intervals.upper[h] - (want.intervals?.upper[h] ?? Number.NaN)) <= 1e-4, what);
  }
}

/** The NASA minutes ending `k` minutes before the end of day one, as a request series. */
const lstmContext = (k: number) => ({
  startSeconds: nasa.startSeconds + (1440 - 100 - k) * 60,
  values: [...nasa.values.slice(1440 - 100 - k, 1440 - k)],
});
const asSeries = (s: { startSeconds: number; values: number[] }): Series => ({
  startSeconds: s.startSeconds,
  stepSeconds: 60,
  values: Float64Array.from(s.values),
});

test('POST /v1/forecast/batch with a neural model: one ONNX run for the batch, each forecast its own series', async () => {
  const series = [0, 7, 30, 200].map(lstmContext);
  lstmBatches.length = 0;
  const { status, body } = await post('/v1/forecast/batch', { model: 'nasa-lstm', series, horizonSteps: 10 });
  assert.equal(status, 200, JSON.stringify(body));
  assert.deepEqual(lstmBatches, [4]);
  const forecasts = body.forecasts as unknown[];
  for (const [i, s] of series.entries()) {
    assertCloseForecast(forecasts[i], lstm.forecast(asSeries(s), 10), `series[${i}]`);
  }
});

test('POST /v1/forecast/batch with a neural model: a series it cannot forecast is named, not the batch', async () => {
  const series = [lstmContext(0), lstmContext(5), { values: [null, null] }];
  const { status, body } = await post('/v1/forecast/batch', { model: 'nasa-lstm', series, horizonSteps: 10 });
  assert.equal(status, 400);
  const { error } = body as unknown as ApiErrorBody;
  assert.equal(error.code, 'not-enough-data');
  assert.equal(error.field, 'series[2]');
  assert.match(error.message, /^series\[2\]: .*no observed value/);
});

test('POST /v1/forecast: a lone request to a neural model runs at once, a batch of one', async () => {
  lstmBatches.length = 0;
  const series = lstmContext(0);
  const { status, body } = await post('/v1/forecast', { model: 'nasa-lstm', series, horizonSteps: 10 });
  assert.equal(status, 200, JSON.stringify(body));
  assert.deepEqual(lstmBatches, [1]);
  assertCloseForecast(body, lstm.forecast(asSeries(series), 10), 'alone');
});

/** Runs the queue when its n-th request joins: what the sockets' poll does by chance, done on purpose. */
const flushWhenQueued =
  (n: number): FlushSchedule =>
  (flush, queuedCount) => {
    if (queuedCount === n) flush();
  };

test('POST /v1/forecast: concurrent requests to a neural model share one ONNX run; each gets its own answer', async () => {
  const good = [0, 3, 11, 60, 150, 400].map(lstmContext);
  const bodies: unknown[] = good.map((series) => ({ model: 'nasa-lstm', series, horizonSteps: 10 }));
  bodies.splice(2, 0, { model: 'nasa-lstm', series: { values: [null, null, null] }, horizonSteps: 10 });
  bodies.splice(5, 0, { model: 'nasa-lstm', series: { ...lstmContext(1), step: '30s' }, horizonSteps: 10 });
  const batching = buildHttpApi(context, { bodyLimitBytes: BODY_LIMIT, flushSchedule: flushWhenQueued(8) });
  lstmBatches.length = 0;
  const answers = await Promise.all(
    bodies.map(async (b) => {
      const response = await batching.inject({ method: 'POST', url: '/v1/forecast', payload: b as object });
      return { status: response.statusCode, body: response.json() as Record<string, unknown> };
    }),
  );
  await batching.close();
  // One batched call for the eight; the two it refuses are then tried alone (a forecast of one is a batch of one).
  assert.deepEqual(lstmBatches, [8, 1, 1, 1, 1, 1, 1, 1, 1], `batched calls: ${JSON.stringify(lstmBatches)}`);
  const errors = [answers[2], answers[5]].map((a) => ({
    status: a.status,
    ...(a.body as unknown as ApiErrorBody).error,
  }));
  assert.deepEqual(
    errors.map((e) => [e.status, e.code, e.field]),
    [
      [400, 'not-enough-data', 'series'],
      [400, 'model-mismatch', 'series.step'],
    ],
  );
  const oks = answers.filter((_, i) => i !== 2 && i !== 5);
  oks.forEach((a, i) => {
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(a.body.kind, 'lstm');
    assertCloseForecast(a.body, lstm.forecast(asSeries(good[i]), 10), `request ${i}`);
  });
});

test('POST /v1/plan: a plan request in, the decision with its reason out', async () => {
  const { status, body } = await post('/v1/plan', {
    nowSeconds: 1000,
    current: { replicas: 3, load: 90 },
    forecast: { startSeconds: 1000, step: '60s', point: [100, 200, 300] },
    policy: { capacity: { perPod: 50 } },
  });
  assert.equal(status, 200, JSON.stringify(body));
  const decision = body.decision as { desiredReplicas: number; reason: string };
  assert.equal(decision.desiredReplicas, 5, 'ceil(200 × 1.1 / 50): peak over the 60 s pod startup, +10% headroom');
  assert.match(decision.reason, /forecast q0.8 peak 200/);
  assert.ok(Array.isArray(body.schedule));
  assert.ok(body.state !== undefined, 'the memory to send back next time');
});

test('POST /v1/plan takes the answer of POST /v1/forecast as its forecast, as it is', async () => {
  const forecast = await post('/v1/forecast', { model: 'nasa-lstm', series: lstmContext(0), horizonSteps: 10 });
  assert.equal(forecast.status, 200, JSON.stringify(forecast.body));
  const request = (f: unknown) => ({
    nowSeconds: forecast.body.startSeconds,
    current: { replicas: 1, load: 5 },
    forecast: f,
    policy: { capacity: { perPod: 10 } },
  });
  const { status, body } = await post('/v1/plan', request(forecast.body));
  assert.equal(status, 200, JSON.stringify(body));
  const decision = body.decision as { desiredReplicas: number; plannedLoad: number | null; reason: string };
  assert.match(decision.reason, /forecast q0\.8 peak/, 'the forecast decides, not the fallback');
  // The same plan as from the forecast written by hand: a duration step, no model names.
  const { model: _model, kind: _kind, stepSeconds, ...rest } = forecast.body;
  const byHand = plan(parsePlanRequest(request({ ...rest, step: `${stepSeconds}s` })));
  assert.deepEqual(body.decision, JSON.parse(JSON.stringify(byHand.decision)));
  assert.equal(decision.desiredReplicas, byHand.decision.desiredReplicas);
});

const errorRows: {
  name: string;
  path: string;
  body: unknown;
  want: { status: number; field: string | null; text: string };
}[] = [
  {
    name: 'no model',
    path: '/v1/forecast',
    body: { series: { values: [1] }, horizonSteps: 1 },
    want: { status: 400, field: 'model', text: 'model:' },
  },
  {
    name: 'an unknown model lists the loaded ones',
    path: '/v1/forecast',
    body: { model: 'prophet', series: { values: [1] }, horizonSteps: 1 },
    want: { status: 400, field: 'model', text: 'loaded: nasa-naive, nasa-lstm' },
  },
  {
    name: 'values not a list',
    path: '/v1/forecast',
    body: { model: 'nasa-naive', series: { values: 'many' }, horizonSteps: 1 },
    want: { status: 400, field: 'series.values', text: 'expected array' },
  },
  {
    name: 'a value that is not a number',
    path: '/v1/forecast',
    body: { model: 'nasa-naive', series: { values: [1, 2, 'three'] }, horizonSteps: 1 },
    want: { status: 400, field: 'series.values[2]', text: 'expected number' },
  },
  {
    name: 'horizon below one',
    path: '/v1/forecast',
    body: { model: 'nasa-naive', series: { values: [1] }, horizonSteps: 0 },
    want: { status: 400, field: 'horizonSteps', text: 'at least 1' },
  },
  {
    name: 'level out of (0, 1)',
    path: '/v1/forecast',
    body: { model: 'nasa-naive', series: { values: [1] }, horizonSteps: 1, level: 80 },
    want: { status: 400, field: 'level', text: 'below 1' },
  },
  {
    name: 'a misspelt field',
    path: '/v1/forecast',
    body: { model: 'nasa-naive', serie: { values: [1] }, horizonSteps: 1 },
    want: { status: 400, field: 'series', text: 'series:' },
  },
  {
    name: 'a step the model was not fitted on',
    path: '/v1/forecast',
    body: { model: 'nasa-naive', series: { step: '30s', values: [1, 2] }, horizonSteps: 1 },
    want: { status: 400, field: 'series.step', text: '60' },
  },
  {
    name: 'nothing observed',
    path: '/v1/forecast',
    body: { model: 'nasa-naive', series: { values: [null, null] }, horizonSteps: 1 },
    want: { status: 400, field: 'series', text: 'no observed value' },
  },
  {
    name: 'a bad value deep in a batch',
    path: '/v1/forecast/batch',
    body: { model: 'nasa-naive', series: [{ values: [1] }, { values: [true] }], horizonSteps: 1 },
    want: { status: 400, field: 'series[1].values[0]', text: 'expected number' },
  },
  {
    name: 'the plan request names its own fields',
    path: '/v1/plan',
    body: {
      nowSeconds: 0,
      current: { replicas: 1, load: 1 },
      policy: { minReplicas: 9, maxReplicas: 3, capacity: { perPod: 1 } },
    },
    want: { status: 400, field: 'policy.minReplicas', text: 'above policy.maxReplicas' },
  },
  {
    name: 'not JSON',
    path: '/v1/forecast',
    body: '{"model": ',
    want: { status: 400, field: null, text: 'JSON' },
  },
];

for (const row of errorRows) {
  test(`400 naming the field: ${row.name}`, async () => {
    const { status, body } = await post(row.path, row.body);
    assert.equal(status, row.want.status, JSON.stringify(body));
    const { error } = body as unknown as ApiErrorBody;
    assert.equal(error.field, row.want.field);
    assert.ok(error.message.includes(row.want.text), error.message);
  });
}

test('413 for a body over the limit, 415 for another content type, 404 for an unknown path', async () => {
  const huge = {
    model: 'nasa-naive',
    series: { values: Array.from({ length: 20_000 }, (_, i) => i) },
    horizonSteps: 1,
  };
  const tooLarge = await post('/v1/forecast', huge);
  assert.equal(tooLarge.status, 413);
  assert.match(
    (tooLarge.body as unknown as ApiErrorBody).error.message,
    /larger than 65536 bytes \(api\.bodyLimitBytes\)/,
  );
  const wrongType = await post('/v1/forecast', 'model=nasa-naive', 'application/x-www-form-urlencoded');
  assert.equal(wrongType.status, 415);
  const unknown = await post('/v2/forecast', {});
  assert.equal(unknown.status, 404);
  assert.equal((unknown.body as unknown as ApiErrorBody).error.code, 'not-found');
});

/** Bodies near the valid shape, with any field replaced by anything: what a fuzzer of this API should try. */
const anyValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.integer(),
  fc.string(),
  fc.array(fc.oneof(fc.double(), fc.constant(null), fc.string()), { maxLength: 50 }),
  fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }),
);
const nearForecast = fc.record(
  {
    model: fc.oneof(fc.constant('nasa-naive'), anyValue),
    series: fc.oneof(
      fc.record(
        {
          startSeconds: fc.oneof(fc.double(), anyValue),
          step: fc.oneof(fc.constantFrom('60s', '1m', 60, '30s', '0s', '-1s', 'PT1M'), anyValue),
          values: fc.oneof(
            fc.array(fc.oneof(fc.double(), fc.constant(null)), { minLength: 0, maxLength: 300 }),
            anyValue,
          ),
        },
        { requiredKeys: [] },
      ),
      anyValue,
    ),
    horizonSteps: fc.oneof(fc.integer({ min: -5, max: 400 }), anyValue),
    level: fc.oneof(fc.double(), anyValue),
  },
  { requiredKeys: [] },
);
const nearPlan = fc.record(
  {
    nowSeconds: fc.oneof(fc.double(), anyValue),
    current: fc.oneof(
      fc.record(
        { replicas: fc.oneof(fc.integer({ min: -2, max: 50 }), anyValue), load: fc.oneof(fc.double(), anyValue) },
        { requiredKeys: [] },
      ),
      anyValue,
    ),
    forecast: fc.oneof(
      fc.record(
        {
          startSeconds: fc.double(),
          step: fc.oneof(fc.constant('60s'), anyValue),
          point: fc.array(fc.double(), { maxLength: 40 }),
        },
        { requiredKeys: [] },
      ),
      anyValue,
    ),
    policy: fc.oneof(
      fc.record({ capacity: fc.record({ perPod: fc.oneof(fc.double(), anyValue) }) }, { requiredKeys: [] }),
      anyValue,
    ),
  },
  { requiredKeys: [] },
);

test('fuzzed bodies (fast-check) never produce a 5xx and the server keeps answering', async () => {
  const cases: [string, fc.Arbitrary<unknown>][] = [
    ['/v1/forecast', nearForecast],
    [
      '/v1/forecast/batch',
      fc.record({
        model: fc.constant('nasa-naive'),
        series: fc.array(
          nearForecast.map((b) => (b as { series?: unknown }).series),
          { maxLength: 5 },
        ),
        horizonSteps: fc.integer({ min: 1, max: 50 }),
      }),
    ],
    ['/v1/plan', nearPlan],
    ['/v1/forecast', fc.jsonValue()],
    ['/v1/plan', fc.jsonValue()],
  ];
  for (const [path, arbitrary] of cases) {
    await fc.assert(
      fc.asyncProperty(arbitrary, async (body) => {
        const { status, body: answer } = await post(path, body);
        assert.ok(
          status < 500,
          `${path} ${JSON.stringify(body).slice(0, 300)} → ${status} ${JSON.stringify(answer).slice(0, 300)}`,
        );
        if (status >= 400) assert.ok((answer as unknown as ApiErrorBody).error.message.length > 0);
      }),
      { numRuns: 150 },
    );
  }
  // Raw text that is not JSON at all.
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 200 }), async (text) => {
      const { status } = await post('/v1/forecast', text);
      assert.ok(status < 500, `${JSON.stringify(text)} → ${status}`);
    }),
    { numRuns: 100 },
  );
  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
});

test('JSON numbers beyond a double (1e999 parses to Infinity) are refused, each naming its field', async () => {
  const rows: [string, string][] = [
    ['{"model":"nasa-naive","series":{"values":[1,1e999]},"horizonSteps":1}', 'series.values[1]'],
    ['{"model":"nasa-naive","series":{"startSeconds":-1e999,"values":[1]},"horizonSteps":1}', 'series.startSeconds'],
    ['{"model":"nasa-naive","series":{"step":1e999,"values":[1]},"horizonSteps":1}', 'series.step'],
    ['{"model":"nasa-naive","series":{"values":[1]},"horizonSteps":1e999}', 'horizonSteps'],
    ['{"model":"nasa-naive","series":{"values":[1]},"horizonSteps":1,"level":1e-999}', 'level'],
  ];
  for (const [text, field] of rows) {
    const { status, body } = await post('/v1/forecast', text);
    assert.equal(status, 400, text);
    assert.equal((body as unknown as ApiErrorBody).error.field, field, text);
  }
});

test('every problem of a body is listed, the first named in the message', async () => {
  const { status, body } = await post('/v1/forecast/batch', {
    model: '',
    series: [{ values: [1, 'x'] }, { step: 'PT1M', values: [] }],
    horizonSteps: 2.5,
    colour: 'blue',
  });
  assert.equal(status, 400);
  const { error } = body as unknown as ApiErrorBody;
  assert.deepEqual(
    error.issues?.map((i) => i.path),
    ['colour', 'model', 'horizonSteps', 'series[0].values[1]', 'series[1].values'],
  );
  assert.equal(error.message, `${error.issues?.[0].path}: ${error.issues?.[0].message}`);
  assert.deepEqual(
    error.issues?.map((i) => i.message),
    [
      'unknown field; remove it (known: model, horizonSteps, level, series)',
      'is empty; give a name',
      'expected integer, got 2.5; give a whole number',
      'expected number or null, got "x"; give a number or null',
      'has 0 items; give at least 1',
    ],
  );
  // A hundred are listed, and how many more there are: a megabyte of bad values gets a short answer.
  const many = await post('/v1/forecast', {
    model: 'nasa-naive',
    series: { values: Array.from({ length: 150 }, () => 'x') },
    horizonSteps: 1,
  });
  const listed = (many.body as unknown as ApiErrorBody).error.issues ?? [];
  assert.equal(listed.length, 101);
  assert.equal(listed[99].path, 'series.values[99]');
  assert.deepEqual(listed[100], { path: '(body)', message: '50 more problems; fix the ones above first' });
  // A step JSON Schema lets through but that is no duration is read after, and named the same way.
  const step = await post('/v1/forecast/batch', {
    model: 'nasa-naive',
    series: [{ values: [1] }, { step: 'PT1M', values: [1] }, { step: '0s', values: [1] }],
    horizonSteps: 1,
  });
  assert.equal(step.status, 400);
  assert.deepEqual((step.body as unknown as ApiErrorBody).error.issues, [
    { path: 'series[1].step', message: '"PT1M" is not a positive step; write 30s or 30' },
    { path: 'series[2].step', message: '"0s" is not a positive step; write 30s or 30' },
  ]);
});
