import { type Forecast, PrescaleError, type Series } from '../core/index.js';
import type { FittedForecaster } from '../models/types.js';
import { ApiError } from './api-errors.js';
import type { RequestSeries } from './forecast-request.js';

/** A model with `forecastMany`. */
export type ManySeriesForecaster = FittedForecaster & Required<Pick<FittedForecaster, 'forecastMany'>>;

export function forecastsMany(model: FittedForecaster): model is ManySeriesForecaster {
  return model.forecastMany !== undefined;
}

function contextOf(model: FittedForecaster, series: RequestSeries): Series {
  return {
    startSeconds: series.startSeconds,
    stepSeconds: series.stepSeconds ?? model.metadata.stepSeconds,
    values: series.values,
  };
}

/**
 * The forecasts of many series to one model: one `forecastMany` call when the model has it, else one forecast per
 * series. If the batched call throws, the series run one by one, so that each error names its own series (`at(i)`)
 * and the others still get their forecast. `secondsEach` is each series' share of the time, for the latency
 * histogram.
 */
export function forecastEach(
  model: FittedForecaster,
  series: readonly RequestSeries[],
  horizonSteps: number,
  level: number,
  at: (i: number) => string,
): { forecasts: (Forecast | ApiError)[]; secondsEach: number } {
  const started = performance.now();
  const timed = (forecasts: (Forecast | ApiError)[]) => ({
    forecasts,
    secondsEach: (performance.now() - started) / 1000 / forecasts.length,
  });
  if (series.length > 1 && forecastsMany(model)) {
    try {
      return timed(
        model.forecastMany(
          series.map((s) => contextOf(model, s)),
          horizonSteps,
          level,
        ),
      );
    } catch {
      // found again below, series by series
    }
  }
  return timed(
    series.map((s, i) => {
      try {
        return runForecast(model, s, horizonSteps, level, at(i));
      } catch (error) {
        return error as ApiError;
      }
    }),
  );
}

/** Runs one forecast; the model's own complaints come back as 400 (their field) or 422 (the data). */
export function runForecast(
  model: FittedForecaster,
  series: RequestSeries,
  horizonSteps: number,
  level: number,
  at: string,
): Forecast {
  try {
    return model.forecast(contextOf(model, series), horizonSteps, level);
  } catch (error) {
    if (error instanceof PrescaleError) {
      // The model names its input `context` (`context.stepSeconds`); the request calls it `series` (`series.step`).
      const field =
        error.field === undefined
          ? at
          : error.field === 'horizonSteps' || error.field === 'level'
            ? error.field
            : error.field.startsWith('context')
              ? `${at}${error.field.slice('context'.length).replace('stepSeconds', 'step')}`
              : `${at}.${error.field}`;
      throw new ApiError(400, error.code, field, `${at}: ${error.message}`);
    }
    throw new ApiError(
      422,
      'forecast-failed',
      at,
      `${at}: the model could not forecast this series (${(error as Error).message})`,
    );
  }
}
