import { Agent } from 'undici';
import { z } from 'zod';
import { type Clock, PrescaleError, type RawSeries, systemClock } from '../core/index.js';
import { safeParseWithIssues } from '../core/issues.js';
import { readNamedFileSync } from '../core/named-file.js';
import { parseSampleValue } from '../core/units.js';
import type { LabeledSeries, MetricSource, RangeQuery } from './types.js';

/** Prometheus refuses a range query whose (end − start) / step exceeds this (`web/api/v1/api.go`). */
export const maxStepsPerRangeRequest = 11_000;

/** How to reach one Prometheus server (or anything serving its HTTP API: Thanos, Mimir, VictoriaMetrics). */
export interface PrometheusOptions {
  /** Server root, e.g. `http://prometheus.monitoring:9090` (a path prefix like `/prometheus` is kept). */
  readonly baseUrl: string;
  readonly bearerToken?: string;
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** PEM file of the CA that signed the server certificate (for https with a private CA). */
  readonly caFile?: string;
  /** Per HTTP request, including reading the body. Default 30 s. */
  readonly timeoutSeconds?: number;
  /** Extra attempts after a 5xx, a network error or a timeout (never after a 4xx). Default 3. */
  readonly retries?: number;
  /** First backoff delay; doubles each retry, with ±25% jitter. Default 500 ms. */
  readonly retryBaseDelayMs?: number;
  /** Sleeps between retries; tests pass a fast or manual clock. Default the system clock. */
  readonly clock?: Clock;
  /** Jitter source in [0, 1). Default Math.random. */
  readonly random?: () => number;
}

/** One sample of an instant query, with its series labels. */
export interface InstantSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly timestampSeconds: number;
  readonly value: number;
}

/** One request's share of a long range: evaluation times startMs + k*stepMs up to endMs, inclusive. */
export interface RangeChunk {
  readonly startMs: number;
  readonly endMs: number;
}

const envelopeSchema = z.object({
  status: z.enum(['success', 'error']),
  data: z.unknown().optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
  warnings: z.array(z.string()).optional(),
});
const labelsSchema = z.record(z.string(), z.string());
const samplePairSchema = z.tuple([z.number(), z.string()]);
const queryDataSchema = z.discriminatedUnion('resultType', [
  z.object({
    resultType: z.literal('matrix'),
    result: z.array(z.object({ metric: labelsSchema, values: z.array(samplePairSchema) })),
  }),
  z.object({
    resultType: z.literal('vector'),
    result: z.array(z.object({ metric: labelsSchema, value: samplePairSchema })),
  }),
  z.object({ resultType: z.literal('scalar'), result: samplePairSchema }),
  z.object({ resultType: z.literal('string'), result: samplePairSchema }),
]);
type QueryData = z.infer<typeof queryDataSchema>;

/** What to tell the user for each Prometheus error type. */
const fixForErrorType: Record<string, string> = {
  bad_data: 'check the PromQL and the start/end/step',
  execution: 'the query failed while running; simplify it or narrow the range',
  timeout: 'the query timed out in Prometheus; narrow the range, raise the step or pre-aggregate with a recording rule',
  canceled: 'the query was canceled',
  not_found: 'check the Prometheus URL and API path',
};

/**
 * Splits a range into requests of at most `maxSteps` steps each. Every chunk starts on the grid
 * startMs + k*stepMs, so the union of the chunks evaluates exactly the timestamps of the whole range,
 * each once. Works in integer milliseconds, the resolution Prometheus evaluates at.
 */
export function rangeChunks(
  startMs: number,
  endMs: number,
  stepMs: number,
  maxSteps = maxStepsPerRangeRequest,
): RangeChunk[] {
  const lastIndex = Math.floor((endMs - startMs) / stepMs);
  const chunks: RangeChunk[] = [];
  for (let first = 0; first <= lastIndex; first += maxSteps + 1) {
    const last = Math.min(first + maxSteps, lastIndex);
    chunks.push({ startMs: startMs + first * stepMs, endMs: startMs + last * stepMs });
  }
  return chunks;
}

/** Stable identity of a label set: the same labels in any order give the same key. */
function labelsKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Formats integer milliseconds as the decimal seconds the API takes (`1700000000.5`). */
function secondsParam(ms: number): string {
  return String(ms / 1000);
}

class RetryableFailure extends Error {
  constructor(
    readonly failure: PrescaleError,
    readonly retryable: boolean,
  ) {
    super(failure.message);
  }
}

