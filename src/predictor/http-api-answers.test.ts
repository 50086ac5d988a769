/**
 * The forecast API's answers on a real server: POST /v1/forecast and /v1/forecast/batch against the models' own
 * forecasts, a neural model's requests batched into one run (alone, in a batch, concurrent), and POST /v1/plan.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { parsePlanRequest } from '../config/plan-request.js';
import type { Forecast, Series } from '../core/index.js';
import type { FittedNeural } from '../models/neural/index.js';
import type { FittedForecaster } from '../models/types.js';
import { plan } from '../planner/index.js';
import { BODY_LIMIT, type ForecastApiServer, startForecastApi } from '../testing/forecast-api-server.js';
import type { FlushSchedule } from './forecast-coalescer.js';
import { type ApiContext, type ApiErrorBody, buildHttpApi } from './http-api.js';

let context: ApiContext;
let app: FastifyInstance;
let nasa: Series;
let naive: FittedForecaster;
let lstm: FittedNeural;
let lstmBatches: number[];
let post: ForecastApiServer['post'];

before(async () => {
  ({ context, app, nasa, naive, lstm, lstmBatches, post } = await startForecastApi());
});

after(() => app.close());

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
  assert.equal(decision.desiredReplicas, 4, 'ceil(200 / 50): peak over the 60 s pod startup, no headroom by default');
  assert.match(decision.reason, /forecast q0.9 peak 200/);
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
  assert.match(decision.reason, /forecast q0\.9 peak/, 'the forecast decides, not the fallback');
  // The same plan as from the forecast written by hand: a duration step, no model names.
  const { model: _model, kind: _kind, stepSeconds, ...rest } = forecast.body;
  const byHand = plan(parsePlanRequest(request({ ...rest, step: `${stepSeconds}s` })));
  assert.deepEqual(body.decision, JSON.parse(JSON.stringify(byHand.decision)));
  assert.equal(decision.desiredReplicas, byHand.decision.desiredReplicas);
});
