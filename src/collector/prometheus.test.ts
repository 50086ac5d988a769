import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Clock, PrescaleError, type RawSeries } from '../core/index.js';
import { freePort, type PrometheusServer, startPrometheus } from '../testing/prometheus-server.js';
import { PrometheusClient, PrometheusSource, rangeChunks, selectSeries, sumByTimestamp } from './prometheus.js';
import { readTraceFile } from './trace-file.js';

const nasaPath = fileURLToPath(
  new URL('../../../shared/data/nasa-http/nasa_jul95_requests_per_minute.csv', import.meta.url),
);

/** A clock whose sleeps return at once and are recorded, so retry tests take no wall time. */
function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    nowMs: () => 0,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
    },
  };
}

function assertPrescaleError(code: string, field: string, ...fragments: string[]) {
  return (error: unknown) => {
    assert.ok(error instanceof PrescaleError, String(error));
    assert.equal(error.code, code, error.message);
    assert.equal(error.field, field, error.message);
    for (const fragment of fragments)
      assert.ok(error.message.includes(fragment), `"${fragment}" not in: ${error.message}`);
    return true;
  };
}

// ---- chunking (pure) ----

const chunkRows: {
  name: string;
  input: { startMs: number; endMs: number; stepMs: number; maxSteps: number };
  want: { startMs: number; endMs: number }[];
}[] = [
  { name: 'one point', input: { startMs: 0, endMs: 0, stepMs: 10, maxSteps: 3 }, want: [{ startMs: 0, endMs: 0 }] },
  {
    name: 'exactly maxSteps fits one request',
    input: { startMs: 0, endMs: 30, stepMs: 10, maxSteps: 3 },
    want: [{ startMs: 0, endMs: 30 }],
  },
  {
    name: 'one step more needs a second request starting on the grid',
    input: { startMs: 0, endMs: 40, stepMs: 10, maxSteps: 3 },
    want: [
      { startMs: 0, endMs: 30 },
      { startMs: 40, endMs: 40 },
    ],
  },
  {
    name: 'an unaligned end is cut to the last grid point',
    input: { startMs: 5, endMs: 99, stepMs: 10, maxSteps: 3 },
    want: [
      { startMs: 5, endMs: 35 },
      { startMs: 45, endMs: 75 },
      { startMs: 85, endMs: 95 },
    ],
  },
  {
    name: 'Prometheus limit: 11,000 steps per request',
    input: { startMs: 0, endMs: 22_001 * 1000, stepMs: 1000, maxSteps: 11_000 },
    want: [
      { startMs: 0, endMs: 11_000_000 },
      { startMs: 11_001_000, endMs: 22_001_000 },
    ],
  },
];

for (const row of chunkRows) {
  test(`rangeChunks: ${row.name}`, () => {
    const { startMs, endMs, stepMs, maxSteps } = row.input;
    const chunks = rangeChunks(startMs, endMs, stepMs, maxSteps);
    assert.deepEqual(chunks, row.want);
    // The union evaluates every grid point once.
    const points = chunks.flatMap((c) =>
      Array.from({ length: (c.endMs - c.startMs) / stepMs + 1 }, (_, k) => c.startMs + k * stepMs),
    );
    const expected = Array.from({ length: Math.floor((endMs - startMs) / stepMs) + 1 }, (_, k) => startMs + k * stepMs);
    assert.deepEqual(points, expected);
    for (const c of chunks) assert.ok((c.endMs - c.startMs) / stepMs <= maxSteps);
  });
}

// ---- against a real Prometheus ----

let prometheus: PrometheusServer;
let nasa: RawSeries;
const t0 = 1_700_000_000;
const twoPods = (pod: string, offset: number) => ({
  name: 'demo_load',
  labels: { pod },
  series: {
    timestampsSeconds: Float64Array.from([t0, t0 + 60, t0 + 120]),
    values: Float64Array.from([1, 2, 3].map((v) => v + offset)),
  },
});

