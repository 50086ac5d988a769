import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Forecast } from '../core/index.js';
import { forecastJson, forecastSchema } from './forecast.js';
import { parsePlanRequest, safeParsePlanRequest } from './plan-request.js';

/** A forecast from a model: finite values, sometimes a NaN or ±Infinity (which JSON writes as null). */
const anyForecast: fc.Arbitrary<Forecast> = fc
  .record({
    startSeconds: fc.integer({ min: 0, max: 2e9 }),
    stepSeconds: fc.integer({ min: 1, max: 86_400 }),
    values: fc.array(
      fc.tuple(
        fc.oneof(
          { weight: 9, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
          fc.constant(Number.NaN),
        ),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
      ),
      { minLength: 1, maxLength: 30 },
    ),
    level: fc.option(fc.double({ min: 0.01, max: 0.99, noNaN: true }), { nil: undefined }),
  })
  .map(({ startSeconds, stepSeconds, values, level }) => {
    const point = Float64Array.from(values, ([p]) => p);
    return {
      startSeconds,
      stepSeconds,
      point,
      intervals:
        level === undefined
          ? undefined
          : {
              level,
              lower: Float64Array.from(values, ([p, w]) => p - w),
              upper: Float64Array.from(values, ([p, w]) => p + w),
            },
    };
  });

/** A forecast's values after JSON: non-finite ones NaN to the planner, and no -0 (`-0 + 0` is 0). */
const finiteOrNaN = (values: ArrayLike<number>) => Array.from(values, (v) => (Number.isFinite(v) ? v + 0 : Number.NaN));

test('what forecastJson writes, forecastSchema reads back as it is (fast-check, through JSON text)', () => {
  fc.assert(
    fc.property(anyForecast, fc.string(), (forecast, model) => {
      // As the API answers: the model's name and kind beside the forecast.
      const wire = JSON.parse(JSON.stringify({ model, kind: 'lstm', ...forecastJson(forecast) }));
      const read = forecastSchema.parse(wire);
      assert.equal(read.startSeconds, forecast.startSeconds);
      assert.equal(read.step, forecast.stepSeconds);
      assert.deepEqual(read.point, finiteOrNaN(forecast.point));
      if (forecast.intervals === undefined) {
        assert.equal(read.intervals, undefined);
      } else {
        assert.deepEqual(read.intervals, {
          level: forecast.intervals.level,
          lower: finiteOrNaN(forecast.intervals.lower),
          upper: finiteOrNaN(forecast.intervals.upper),
        });
      }
    }),
  );
});

test('the step as a user writes it (a duration) reads the same as stepSeconds', () => {
  const byApi = forecastSchema.parse({ startSeconds: 600, stepSeconds: 300, point: [1] });
  const byHand = forecastSchema.parse({ startSeconds: 600, step: '5m', point: [1] });
  assert.deepEqual(byApi, byHand);
  assert.equal(byApi.step, 300);
});

const request = (forecast: unknown) => ({
  nowSeconds: 600,
  forecast,
  current: { replicas: 2, load: 10 },
  policy: { capacity: { perPod: 10 } },
});

test('a plan request names a forecast step given twice or not at all', () => {
  const rows: [unknown, string][] = [
    [{ startSeconds: 600, point: [1] }, 'forecast.stepSeconds: required; give the forecast step once'],
    [
      { startSeconds: 600, step: '1m', stepSeconds: 60, point: [1] },
      'forecast.step: given twice, as step and as stepSeconds; give the forecast step once',
    ],
    [{ startSeconds: 600, stepSeconds: 0.5, point: [1] }, 'forecast.stepSeconds: 0.5 is below the minimum 1'],
  ];
  for (const [forecast, says] of rows) {
    const result = safeParsePlanRequest(request(forecast));
    assert.equal(result.success, false);
    if (result.success) continue;
    const texts = result.issues.map((i) => `${i.path}: ${i.message}`);
    assert.ok(
      texts.some((t) => t.startsWith(says)),
      texts.join('\n'),
    );
  }
});

test('a null the API wrote for a value the model could not give reaches the planner as NaN', () => {
  const input = parsePlanRequest(
    request({ startSeconds: 600, stepSeconds: 60, point: [5, null, 5], intervals: null, model: 'm', kind: 'naive' }),
  );
  assert.deepEqual(Array.from(input.forecast?.point ?? []), [5, Number.NaN, 5]);
  assert.equal(input.forecast?.intervals, undefined);
});