/**
 * A real client for the Prometheus HTTP API (`/api/v1/query_range`, `/api/v1/query`): authentication,
 * a private CA, per-request timeouts, retries with backoff on 5xx / network errors / timeouts, and
 * long ranges split under the server's 11,000-step limit. Errors are `PrescaleError`s that quote
 * Prometheus' own `errorType` and `error` verbatim.
 */
export class PrometheusClient {
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly dispatcher: Agent | undefined;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryBaseDelayMs: number;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(options: PrometheusOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch (error) {
      throw new PrescaleError(
        'invalid-input',
        `prometheus.url: "${options.baseUrl}" is not a URL; write it like http://prometheus:9090`,
        { field: 'prometheus.url', cause: error },
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new PrescaleError(
        'invalid-input',
        `prometheus.url: "${options.baseUrl}" must start with http:// or https://; write it like http://prometheus:9090`,
        { field: 'prometheus.url' },
      );
    }
    if (url.username !== '' || url.password !== '') {
      throw new PrescaleError(
        'invalid-input',
        'prometheus.url: contains credentials; remove them from the URL and pass basic auth separately (--basic-auth)',
        { field: 'prometheus.url' },
      );
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.headers = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' };
    if (options.bearerToken !== undefined) this.headers.authorization = `Bearer ${options.bearerToken}`;
    if (options.basicAuth !== undefined) {
      const { username, password } = options.basicAuth;
      this.headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    }
    if (options.caFile !== undefined) {
      const ca = readNamedFileSync(options.caFile, {
        field: 'prometheus.caFile',
        fix: 'give the PEM file of the CA that signed the server certificate',
      });
      this.dispatcher = new Agent({ connect: { ca } });
    }
    this.timeoutMs = (options.timeoutSeconds ?? 30) * 1000;
    this.retries = options.retries ?? 3;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 500;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  /**
   * Evaluates `q.query` over a range and returns one `LabeledSeries` per returned series, sorted by labels,
   * with timestamps exactly start + k*step. Ranges beyond 11,000 steps are fetched in consecutive chunks.
   */
  async queryRange(q: RangeQuery, signal?: AbortSignal): Promise<LabeledSeries[]> {
    const { startMs, endMs, stepMs } = checkRangeQuery(q);
    const merged = new Map<string, { labels: Record<string, string>; times: number[]; values: number[] }>();
    for (const chunk of rangeChunks(startMs, endMs, stepMs)) {
      const data = await this.request(
        '/api/v1/query_range',
        {
          query: q.query,
          start: secondsParam(chunk.startMs),
          end: secondsParam(chunk.endMs),
          step: secondsParam(stepMs),
        },
        signal,
      );
      if (data.resultType !== 'matrix') {
        throw new PrescaleError(
          'prometheus-error',
          `${this.baseUrl}: query_range returned a ${data.resultType}, not a matrix; is this a Prometheus-compatible API?`,
          { field: 'query' },
        );
      }
      for (const { metric, values } of data.result) {
        const key = labelsKey(metric);
        let entry = merged.get(key);
        if (entry === undefined) {
          entry = { labels: metric, times: [], values: [] };
          merged.set(key, entry);
        }
        for (const [time, value] of values) {
          entry.times.push(time);
          entry.values.push(parseSampleValue(value));
        }
      }
    }
    return [...merged.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, { labels, times, values }]) => ({
        labels,
        series: { timestampsSeconds: Float64Array.from(times), values: Float64Array.from(values) },
      }));
  }

  /** Evaluates `query` at one instant (default: the server's now) and returns its samples with labels. */
  async queryInstant(query: string, timeSeconds?: number, signal?: AbortSignal): Promise<InstantSample[]> {
    if (query.trim() === '') {
      throw new PrescaleError('invalid-input', 'query: empty; give a PromQL expression', { field: 'query' });
    }
    const params: Record<string, string> = { query };
    if (timeSeconds !== undefined) params.time = secondsParam(Math.round(timeSeconds * 1000));
    const data = await this.request('/api/v1/query', params, signal);
    switch (data.resultType) {
      case 'vector':
        return data.result.map(({ metric, value: [time, value] }) => ({
          labels: metric,
          timestampSeconds: time,
          value: parseSampleValue(value),
        }));
      case 'scalar':
        return [{ labels: {}, timestampSeconds: data.result[0], value: parseSampleValue(data.result[1]) }];
      default:
        throw new PrescaleError(
          'prometheus-error',
          `${this.baseUrl}: instant query returned a ${data.resultType}; ask for a number (a vector or scalar expression)`,
          { field: 'query' },
        );
    }
  }

  /** Releases pooled connections (of the private-CA agent); the client is unusable afterwards. */
  async close(): Promise<void> {
    await this.dispatcher?.close();
  }

  /**
   * POSTs one API call, retrying what may succeed on a second try, and returns the envelope's `data`.
   * Not undici's RetryAgent (undici 7.30): its backoff waits on the global setTimeout, so the injected clock could
   * only come in by replacing its `retry` callback with this same decision, backoff and jitter, leaving undici
   * nothing but the re-send; a fetch signal spans all its attempts, while each attempt here has a deadline of its
   * own that includes the body (headersTimeout/bodyTimeout are idle timeouts); and with its default
   * throwOnError the last 5xx body, the Prometheus error quoted to the user, is dropped.
   */
  private async request(path: string, params: Record<string, string>, signal?: AbortSignal): Promise<QueryData> {
    const url = this.baseUrl + path;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(url, params, signal);
      } catch (error) {
        if (!(error instanceof RetryableFailure)) throw error;
        if (!error.retryable || attempt >= this.retries) throw error.failure;
        const delayMs = this.retryBaseDelayMs * 2 ** attempt * (0.75 + 0.5 * this.random());
        await this.clock.sleep(delayMs, signal);
      }
    }
  }

  private async attempt(url: string, params: Record<string, string>, signal?: AbortSignal): Promise<QueryData> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    let status: number;
    let body: string;
    try {
      const init: RequestInit & { dispatcher?: Agent } = {
        method: 'POST',
        headers: this.headers,
        body: new URLSearchParams(params).toString(),
        signal: combined,
      };
      if (this.dispatcher !== undefined) init.dispatcher = this.dispatcher;
      const response = await fetch(url, init);
      status = response.status;
      body = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted) {
        throw new RetryableFailure(
          new PrescaleError(
            'prometheus-unreachable',
            `${url}: no answer within ${this.timeoutMs / 1000} s (tried ${this.retries + 1} times); check the server's load or raise the timeout`,
            { field: 'prometheus.url', cause: error },
          ),
          true,
        );
      }
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      const tlsProblem = /CERT|SELF_SIGNED|TLS|SSL/i.test(reason);
      throw new RetryableFailure(
        new PrescaleError(
          'prometheus-unreachable',
          tlsProblem
            ? `${url}: TLS handshake failed (${reason}); give the CA that signed the server certificate (--ca-file)`
            : `${url}: cannot reach Prometheus (${reason}, tried ${this.retries + 1} times); check the URL and that Prometheus is running`,
          { field: 'prometheus.url', cause: error },
        ),
        !tlsProblem,
      );
    }
    return this.parseResponse(url, status, body);
  }

  private parseResponse(url: string, status: number, body: string): QueryData {
    let envelope: z.infer<typeof envelopeSchema> | undefined;
    try {
      const parsed = envelopeSchema.safeParse(JSON.parse(body));
      if (parsed.success) envelope = parsed.data;
    } catch {
      envelope = undefined;
    }
    const ok = status >= 200 && status < 300;
    if (ok && envelope?.status === 'success') {
      const data = safeParseWithIssues(queryDataSchema, envelope.data, ['data']);
      if (data.success) return data.data;
      const [issue] = data.issues;
      throw new PrescaleError(
        'prometheus-error',
        `${url}: the answer is not a Prometheus query result (${issue.path}: ${issue.message}); check the URL points at the Prometheus HTTP API`,
        { field: 'prometheus.url' },
      );
    }
    const retryable = status >= 500;
    if (envelope?.status === 'error') {
      const errorType = envelope.errorType ?? 'unknown';
      const fix = fixForErrorType[errorType] ?? 'see the Prometheus error above';
      throw new RetryableFailure(
        new PrescaleError(
          'prometheus-error',
          `${url}: Prometheus answered HTTP ${status} ${errorType}: ${envelope.error ?? '(no message)'}; ${fix}`,
          { field: 'query' },
        ),
        retryable,
      );
    }
    const snippet = body.length > 300 ? `${body.slice(0, 300)}…` : body;
    const fix =
      status === 401 || status === 403
        ? 'check the bearer token or basic-auth credentials'
        : status === 404
          ? 'check the URL points at the Prometheus server root (e.g. http://prometheus:9090)'
          : 'check the URL points at the Prometheus HTTP API';
    throw new RetryableFailure(
      new PrescaleError(
        'prometheus-error',
        `${url}: HTTP ${status}, not a Prometheus API answer: ${snippet.trim()}; ${fix}`,
        {
          field: 'prometheus.url',
        },
      ),
      retryable,
    );
  }
}

