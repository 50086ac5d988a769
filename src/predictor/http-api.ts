import Fastify, { type FastifyInstance } from 'fastify';
import { forecastJson } from '../config/forecast.js';
import { safeParsePlanRequest } from '../config/plan-request.js';
import { type Forecast, PrescaleError } from '../core/index.js';
import { type HttpRequest, observeHttpRequests } from '../executor/index.js';
import type { FittedForecaster } from '../models/types.js';
import { plan } from '../planner/index.js';
import { ApiError, sendError } from './api-errors.js';
import { type FlushSchedule, ForecastCoalescer } from './forecast-coalescer.js';
import {
  AJV_OPTIONS,
  batchBodySchema,
  type ForecastBody,
  forecastBodySchema,
  readBatchRequest,
  readForecastRequest,
  type SeriesBody,
  schemaErrorsToApiError,
} from './forecast-request.js';
import type { ServiceMetrics } from './metrics.js';
import { forecastEach, forecastsMany, runForecast } from './run-forecasts.js';
import { statusJson, summaryJson } from './status-json.js';
import { type HistoryPoint, historyJson } from './ui/history.js';
import { registerUi } from './ui/routes.js';
import type { WorkloadStatus } from './workload-status.js';

export type { ApiErrorBody, ApiIssue } from './api-errors.js';

/** What the HTTP API reads from the running service. */
export interface ApiContext {
  workloads(): readonly WorkloadStatus[];
  /** A loaded model by name: a `models.serve` entry or a workload's current model. */
  model(name: string): FittedForecaster | undefined;
  modelNames(): readonly string[];
  /** A workload's recent syncs, oldest first (the built-in UI's charts). */
  history(namespace: string, name: string): readonly HistoryPoint[];
  readonly metrics: ServiceMetrics;
  /** Liveness: false when the loop has stopped syncing. */
  health(): { readonly ok: boolean; readonly reasons: readonly string[] };
  /** Readiness: every workload synced once and every door listening. */
  readiness(): { readonly ok: boolean; readonly reasons: readonly string[] };
}

export interface HttpApiOptions {
  readonly bodyLimitBytes: number;
  /** When concurrent single-series forecasts to a neural model run together (tests decide it themselves). */
  readonly flushSchedule?: FlushSchedule;
  /** Told of every answered request (request metrics, the debug log). */
  readonly observeRequest?: (request: HttpRequest) => void;
}

/**
 * The service's HTTP API (Fastify): `POST /v1/forecast` and its batch form, `POST /v1/plan`,
 * `GET /v1/workloads[/:name[/history]]`, `/metrics`, `/healthz`, `/readyz`, and the built-in UI at `/ui/`.
 * Bad requests get 400 naming the field, oversized bodies 413; a handler error never takes the process down.
 */
