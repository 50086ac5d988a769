import type { FastifySchemaValidationError } from 'fastify';
import { describeValue, dottedPath } from '../core/issues.js';
import { parseDurationSeconds } from '../core/units.js';
import { DEFAULT_INTERVAL_LEVEL } from '../models/common.js';
import { ApiError, type ApiIssue } from './api-errors.js';

// The bodies of `POST /v1/forecast` and `/v1/forecast/batch` as JSON Schema, which Fastify compiles (Ajv) and checks
// before the handler runs: check and read of a 150-value body take ~1–1.5 µs, as the hand-written checks this
// replaced did, where zod took ~4–6 µs. What JSON Schema cannot say (a step like `30s` must be a positive duration)
// is read after.

const MAX_HORIZON_STEPS = 10_000;
const MAX_SERIES_POINTS = 1_000_000;
const MAX_BATCH = 10_000;

/** Ajv options: reject what does not match (Fastify's defaults coerce types and strip unknown fields), list it all. */
export const AJV_OPTIONS = {
  coerceTypes: false,
  removeAdditional: false,
  useDefaults: false,
  allErrors: true,
  // `step` is a number or a string.
  allowUnionTypes: true,
  // Errors carry the value and the schema that refused it, for the messages below.
  verbose: true,
} as const;

const seriesSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['values'],
  properties: {
    startSeconds: { type: 'number' },
    step: { type: ['number', 'string'], exclusiveMinimum: 0 },
    values: { type: 'array', minItems: 1, maxItems: MAX_SERIES_POINTS, items: { type: ['number', 'null'] } },
  },
} as const;

const requestFields = {
  model: { type: 'string', minLength: 1 },
  horizonSteps: { type: 'integer', minimum: 1, maximum: MAX_HORIZON_STEPS },
  level: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
} as const;

/** `POST /v1/forecast`: one series. */
export const forecastBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['model', 'series', 'horizonSteps'],
  properties: { ...requestFields, series: seriesSchema },
} as const;

/** `POST /v1/forecast/batch`: many series, one model, horizon and level. */
export const batchBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['model', 'series', 'horizonSteps'],
  properties: { ...requestFields, series: { type: 'array', minItems: 1, maxItems: MAX_BATCH, items: seriesSchema } },
} as const;

/** A series as the schema lets it through. */
export interface SeriesBody {
  readonly startSeconds?: number;
  readonly step?: number | string;
  readonly values: readonly (number | null)[];
}

/** A forecast body as the schema lets it through (`series` one series or an array). */
export interface ForecastBody<S> {
  readonly model: string;
  readonly series: S;
  readonly horizonSteps: number;
  readonly level?: number;
}

/** One series of a forecast request, read: `null` values are NaN, `stepSeconds` undefined means the model's. */
export interface RequestSeries {
  readonly startSeconds: number;
  readonly stepSeconds: number | undefined;
  readonly values: Float64Array;
}

/** A read forecast request (`series` one series or an array), the level defaulted. */
export interface ForecastRequest<S> {
  readonly model: string;
  readonly series: S;
  readonly horizonSteps: number;
  readonly level: number;
}

/** Reads a checked `POST /v1/forecast` body; a step that is not a positive duration is a 400. */
export function readForecastRequest(body: ForecastBody<SeriesBody>): ForecastRequest<RequestSeries> {
  const issues: ApiIssue[] = [];
  const series = readSeries(body.series, 'series', issues);
  if (issues.length > 0) throw ApiError.invalidInput(issues);
  return { model: body.model, series, horizonSteps: body.horizonSteps, level: body.level ?? DEFAULT_INTERVAL_LEVEL };
}

/** Reads a checked `POST /v1/forecast/batch` body, every bad step named. */
export function readBatchRequest(body: ForecastBody<readonly SeriesBody[]>): ForecastRequest<RequestSeries[]> {
  const issues: ApiIssue[] = [];
  const series = body.series.map((s, i) => readSeries(s, `series[${i}]`, issues));
  if (issues.length > 0) throw ApiError.invalidInput(issues);
  return { model: body.model, series, horizonSteps: body.horizonSteps, level: body.level ?? DEFAULT_INTERVAL_LEVEL };
}