/** Validates a range query once and converts it to the integer milliseconds Prometheus evaluates in. */
function checkRangeQuery(q: RangeQuery): { startMs: number; endMs: number; stepMs: number } {
  const fail = (field: string, problem: string): never => {
    throw new PrescaleError('invalid-input', `${field}: ${problem}`, { field });
  };
  if (q.query.trim() === '') fail('query', 'empty; give a PromQL expression');
  if (!Number.isFinite(q.startSeconds)) fail('start', `${q.startSeconds} is not a time; give unix seconds`);
  if (!Number.isFinite(q.endSeconds)) fail('end', `${q.endSeconds} is not a time; give unix seconds`);
  if (q.endSeconds < q.startSeconds) fail('end', `${q.endSeconds} is before start (${q.startSeconds}); swap them`);
  const stepMs = Math.round(q.stepSeconds * 1000);
  if (!Number.isFinite(q.stepSeconds) || stepMs < 1) {
    fail('step', `${q.stepSeconds} s is not a positive step; give at least 1ms, e.g. 30s`);
  }
  return { startMs: Math.round(q.startSeconds * 1000), endMs: Math.round(q.endSeconds * 1000), stepMs };
}

/** Options for reading one load series out of a possibly multi-series query. */
export interface PrometheusSourceOptions {
  /** Which series to take when the query returns several (in label order); default: require exactly one. */
  readonly seriesIndex?: number;
  /**
   * Sum several series per timestamp (a workload's load over its pods when the query does not aggregate);
   * the live loop reads this way. Takes precedence over `seriesIndex`.
   */
  readonly sumSeries?: boolean;
}

