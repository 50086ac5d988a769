import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import { safeParsePlanRequest } from '../config/plan-request.js';
import { type Forecast, PrescaleError, type Series } from '../core/index.js';
import { parseDurationSeconds } from '../core/units.js';
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
const DEFAULT_LEVEL = 0.8;

/** The seconds of a `step` (a duration string like `30s`, or seconds), or undefined unless finite and > 0. */
function positiveStepSeconds(value: number | string): number | undefined {
  let seconds = Number.NaN;
  try {
    seconds = typeof value === 'number' ? value : parseDurationSeconds(value, 'step');
  } catch {
    // the caller reports it
  }
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

/** A duration string (`30s`) or seconds (> 0). */
const stepSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const seconds = positiveStepSeconds(value);
  if (seconds === undefined) {
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
  level: z.number().gt(0).lt(1).default(DEFAULT_LEVEL),
});

const batchRequestSchema = z.strictObject({
  model: z.string().min(1),
  series: z.array(seriesSchema).min(1).max(MAX_BATCH),
  horizonSteps: z.number().int().min(1).max(MAX_HORIZON_STEPS),
  level: z.number().gt(0).lt(1).default(DEFAULT_LEVEL),
});

/** One series of a forecast request, validated: `null` values are NaN, `stepSeconds` undefined means the model's. */
export interface RequestSeries {
  readonly startSeconds: number;
  readonly stepSeconds: number | undefined;
  readonly values: Float64Array;
}

/** A validated `POST /v1/forecast` body (`series` one series) or batch body (`series` an array). */
export interface ForecastRequest<S> {
  readonly model: string;
  readonly series: S;
  readonly horizonSteps: number;
  readonly level: number;
}

function toRequestSeries(series: z.infer<typeof seriesSchema>): RequestSeries {
  const values = new Float64Array(series.values.length);
  for (let i = 0; i < values.length; i++) values[i] = series.values[i] ?? Number.NaN;
  return { startSeconds: series.startSeconds, stepSeconds: series.step, values };
}

// The fast path. zod walks a 150-value array at ~40 ns a value and copies it; these checks accept only bodies the
// schemas above accept, with the same result (http-api.test.ts checks both on fuzzed bodies), and read the values
// straight into the Float64Array the model takes. Anything else, and every error, goes through the schemas, so the
// messages are theirs.

const SERIES_KEYS = new Set(['startSeconds', 'step', 'values']);
const REQUEST_KEYS = new Set(['model', 'series', 'horizonSteps', 'level']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasOnlyKeys(value: Record<string, unknown>, keys: ReadonlySet<string>): boolean {
  for (const key in value) if (!keys.has(key)) return false;
  return true;
}

function quickSeries(raw: unknown): RequestSeries | undefined {
  if (!isRecord(raw) || !hasOnlyKeys(raw, SERIES_KEYS)) return undefined;
  const { startSeconds, step, values } = raw;
  if (startSeconds !== undefined && !(typeof startSeconds === 'number' && Number.isFinite(startSeconds))) {
    return undefined;
  }
  let stepSeconds: number | undefined;
  if (step !== undefined) {
    if (typeof step === 'number' && !Number.isFinite(step)) return undefined;
    stepSeconds = typeof step === 'number' || typeof step === 'string' ? positiveStepSeconds(step) : undefined;
    if (stepSeconds === undefined) return undefined;
  }
  if (!Array.isArray(values) || values.length < 1 || values.length > MAX_SERIES_POINTS) return undefined;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v: unknown = values[i];
    if (typeof v === 'number' && Number.isFinite(v)) out[i] = v;
    else if (v === null) out[i] = Number.NaN;
    else return undefined;
  }
  return { startSeconds: startSeconds ?? 0, stepSeconds, values: out };
}

