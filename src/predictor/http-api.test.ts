import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { readTraceFile } from '../collector/trace-file.js';
import type { Series } from '../core/index.js';
import { modelDefinition } from '../models/registry.js';
import type { FittedForecaster } from '../models/types.js';
import { sharedRoot } from '../testing/paths.js';
import { type ApiErrorBody, buildHttpApi } from './http-api.js';
import { ServiceMetrics } from './metrics.js';

const BODY_LIMIT = 64 * 1024;
let app: FastifyInstance;
let base: string;
let nasa: Series;
let naive: FittedForecaster;

before(async () => {
  const trace = await readTraceFile(join(sharedRoot, 'data/nasa-http/nasa_jul95_requests_per_minute.csv'));
  const n = 1440;
  nasa = {
    startSeconds: trace.series.timestampsSeconds[0],
    stepSeconds: 60,
    values: trace.series.values.slice(0, n),
  };
  naive = await modelDefinition('naive').create({ horizonSteps: 30 }).fit(nasa);
  const metrics = new ServiceMetrics({ processMetrics: false });
  app = buildHttpApi(
    {
      workloads: () => [],
      model: (name) => (name === 'nasa-naive' ? naive : undefined),
      modelNames: () => ['nasa-naive'],
      metrics,
      health: () => ({ ok: true, reasons: [] }),
      readiness: () => ({ ok: true, reasons: [] }),
    },
    { bodyLimitBytes: BODY_LIMIT },
  );
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
    want: { status: 400, field: 'model', text: 'loaded: nasa-naive' },
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
