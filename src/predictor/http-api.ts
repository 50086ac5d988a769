import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import { safeParsePlanRequest } from '../config/plan-request.js';
import { parseDurationSeconds } from '../config/units.js';
import { type Forecast, PrescaleError } from '../core/index.js';
import type { FittedForecaster } from '../models/types.js';
import { plan } from '../planner/index.js';
import type { ServiceMetrics } from './metrics.js';
import type { WorkloadStatus } from './workload-loop.js';

/** What the HTTP API reads from the running service. */
export interface ApiContext {
  workloads(): readonly WorkloadStatus[];
  /** A loaded model by name: a `models.serve` entry or a workload's current model. */
  model(name: string): FittedForecaster | undefined;
  modelNames(): readonly string[];
  readonly metrics: ServiceMetrics;
  /** Liveness: false when the loop has stopped syncing. */
  health(): { readonly ok: boolean; readonly reasons: readonly string[] };
  /** Readiness: every workload synced once and every door listening. */
  readiness(): { readonly ok: boolean; readonly reasons: readonly string[] };
}

/** One problem with a request: the dotted path of the field and what to do. */
export interface ApiIssue {
  readonly path: string;
  readonly message: string;
}

/** The error body of every 4xx/5xx answer. */
export interface ApiErrorBody {
  readonly error: {
    readonly code: string;
    readonly field: string | null;
    readonly message: string;
    readonly issues?: readonly ApiIssue[];
  };
}

const MAX_HORIZON_STEPS = 10_000;
const MAX_SERIES_POINTS = 1_000_000;
const MAX_BATCH = 10_000;

/** A duration string (`30s`) or seconds (> 0). */
const stepSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  let seconds = Number.NaN;
  try {
    seconds = typeof value === 'number' ? value : parseDurationSeconds(value, 'step');
  } catch {
    // reported below
  }
  if (!(Number.isFinite(seconds) && seconds > 0)) {
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: `${JSON.stringify(value)} is not a positive step; write 30s or 30`,
    });
    return z.NEVER;
  }
  return seconds;
});

const seriesSchema = z.strictObject({
  startSeconds: z.number().default(0),
  step: stepSchema.optional(),
  values: z.array(z.number().nullable()).min(1).max(MAX_SERIES_POINTS),
});

const forecastRequestSchema = z.strictObject({
  model: z.string().min(1),
  series: seriesSchema,
  horizonSteps: z.number().int().min(1).max(MAX_HORIZON_STEPS),
  level: z.number().gt(0).lt(1).default(0.8),
});

const batchRequestSchema = z.strictObject({
  model: z.string().min(1),
  series: z.array(seriesSchema).min(1).max(MAX_BATCH),
  horizonSteps: z.number().int().min(1).max(MAX_HORIZON_STEPS),
  level: z.number().gt(0).lt(1).default(0.8),
});

/** A 4xx answer with the field named. */
class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly field: string | null,
    message: string,
    readonly issues?: readonly ApiIssue[],
  ) {
    super(message);
  }
}

/**
 * The service's HTTP API (Fastify): `POST /v1/forecast` and its batch form, `POST /v1/plan`,
 * `GET /v1/workloads[/:name]`, `/metrics`, `/healthz`, `/readyz`. Bad requests get 400 naming the field,
 * oversized bodies 413; a handler error never takes the process down.
 */