/** The fields beside `series`, or undefined unless they are well-formed. */
function quickRequestFields(body: unknown): Omit<ForecastRequest<unknown>, 'series'> | undefined {
  if (!isRecord(body) || !hasOnlyKeys(body, REQUEST_KEYS)) return undefined;
  const { model, horizonSteps, level } = body;
  if (typeof model !== 'string' || model.length < 1) return undefined;
  if (
    !(Number.isInteger(horizonSteps) && (horizonSteps as number) >= 1 && (horizonSteps as number) <= MAX_HORIZON_STEPS)
  ) {
    return undefined;
  }
  if (level !== undefined && !(typeof level === 'number' && level > 0 && level < 1)) return undefined;
  return { model, horizonSteps: horizonSteps as number, level: level ?? DEFAULT_LEVEL };
}

/**
 * Validates a `POST /v1/forecast` body: a well-formed one through the fast path, anything else through the zod
 * schema, whose issues become a 400 (`ApiError`) naming the first field. `viaSchema` forces the schema (tests).
 */
export function parseForecastRequest(body: unknown, viaSchema = false): ForecastRequest<RequestSeries> {
  if (!viaSchema) {
    const fields = quickRequestFields(body);
    const series = fields && quickSeries((body as Record<string, unknown>).series);
    if (fields && series) return { ...fields, series };
  }
  const parsed = parseBody(forecastRequestSchema, body);
  return { ...parsed, series: toRequestSeries(parsed.series) };
}

/** Validates a `POST /v1/forecast/batch` body, as `parseForecastRequest` does. */
export function parseBatchRequest(body: unknown, viaSchema = false): ForecastRequest<RequestSeries[]> {
  if (!viaSchema) {
    const fields = quickRequestFields(body);
    const raw = fields && (body as Record<string, unknown>).series;
    if (fields && Array.isArray(raw) && raw.length >= 1 && raw.length <= MAX_BATCH) {
      const series: RequestSeries[] = [];
      for (const item of raw) {
        const one = quickSeries(item);
        if (one === undefined) break;
        series.push(one);
      }
      if (series.length === raw.length) return { ...fields, series };
    }
  }
  const parsed = parseBody(batchRequestSchema, body);
  return { ...parsed, series: parsed.series.map(toRequestSeries) };
}

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

  const coalescer = new ForecastCoalescer((model, seconds) =>
    context.metrics.apiForecastSeconds.observe({ model }, seconds),
  );
  app.post('/v1/forecast', async (request) => {
    const body = parseForecastRequest(request.body ?? null);
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
  });

  app.post('/v1/forecast/batch', async (request) => {
    const body = parseBatchRequest(request.body ?? null);
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

/** A model with `forecastMany`. */
type ManySeriesForecaster = FittedForecaster & Required<Pick<FittedForecaster, 'forecastMany'>>;

function forecastsMany(model: FittedForecaster): model is ManySeriesForecaster {
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
function forecastEach(
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

interface PendingForecast {
  readonly model: ManySeriesForecaster;
  readonly request: ForecastRequest<RequestSeries>;
  readonly resolve: (forecast: Forecast) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Runs the single-series requests to a model with `forecastMany` that arrive in one turn of the event loop (the
 * concurrent requests read from the sockets in one poll) as one batched call per model, horizon and level. An ONNX
 * run costs ~30 µs for one window and ~13 µs a window for eight, and it is the largest cost of a request. A request
 * alone waits for nothing: the batch runs in the same turn (`setImmediate`, after the poll), not on a timer.
 */
class ForecastCoalescer {
  private pending: PendingForecast[] = [];
  private scheduled = false;

  constructor(private readonly observe: (model: string, seconds: number) => void) {}

  forecast(model: ManySeriesForecaster, request: ForecastRequest<RequestSeries>): Promise<Forecast> {
    return new Promise((resolve, reject) => {
      this.pending.push({ model, request, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    let rest = this.pending;
    this.pending = [];
    this.scheduled = false;
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

/** Runs one forecast; the model's own complaints come back as 400 (their field) or 422 (the data). */
function runForecast(
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