before(async () => {
  nasa = (await readTraceFile(nasaPath)).series;
  prometheus = await startPrometheus([
    { name: 'nasa_requests_per_minute', series: nasa },
    twoPods('a', 0),
    twoPods('b', 10),
    {
      name: 'special_values',
      series: {
        timestampsSeconds: Float64Array.from([t0, t0 + 60, t0 + 120, t0 + 180]),
        values: Float64Array.from([NaN, Infinity, -Infinity, 0.1]),
      },
    },
  ]);
});

after(async () => {
  await prometheus?.stop();
});

test('real Prometheus: the NASA trace reads back value for value over 39,692 steps (4 chunks)', async () => {
  const client = new PrometheusClient({ baseUrl: prometheus.url });
  const startSeconds = nasa.timestampsSeconds[0];
  const endSeconds = nasa.timestampsSeconds[nasa.timestampsSeconds.length - 1];
  assert.ok((endSeconds - startSeconds) / 60 > 3 * 11_000, 'the trace must need several chunks');
  const result = await client.queryRange({
    query: 'nasa_requests_per_minute',
    startSeconds,
    endSeconds,
    stepSeconds: 60,
  });
  assert.equal(result.length, 1);
  assert.deepEqual(result[0].labels, { __name__: 'nasa_requests_per_minute' });
  assert.deepEqual(result[0].series.timestampsSeconds, nasa.timestampsSeconds);
  assert.deepEqual(result[0].series.values, nasa.values);
});

test('real Prometheus: the 11,000-step limit is where rangeChunks puts it', async () => {
  const raw = async (steps: number) => {
    const start = nasa.timestampsSeconds[0];
    const params = new URLSearchParams({
      query: 'nasa_requests_per_minute',
      start: `${start}`,
      end: `${start + steps * 60}`,
      step: '60',
    });
    const response = await fetch(`${prometheus.url}/api/v1/query_range?${params}`);
    return { status: response.status, body: (await response.json()) as { error?: string } };
  };
  assert.equal((await raw(11_000)).status, 200);
  const over = await raw(11_001);
  assert.equal(over.status, 400);
  assert.match(over.body.error ?? '', /exceeded maximum resolution of 11,000 points/);
});

test('real Prometheus: bad PromQL is a prometheus-error quoting HTTP 400 bad_data and the message verbatim', async () => {
  const client = new PrometheusClient({ baseUrl: prometheus.url, clock: recordingClock() });
  const query = 'sum(rate(nasa_requests_per_minute[5m])';
  const params = new URLSearchParams({ query, start: `${t0}`, end: `${t0 + 60}`, step: '60' });
  const verbatim = ((await (await fetch(`${prometheus.url}/api/v1/query_range?${params}`)).json()) as { error: string })
    .error;
  assert.ok(verbatim.length > 0);
  await assert.rejects(
    client.queryRange({ query, startSeconds: t0, endSeconds: t0 + 60, stepSeconds: 60 }),
    assertPrescaleError(
      'prometheus-error',
      'query',
      `${prometheus.url}/api/v1/query_range`,
      'HTTP 400 bad_data: ',
      verbatim,
    ),
  );
});

test('real Prometheus: NaN, +Inf and -Inf sample values are parsed', async () => {
  const client = new PrometheusClient({ baseUrl: prometheus.url });
  const [only] = await client.queryRange({
    query: 'special_values',
    startSeconds: t0,
    endSeconds: t0 + 180,
    stepSeconds: 60,
  });
  assert.deepEqual(Array.from(only.series.values), [NaN, Infinity, -Infinity, 0.1]);
});