export function buildHttpApi(context: ApiContext, options: HttpApiOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: options.bodyLimitBytes,
    logger: false,
    return503OnClosing: true,
    ajv: { customOptions: AJV_OPTIONS },
    schemaErrorFormatter: schemaErrorsToApiError,
  });
  if (options.observeRequest !== undefined) observeHttpRequests(app, 'api', options.observeRequest);

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    if (error instanceof ApiError) return sendError(reply, error);
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(
        reply,
        new ApiError(
          413,
          'body-too-large',
          null,
          `request body is larger than ${options.bodyLimitBytes} bytes (api.bodyLimitBytes); send fewer points or series per request`,
        ),
      );
    }
    const status =
      error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status < 500) {
      return sendError(reply, new ApiError(status, 'invalid-request', null, `${error.message}; send a JSON body`));
    }
    return sendError(reply, new ApiError(500, 'internal', null, `internal error: ${error.message}`));
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new ApiError(404, 'not-found', null, `${request.method} ${request.url} is not an endpoint; see docs/service.md`),
    ),
  );

  const coalescer = new ForecastCoalescer(
    (model, seconds) => context.metrics.apiForecastSeconds.observe({ model }, seconds),
    options.flushSchedule,
  );
  app.post<{ Body: ForecastBody<SeriesBody> }>(
    '/v1/forecast',
    { schema: { body: forecastBodySchema } },
    async (request) => {
      const body = readForecastRequest(request.body);
      const model = findModel(context, body.model);
      let forecast: Forecast;
      if (forecastsMany(model)) {
        forecast = await coalescer.forecast(model, body);
      } else {
        const started = performance.now();
        forecast = runForecast(model, body.series, body.horizonSteps, body.level, 'series');
        context.metrics.apiForecastSeconds.observe({ model: body.model }, (performance.now() - started) / 1000);
      }
      return { model: body.model, kind: model.metadata.model, ...forecastJson(forecast) };
    },
  );

  app.post<{ Body: ForecastBody<readonly SeriesBody[]> }>(
    '/v1/forecast/batch',
    { schema: { body: batchBodySchema } },
    async (request) => {
      const body = readBatchRequest(request.body);
      const model = findModel(context, body.model);
      const { forecasts, secondsEach } = forecastEach(
        model,
        body.series,
        body.horizonSteps,
        body.level,
        (i) => `series[${i}]`,
      );
      for (let i = 0; i < forecasts.length; i++) {
        context.metrics.apiForecastSeconds.observe({ model: body.model }, secondsEach);
      }
      const failed = forecasts.find((f) => f instanceof ApiError);
      if (failed !== undefined) throw failed;
      return { model: body.model, kind: model.metadata.model, forecasts: (forecasts as Forecast[]).map(forecastJson) };
    },
  );

  app.post('/v1/plan', async (request) => {
    const parsed = safeParsePlanRequest(request.body ?? null);
    if (!parsed.success) throw ApiError.invalidInput(parsed.issues);
    try {
      return plan(parsed.data);
    } catch (error) {
      if (error instanceof PrescaleError) {
        throw new ApiError(400, error.code, error.field ?? null, error.message);
      }
      throw new ApiError(
        422,
        'plan-failed',
        null,
        `the planner could not plan this request: ${(error as Error).message}`,
      );
    }
  });

  app.get('/v1/workloads', async () => ({ workloads: context.workloads().map(summaryJson) }));

  type WorkloadRequest = { Params: { name: string }; Querystring: { namespace?: string } };
  app.get<WorkloadRequest>('/v1/workloads/:name', async (request) =>
    statusJson(findWorkload(context, request.params.name, request.query.namespace)),
  );
  app.get<WorkloadRequest>('/v1/workloads/:name/history', async (request) => {
    const status = findWorkload(context, request.params.name, request.query.namespace);
    return historyJson(context.history(status.namespace, status.name), status);
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', context.metrics.registry.contentType);
    return context.metrics.registry.metrics();
  });

  app.get('/healthz', async (_request, reply) => {
    const { ok, reasons } = context.health();
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unhealthy', reasons });
  });

  app.get('/readyz', async (_request, reply) => {
    const { ok, reasons } = context.readiness();
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not-ready', reasons });
  });

  registerUi(app);

  return app;
}

/** The one workload named `name` (in `namespace` when given); 404 or 400 naming the field otherwise. */
function findWorkload(context: ApiContext, name: string, namespace: string | undefined): WorkloadStatus {
  const workloads = context.workloads();
  const matches = workloads.filter((w) => w.name === name && (namespace === undefined || w.namespace === namespace));
  const known = workloads.map((w) => `${w.namespace}/${w.name}`).join(', ');
  if (matches.length === 0) {
    throw new ApiError(
      404,
      'unknown-workload',
      'name',
      `name: no workload "${name}"${namespace ? ` in namespace "${namespace}"` : ''}; known: ${known || 'none'}`,
    );
  }
  if (matches.length > 1) {
    throw new ApiError(
      400,
      'ambiguous-workload',
      'namespace',
      `namespace: "${name}" exists in several namespaces; add ?namespace= (known: ${known})`,
    );
  }
  return matches[0];
}

function findModel(context: ApiContext, name: string): FittedForecaster {
  const model = context.model(name);
  if (model === undefined) {
    const names = context.modelNames();
    throw new ApiError(
      400,
      'unknown-model',
      'model',
      `model: no loaded model "${name}"; loaded: ${names.length > 0 ? names.join(', ') : 'none yet (workload models load after their first fit)'}`,
    );
  }
  return model;
}
