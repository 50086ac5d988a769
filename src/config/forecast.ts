import { z } from 'zod';
import type { Forecast } from '../core/index.js';
import { durationSeconds } from './duration.js';

// A forecast's JSON form, both ways: what `POST /v1/forecast` and `GET /v1/workloads/:name` write
// (`forecastJson`) is what a plan request's `forecast` reads (`forecastSchema`), as it is.

/** The smallest and largest forecast step a plan accepts, in seconds. */
const MIN_STEP_SECONDS = 1;
const MAX_STEP_SECONDS = 86_400;

/** A forecast value; `null` is a value the model could not give (JSON has no NaN). */
const forecastValues = z.array(z.number().nullable());

/** Forecast values as the planner reads them: `null` is NaN, which makes the planner fall back. */
function toNumbers(values: readonly (number | null)[]): number[] {
  return values.map((v) => v ?? Number.NaN);
}

/**
 * A forecast as JSON. The step is `stepSeconds` (a number, as the API writes it) or `step` (a duration such as
 * `60s`, as a user writes it), one of the two. `model` and `kind` name the model that made it (the API writes
 * them; the planner does not read them). `intervals` null or absent means no interval.
 */
export const forecastSchema = z
  .strictObject({
    model: z.string().optional(),
    kind: z.string().optional(),
    startSeconds: z.number(),
    stepSeconds: z.number().min(MIN_STEP_SECONDS).max(MAX_STEP_SECONDS).optional(),
    step: durationSeconds(MIN_STEP_SECONDS, MAX_STEP_SECONDS).optional(),
    point: forecastValues.min(1),
    intervals: z
      .strictObject({ level: z.number().gt(0).lt(1), lower: forecastValues, upper: forecastValues })
      .nullable()
      .optional(),
    recentErrorPercent: z.number().min(0).optional(),
  })
  .transform((f, ctx) => {
    const step = f.step ?? f.stepSeconds;
    if (step === undefined || (f.step !== undefined && f.stepSeconds !== undefined)) {
      ctx.issues.push({
        code: 'custom',
        input: f,
        path: [f.step === undefined ? 'stepSeconds' : 'step'],
        message: `${step === undefined ? 'required' : 'given twice, as step and as stepSeconds'}; give the forecast step once, as stepSeconds (60) or as step ("60s")`,
      });
      return z.NEVER;
    }
    // `step` in seconds: the name the plan request has always read.
    return {
      startSeconds: f.startSeconds,
      step,
      point: toNumbers(f.point),
      intervals:
        f.intervals == null
          ? undefined
          : { level: f.intervals.level, lower: toNumbers(f.intervals.lower), upper: toNumbers(f.intervals.upper) },
      recentErrorPercent: f.recentErrorPercent,
    };
  });

/** Finite numbers as they are, anything else as null (JSON has no NaN). */
function finiteArray(values: ArrayLike<number>): (number | null)[] {
  const out = new Array<number | null>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number.isFinite(values[i]) ? values[i] : null;
  return out;
}

/** A forecast's JSON form, which `forecastSchema` reads back. */
export function forecastJson(forecast: Forecast) {
  return {
    startSeconds: forecast.startSeconds,
    stepSeconds: forecast.stepSeconds,
    point: finiteArray(forecast.point),
    intervals:
      forecast.intervals === undefined
        ? null
        : {
            level: forecast.intervals.level,
            lower: finiteArray(forecast.intervals.lower),
            upper: finiteArray(forecast.intervals.upper),
          },
  };
}
