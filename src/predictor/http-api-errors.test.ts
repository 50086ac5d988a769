/**
 * The forecast API's refusals on a real server: a 400 naming the field for each bad body, every problem listed,
 * JSON numbers beyond a double refused, 413 / 415 / 404, and fuzzed bodies that never get a 5xx.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { type ForecastApiServer, startForecastApi } from '../testing/forecast-api-server.js';
import type { ApiErrorBody } from './http-api.js';

let app: FastifyInstance;
let base: string;
let post: ForecastApiServer['post'];

before(async () => {
  ({ app, base, post } = await startForecastApi());
});

after(() => app.close());

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
