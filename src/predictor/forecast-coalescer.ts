import type { Forecast } from '../core/index.js';
import { ApiError } from './api-errors.js';
import type { ForecastRequest, RequestSeries } from './forecast-request.js';
import { forecastEach, type ManySeriesForecaster } from './run-forecasts.js';

/**
 * When to run the queued forecasts: called as each request joins the queue, with the queue's length; it must call
 * `flush` once for that queue (later requests start a new one).
 */
export type FlushSchedule = (flush: () => void, queuedCount: number) => void;

/**
 * The service's schedule: the queue runs right after the poll in which its first request arrived (`setImmediate`),
 * so the concurrent requests read from the sockets in that poll share a run, and a request alone waits for nothing.
 */
export const flushAfterPoll: FlushSchedule = (flush, queuedCount) => {
  if (queuedCount === 1) setImmediate(flush);
};

interface PendingForecast {
  readonly model: ManySeriesForecaster;
  readonly request: ForecastRequest<RequestSeries>;
  readonly resolve: (forecast: Forecast) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Runs queued single-series requests to models with `forecastMany` as one batched call per model, horizon and
 * level. An ONNX run costs ~30 µs for one window and ~13 µs a window for eight, and it is the largest cost of a
 * request. `observe` gets each request's share of the time, for the latency histogram.
 */
export class ForecastCoalescer {
  private pending: PendingForecast[] = [];

  constructor(
    private readonly observe: (model: string, seconds: number) => void,
    private readonly schedule: FlushSchedule = flushAfterPoll,
  ) {}

  forecast(model: ManySeriesForecaster, request: ForecastRequest<RequestSeries>): Promise<Forecast> {
    return new Promise((resolve, reject) => {
      this.pending.push({ model, request, resolve, reject });
      this.schedule(() => this.flush(), this.pending.length);
    });
  }

  private flush(): void {
    let rest = this.pending;
    this.pending = [];
    while (rest.length > 0) {
      const { model, request } = rest[0];
      const alike = (p: PendingForecast) =>
        p.model === model && p.request.horizonSteps === request.horizonSteps && p.request.level === request.level;
      this.settle(rest.filter(alike));
      rest = rest.filter((p) => !alike(p));
    }
  }

  private settle(group: readonly PendingForecast[]): void {
    const { model, request } = group[0];
    const { forecasts, secondsEach } = forecastEach(
      model,
      group.map((p) => p.request.series),
      request.horizonSteps,
      request.level,
      () => 'series',
    );
    group.forEach((p, i) => {
      this.observe(p.request.model, secondsEach);
      const forecast = forecasts[i];
      if (forecast instanceof ApiError) p.reject(forecast);
      else p.resolve(forecast);
    });
  }
}