test('real Prometheus: several series come back sorted by labels; the source refuses to pick one silently', async () => {
  const client = new PrometheusClient({ baseUrl: prometheus.url });
  const q = { query: 'demo_load', startSeconds: t0, endSeconds: t0 + 120, stepSeconds: 60 };
  const result = await client.queryRange(q);
  assert.deepEqual(
    result.map((s) => s.labels.pod),
    ['a', 'b'],
  );
  assert.deepEqual(Array.from(result[1].series.values), [11, 12, 13]);
  await assert.rejects(
    new PrometheusSource(client).range(q),
    assertPrescaleError('invalid-input', 'query', '2 series', 'sum(demo_load)', 'pod="a"'),
  );
  assert.deepEqual(Array.from((await new PrometheusSource(client, { seriesIndex: 1 }).range(q)).values), [11, 12, 13]);
  const summed = await new PrometheusSource(client).range({ ...q, query: 'sum(demo_load)' });
  assert.deepEqual(Array.from(summed.values), [12, 14, 16]);
  assert.deepEqual(Array.from(summed.timestampsSeconds), [t0, t0 + 60, t0 + 120]);
  // The live loop's source sums the series itself, as sum() would.
  const summedBySource = await new PrometheusSource(client, { sumSeries: true }).range(q);
  assert.deepEqual(summedBySource, summed);
});

test('sumByTimestamp adds the finite values per timestamp; a timestamp only one series has keeps its value', () => {
  const a: RawSeries = { timestampsSeconds: Float64Array.from([0, 60, 120]), values: Float64Array.from([1, NaN, 3]) };
  const b: RawSeries = {
    timestampsSeconds: Float64Array.from([60, 120, 180]),
    values: Float64Array.from([10, 20, 30]),
  };
  const sum = sumByTimestamp([b, a]);
  assert.deepEqual(Array.from(sum.timestampsSeconds), [0, 60, 120, 180]);
  assert.deepEqual(Array.from(sum.values), [1, 10, 23, 30]);
  assert.equal(sumByTimestamp([a]), a);
});

test('real Prometheus: an instant query returns the sample at that time with labels', async () => {
  const client = new PrometheusClient({ baseUrl: prometheus.url });
  const samples = await client.queryInstant('nasa_requests_per_minute', nasa.timestampsSeconds[100]);
  assert.deepEqual(samples, [
    {
      labels: { __name__: 'nasa_requests_per_minute' },
      timestampSeconds: nasa.timestampsSeconds[100],
      value: nasa.values[100],
    },
  ]);
  const scalar = await client.queryInstant('1 + 1', t0);
  assert.deepEqual(scalar, [{ labels: {}, timestampSeconds: t0, value: 2 }]);
});

// ---- against small real HTTP servers on 127.0.0.1 ----

interface StubRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: URLSearchParams;
}

const okMatrix = JSON.stringify({
  status: 'success',
  data: {
    resultType: 'matrix',
    result: [
      {
        metric: { job: 'api' },
        values: [
          [t0, '1'],
          [t0 + 30, '2.5'],
        ],
      },
    ],
  },
});