export function buildHttpApi(context: ApiContext, options: { readonly bodyLimitBytes: number }): FastifyInstance {
  const app = Fastify({ bodyLimit: options.bodyLimitBytes, logger: false, return503OnClosing: true });

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

  app.post('/v1/forecast', async (request) => {
    const body = parseBody(forecastRequestSchema, request.body);
    const model = findModel(context, body.model);
    const started = performance.now();
    const forecast = runForecast(model, body.series, body.horizonSteps, body.level, 'series');
    context.metrics.apiForecastSeconds.observe({ model: body.model }, (performance.now() - started) / 1000);
    return { model: body.model, kind: model.metadata.model, ...forecastJson(forecast) };
  });

  app.post('/v1/forecast/batch', async (request) => {
    const body = parseBody(batchRequestSchema, request.body);
    const model = findModel(context, body.model);
    const forecasts = [];
    for (const [i, series] of body.series.entries()) {
      const started = performance.now();
      forecasts.push(forecastJson(runForecast(model, series, body.horizonSteps, body.level, `series[${i}]`)));
      context.metrics.apiForecastSeconds.observe({ model: body.model }, (performance.now() - started) / 1000);
    }
    return { model: body.model, kind: model.metadata.model, forecasts };
  });

  app.post('/v1/plan', async (request) => {
    const parsed = safeParsePlanRequest(request.body ?? null);
    if (!parsed.success) {
      const [first] = parsed.issues;
      throw new ApiError(400, 'invalid-input', first.path, `${first.path}: ${first.message}`, parsed.issues);
    }
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

  app.get<{ Params: { name: string }; Querystring: { namespace?: string } }>('/v1/workloads/:name', async (request) => {
    const { name } = request.params;
    const namespace = request.query.namespace;
    const matches = context
      .workloads()
      .filter((w) => w.name === name && (namespace === undefined || w.namespace === namespace));
    const known = context
      .workloads()
      .map((w) => `${w.namespace}/${w.name}`)
      .join(', ');
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
    return statusJson(matches[0]);
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

  return app;
}

function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  const body: ApiErrorBody = {
    error: {
      code: error.code,
      field: error.field,
      message: error.message,
      ...(error.issues !== undefined && { issues: error.issues }),
    },
  };
  return reply.code(error.statusCode).send(body);
}

/** Parses a body with a schema; every issue becomes `<path>: <problem>; <fix>`, the first names the field. */
function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body ?? null);
  if (result.success) return result.data;
  const issues: ApiIssue[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        issues.push({ path: dotted([...issue.path, key]), message: 'unknown field; remove it' });
    } else {
      issues.push({ path: dotted(issue.path), message: describeIssue(issue) });
    }
  }
  const [first] = issues;
  throw new ApiError(400, 'invalid-input', first.path, `${first.path}: ${first.message}`, issues);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}; give a ${issue.expected}`;
    case 'too_small':
      return `must be ${issue.inclusive ? 'at least' : 'above'} ${String(issue.minimum)}${issue.origin === 'array' ? ' items' : ''}`;
    case 'too_big':
      return `must be ${issue.inclusive ? 'at most' : 'below'} ${String(issue.maximum)}${issue.origin === 'array' ? ' items' : ''}`;
    default:
      return issue.message;
  }
}

function dotted(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text === '' ? '(body)' : text;
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

/** Runs one forecast; the model's own complaints come back as 400 (their field) or 422 (the data). */
function runForecast(
  model: FittedForecaster,
  series: z.infer<typeof seriesSchema>,
  horizonSteps: number,
  level: number,
  at: string,
): Forecast {
  const values = new Float64Array(series.values.length);
  for (let i = 0; i < values.length; i++) values[i] = series.values[i] ?? Number.NaN;
  const stepSeconds = series.step ?? model.metadata.stepSeconds;
  try {
    return model.forecast({ startSeconds: series.startSeconds, stepSeconds, values }, horizonSteps, level);
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

/** Finite numbers as they are, anything else as null (JSON has no NaN). */
function finiteArray(values: ArrayLike<number>): (number | null)[] {
  const out = new Array<number | null>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number.isFinite(values[i]) ? values[i] : null;
  return out;
}

function forecastJson(forecast: Forecast) {
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

/** One line per workload in `GET /v1/workloads`. */
function summaryJson(status: WorkloadStatus) {
  return {
    name: status.name,
    namespace: status.namespace,
    mode: status.mode,
    integration: status.integration,
    model: status.model.current,
    replicas: status.published.replicas,
    source: status.published.source,
    reason: status.published.reason,
    fallback: status.fallback.active,
    fallbackSummary: status.fallback.summary,
    rollingErrorPercent: status.accuracy.rollingErrorPercent,
    lastSyncSeconds: status.lastSyncSeconds,
  };
}

/** The whole status; typed arrays become arrays and non-finite numbers null. */
function statusJson(status: WorkloadStatus) {
  return {
    ...status,
    model: {
      ...status.model,
      nextRetrainSeconds: Number.isFinite(status.model.nextRetrainSeconds) ? status.model.nextRetrainSeconds : null,
    },
    forecast: status.forecast === null ? null : forecastJson(status.forecast),
  };
}