/**
 * Prometheus as a `MetricSource`: one query, one series. A query returning several series is refused
 * (aggregate it with sum() or pick one by index) so nobody forecasts an arbitrary pod by accident, unless the
 * source is told to sum them.
 */
export class PrometheusSource implements MetricSource {
  readonly name: string;

  constructor(
    private readonly client: Pick<PrometheusClient, 'queryRange'>,
    private readonly options: PrometheusSourceOptions = {},
  ) {
    this.name = 'prometheus';
  }

  /** Returns the selected (or summed) observations in range (empty when Prometheus has no data there). */
  async range(q: RangeQuery, signal?: AbortSignal): Promise<RawSeries> {
    const result = await this.client.queryRange(q, signal);
    if (this.options.sumSeries) return sumByTimestamp(result.map((labeled) => labeled.series));
    return selectSeries(q.query, result, this.options.seriesIndex).series;
  }
}

/** Several series as one: the finite values at each timestamp added up (a timestamp no series has stays out). */
export function sumByTimestamp(series: readonly RawSeries[]): RawSeries {
  if (series.length === 1) return series[0];
  const totals = new Map<number, number>();
  for (const s of series) {
    for (let i = 0; i < s.values.length; i++) {
      if (!Number.isFinite(s.values[i])) continue;
      totals.set(s.timestampsSeconds[i], (totals.get(s.timestampsSeconds[i]) ?? 0) + s.values[i]);
    }
  }
  const times = [...totals.keys()].sort((a, b) => a - b);
  return { timestampsSeconds: Float64Array.from(times), values: Float64Array.from(times.map((t) => totals.get(t)!)) };
}

/** Picks the one series a caller wants from a query result, or says how to get exactly one. */
export function selectSeries(query: string, result: LabeledSeries[], seriesIndex?: number): LabeledSeries {
  if (result.length === 0) {
    return { labels: {}, series: { timestampsSeconds: new Float64Array(0), values: new Float64Array(0) } };
  }
  if (seriesIndex !== undefined) {
    if (!Number.isInteger(seriesIndex) || seriesIndex < 0 || seriesIndex >= result.length) {
      throw new PrescaleError(
        'invalid-input',
        `seriesIndex: ${seriesIndex} is out of range; the query returned ${result.length} series, pick 0..${result.length - 1}`,
        { field: 'seriesIndex' },
      );
    }
    return result[seriesIndex];
  }
  if (result.length > 1) {
    const shown = result
      .slice(0, 5)
      .map((s, i) => `${i}: ${formatLabels(s.labels)}`)
      .join(', ');
    const more = result.length > 5 ? `, … ${result.length - 5} more` : '';
    throw new PrescaleError(
      'invalid-input',
      `query: returned ${result.length} series (${shown}${more}); aggregate to one, e.g. sum(${query}), or pick one by index (--series-index)`,
      { field: 'query' },
    );
  }
  return result[0];
}

/** Prints labels the way PromQL writes a selector: `{job="api",pod="a"}`. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  const name = labels.__name__ ?? '';
  const rest = Object.entries(labels)
    .filter(([key]) => key !== '__name__')
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(',');
  return `${name}{${rest}}`;
}