async function withStub(
  respond: (request: StubRequest, index: number, response: ServerResponse) => void,
  body: (url: string, requests: StubRequest[]) => Promise<void>,
): Promise<void> {
  const requests: StubRequest[] = [];
  const server = createHttpServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    request.on('end', () => {
      const entry = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: new URLSearchParams(text),
      };
      requests.push(entry);
      respond(entry, requests.length - 1, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(typeof address === 'object' && address !== null);
  try {
    await body(`http://127.0.0.1:${address.port}`, requests);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const range = { query: 'up', startSeconds: t0, endSeconds: t0 + 30, stepSeconds: 30 };

test('retries 503 twice with exponential backoff, then succeeds', async () => {
  const clock = recordingClock();
  await withStub(
    (_request, index, response) => {
      if (index < 2) {
        response.writeHead(503, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' }),
        );
      } else {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(okMatrix);
      }
    },
    async (url, requests) => {
      const client = new PrometheusClient({ baseUrl: url, clock, retryBaseDelayMs: 100, random: () => 0.5 });
      const result = await client.queryRange(range);
      assert.equal(requests.length, 3);
      assert.deepEqual(clock.sleeps, [100, 200]);
      assert.deepEqual(result[0].labels, { job: 'api' });
      assert.deepEqual(Array.from(result[0].series.values), [1, 2.5]);
      // POST form body with the exact grid parameters.
      assert.equal(requests[0].method, 'POST');
      assert.equal(requests[0].url, '/api/v1/query_range');
      assert.deepEqual(Object.fromEntries(requests[0].body), {
        query: 'up',
        start: `${t0}`,
        end: `${t0 + 30}`,
        step: '30',
      });
    },
  );
});

test('5xx until retries run out: the last Prometheus error, verbatim', async () => {
  await withStub(
    (_request, _index, response) => {
      response.writeHead(503, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out in query execution' }),
      );
    },
    async (url, requests) => {
      const client = new PrometheusClient({ baseUrl: url, clock: recordingClock(), retries: 2 });
      await assert.rejects(
        client.queryRange(range),
        assertPrescaleError('prometheus-error', 'query', 'HTTP 503 timeout: query timed out in query execution'),
      );
      assert.equal(requests.length, 3);
    },
  );
});

test('4xx is not retried', async () => {
  await withStub(
    (_request, _index, response) => {
      response.writeHead(422, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ status: 'error', errorType: 'execution', error: 'expanding series: too many samples' }),
      );
    },
    async (url, requests) => {
      const clock = recordingClock();
      const client = new PrometheusClient({ baseUrl: url, clock });
      await assert.rejects(
        client.queryRange(range),
        assertPrescaleError('prometheus-error', 'query', 'HTTP 422 execution: expanding series: too many samples'),
      );
      assert.equal(requests.length, 1);
      assert.deepEqual(clock.sleeps, []);
    },
  );
});

test('a success envelope that is not a query result names the field in Prescale words, not zod', async () => {
  await withStub(
    (_request, _index, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: 'none' } }));
    },
    async (url) => {
      const client = new PrometheusClient({ baseUrl: url, clock: recordingClock() });
      await assert.rejects(
        client.queryRange(range),
        assertPrescaleError(
          'prometheus-error',
          'prometheus.url',
          'not a Prometheus query result (data.result: expected a list, got "none"; give a list)',
        ),
      );
    },
  );
});

test('a non-API answer (HTML 404) says what it got and how to fix the URL', async () => {
  await withStub(
    (_request, _index, response) => {
      response.writeHead(404, { 'content-type': 'text/html' });
      response.end('<html>404 page not found</html>');
    },
    async (url) => {
      const client = new PrometheusClient({ baseUrl: `${url}/wrong-prefix/`, clock: recordingClock() });
      await assert.rejects(
        client.queryRange(range),
        assertPrescaleError(
          'prometheus-error',
          'prometheus.url',
          `${url}/wrong-prefix/api/v1/query_range: HTTP 404`,
          '404 page not found',
          'server root',
        ),
      );
    },
  );
});

test('a request that times out is retried, then reported as unreachable', async () => {
  await withStub(
    () => {
      // Never answer.
    },
    async (url, requests) => {
      const client = new PrometheusClient({ baseUrl: url, clock: recordingClock(), retries: 1, timeoutSeconds: 0.2 });
      await assert.rejects(
        client.queryRange(range),
        assertPrescaleError('prometheus-unreachable', 'prometheus.url', url, 'no answer within 0.2 s'),
      );
      assert.equal(requests.length, 2);
    },
  );
});

test('bearer token and basic auth are sent as Authorization headers', async () => {
  await withStub(
    (_request, _index, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(okMatrix);
    },
    async (url, requests) => {
      await new PrometheusClient({ baseUrl: url, bearerToken: 's3cret' }).queryRange(range);
      await new PrometheusClient({ baseUrl: url, basicAuth: { username: 'alice', password: 'pa:ss' } }).queryRange(
        range,
      );
      assert.equal(requests[0].headers.authorization, 'Bearer s3cret');
      assert.equal(requests[1].headers.authorization, `Basic ${Buffer.from('alice:pa:ss').toString('base64')}`);
    },
  );
});

