import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isPrescaleError as assertPrescaleError } from '../testing/prescale-error.js';
import { freePort } from '../testing/prometheus-server.js';
import { recordingClock } from '../testing/recording-clock.js';
import { PrometheusClient, rangeChunks, selectSeries } from './prometheus.js';

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

const t0 = 1_700_000_000;

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
