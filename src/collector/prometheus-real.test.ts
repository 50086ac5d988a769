// The Prometheus client against a real Prometheus (Debian's package) preloaded with the NASA trace.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RawSeries } from '../core/index.js';
import { isPrescaleError as assertPrescaleError } from '../testing/prescale-error.js';
import { type PrometheusServer, startPrometheus } from '../testing/prometheus-server.js';
import { recordingClock } from '../testing/recording-clock.js';
import { PrometheusClient, PrometheusSource, sumByTimestamp } from './prometheus.js';
import { readTraceFile } from './trace-file.js';

const nasaPath = fileURLToPath(
  new URL('../../../shared/data/nasa-http/nasa_jul95_requests_per_minute.csv', import.meta.url),
);

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