test('unreachable: a closed port is prometheus-unreachable naming the URL, after retries', async () => {
  const port = await freePort();
  const clock = recordingClock();
  const client = new PrometheusClient({ baseUrl: `http://127.0.0.1:${port}`, clock, retries: 2 });
  await assert.rejects(
    client.queryRange(range),
    assertPrescaleError(
      'prometheus-unreachable',
      'prometheus.url',
      `http://127.0.0.1:${port}/api/v1/query_range`,
      'ECONNREFUSED',
      'tried 3 times',
    ),
  );
  assert.equal(clock.sleeps.length, 2);
});

test('https with a private CA: works with caFile, fails clearly (without retrying) without it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'prescale-tls-'));
  try {
    // A self-signed certificate for 127.0.0.1 is its own CA. Needs the openssl command (Debian package openssl).
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'pipe' },
    );
    let requests = 0;
    const server = createHttpsServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (_request, response) => {
        requests++;
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(okMatrix);
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    assert.ok(typeof address === 'object' && address !== null);
    const baseUrl = `https://127.0.0.1:${address.port}`;
    try {
      const trusted = new PrometheusClient({ baseUrl, caFile: join(dir, 'cert.pem') });
      assert.deepEqual(Array.from((await trusted.queryRange(range))[0].series.values), [1, 2.5]);
      await trusted.close();
      const clock = recordingClock();
      await assert.rejects(
        new PrometheusClient({ baseUrl, clock }).queryRange(range),
        assertPrescaleError('prometheus-unreachable', 'prometheus.url', 'TLS', '--ca-file'),
      );
      assert.deepEqual(clock.sleeps, []);
      assert.equal(requests, 1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const badOptions: { name: string; input: () => unknown; want: { code: string; field: string } }[] = [
  {
    name: 'baseUrl not a URL',
    input: () => new PrometheusClient({ baseUrl: 'prometheus:9090x y' }),
    want: { code: 'invalid-input', field: 'prometheus.url' },
  },
  {
    name: 'baseUrl not http',
    input: () => new PrometheusClient({ baseUrl: 'ftp://x' }),
    want: { code: 'invalid-input', field: 'prometheus.url' },
  },
  {
    name: 'missing CA file',
    input: () => new PrometheusClient({ baseUrl: 'https://x', caFile: '/nonexistent/ca.pem' }),
    want: { code: 'io-error', field: 'prometheus.caFile' },
  },
];

for (const row of badOptions) {
  test(`client options: ${row.name}`, () => {
    assert.throws(row.input, assertPrescaleError(row.want.code, row.want.field));
  });
}

const badRanges: { name: string; input: Partial<typeof range>; want: string }[] = [
  { name: 'empty query', input: { query: ' ' }, want: 'query' },
  { name: 'end before start', input: { endSeconds: t0 - 1 }, want: 'end' },
  { name: 'zero step', input: { stepSeconds: 0 }, want: 'step' },
  { name: 'NaN start', input: { startSeconds: NaN }, want: 'start' },
];

for (const row of badRanges) {
  test(`queryRange refuses ${row.name} before any request`, async () => {
    const client = new PrometheusClient({ baseUrl: 'http://127.0.0.1:1' });
    await assert.rejects(client.queryRange({ ...range, ...row.input }), assertPrescaleError('invalid-input', row.want));
  });
}

test('selectSeries: an empty result is an empty series; a bad index names the valid range', () => {
  assert.equal(selectSeries('up', []).series.values.length, 0);
  const one = {
    labels: { job: 'a' },
    series: { timestampsSeconds: Float64Array.from([1]), values: Float64Array.from([1]) },
  };
  assert.throws(() => selectSeries('up', [one], 3), assertPrescaleError('invalid-input', 'seriesIndex', 'pick 0..0'));
});