function readSeries(series: SeriesBody, at: string, issues: ApiIssue[]): RequestSeries {
  const values = new Float64Array(series.values.length);
  for (let i = 0; i < values.length; i++) values[i] = series.values[i] ?? Number.NaN;
  let stepSeconds = typeof series.step === 'number' ? series.step : undefined;
  if (typeof series.step === 'string') {
    try {
      stepSeconds = parseDurationSeconds(series.step, 'step');
    } catch {
      // reported below
    }
    if (!(stepSeconds !== undefined && Number.isFinite(stepSeconds) && stepSeconds > 0)) {
      issues.push({
        path: `${at}.step`,
        message: `${JSON.stringify(series.step)} is not a positive step; write 30s or 30`,
      });
    }
  }
  return { startSeconds: series.startSeconds ?? 0, stepSeconds, values };
}

/** What an Ajv error carries with `verbose`. */
interface VerboseError extends FastifySchemaValidationError {
  readonly data?: unknown;
  readonly parentSchema?: { readonly properties?: Record<string, { readonly type?: string | readonly string[] }> };
}

/** Most issues one answer lists: a body of a million bad values should not get a 30 MB answer. */
const MAX_ISSUES = 100;

/** Fastify's `schemaErrorFormatter`: Ajv's errors as a 400 whose issues say `<path>: <problem>; <fix>`. */
export function schemaErrorsToApiError(errors: readonly FastifySchemaValidationError[]): ApiError {
  const issues = errors.slice(0, MAX_ISSUES).map((error) => schemaIssue(error as VerboseError));
  if (errors.length > MAX_ISSUES) {
    issues.push({ path: '(body)', message: `${errors.length - MAX_ISSUES} more problems; fix the ones above first` });
  }
  return ApiError.invalidInput(issues);
}

function schemaIssue(error: VerboseError): ApiIssue {
  const path = pointerPath(error.instancePath);
  const { params, data } = error;
  const fieldPath = (name: string) => (path === '(body)' ? name : `${path}.${name}`);
  switch (error.keyword) {
    case 'required': {
      const name = String(params.missingProperty);
      const type = error.parentSchema?.properties?.[name]?.type;
      return { path: fieldPath(name), message: `required; give ${type === undefined ? 'it' : aType(type)}` };
    }
    case 'additionalProperties': {
      const known = Object.keys(error.parentSchema?.properties ?? {}).join(', ');
      return {
        path: fieldPath(String(params.additionalProperty)),
        message: `unknown field; remove it (known: ${known})`,
      };
    }
    case 'type': {
      const types = String(params.type).split(',');
      return { path, message: `expected ${types.join(' or ')}, got ${describeValue(data)}; give ${aType(types)}` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const bound = { '>=': 'at least', '<=': 'at most', '>': 'above', '<': 'below' }[String(params.comparison)];
      return { path, message: `${describeValue(data)} must be ${bound} ${String(params.limit)}` };
    }
    case 'minItems':
    case 'maxItems': {
      const count = Array.isArray(data) ? data.length : 0;
      const bound = error.keyword === 'minItems' ? 'at least' : 'at most';
      return { path, message: `has ${count} items; give ${bound} ${String(params.limit)}` };
    }
    case 'minLength':
      return { path, message: 'is empty; give a name' };
    default:
      return { path, message: error.message ?? error.keyword };
  }
}

/** `a number`, `a number or null`, `an array`. */
function aType(type: string | readonly string[]): string {
  const types = typeof type === 'string' ? [type] : type;
  const first = types[0] === 'integer' ? 'whole number' : types[0];
  const article = /^[aeiou]/.test(first) ? 'an' : 'a';
  return [`${article} ${first}`, ...types.slice(1)].join(' or ');
}

/** A JSON pointer (`/series/values/2`) as a dotted path (`series.values[2]`); the schemas' keys are never numbers. */
function pointerPath(pointer: string): string {
  if (pointer === '') return '(body)';
  const parts = pointer
    .slice(1)
    .split('/')
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part.replaceAll('~1', '/').replaceAll('~0', '~')));
  return dottedPath(parts);
}
