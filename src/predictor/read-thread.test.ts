import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PrometheusClient, PrometheusSource } from '../collector/prometheus.js';
import { PrescaleError } from '../core/index.js';
import { type SyntheticPrometheus, startSyntheticPrometheus } from '../testing/synthetic-prometheus.js';
import { ReadThread } from './read-thread.js';

// The training reads' worker thread against a real HTTP server on 127.0.0.1 answering as Prometheus does.

const NOW = 1_800_000_000;
const load = (t: number) => 400 + 300 * Math.sin((2 * Math.PI * t) / 86_400);
let prometheus: SyntheticPrometheus;
const thread = new ReadThread();

before(async () => {
  prometheus = await startSyntheticPrometheus({ load });
});
after(async () => {
  await thread.close();
  await prometheus.close();
});

test('two weeks of minutes read in the worker equal the same read on the calling thread', async () => {
  // 20,161 steps: two requests under Prometheus' 11,000-step limit, joined in the worker.
  const query = { query: 'load', startSeconds: NOW - 14 * 86_400, endSeconds: NOW, stepSeconds: 60 };
  const client = new PrometheusClient({ baseUrl: prometheus.url, retries: 0 });
  const here = await new PrometheusSource(client, { sumSeries: true }).range(query);
  await client.close();
  const there = await thread.source({ baseUrl: prometheus.url, retries: 0 }).range(query);
  assert.equal(there.values.length, 20_161);
  assert.deepEqual(there.timestampsSeconds, here.timestampsSeconds);
  assert.deepEqual(there.values, here.values);
});

test("a failed read comes back as Prometheus' PrescaleError, its code and field kept", async () => {
  const query = { query: 'no_such_metric', startSeconds: NOW - 3600, endSeconds: NOW, stepSeconds: 60 };
  await assert.rejects(thread.source({ baseUrl: prometheus.url, retries: 0 }).range(query), (error: unknown) => {
    assert.ok(error instanceof PrescaleError, String(error));
    assert.equal(error.code, 'prometheus-error');
    assert.equal(error.field, 'query');
    assert.match(error.message, /bad_data: unknown query no_such_metric/);
    return true;
  });
});

test("an aborted read is given up at once with the signal's reason; the thread goes on serving", async () => {
  const query = { query: 'load', startSeconds: NOW - 3600, endSeconds: NOW, stepSeconds: 60 };
  const source = thread.source({ baseUrl: prometheus.url, retries: 0 });
  const controller = new AbortController();
  const reading = source.range(query, controller.signal);
  controller.abort(new Error('workload removed'));
  await assert.rejects(reading, /workload removed/);
  assert.equal((await source.range(query)).values.length, 61);
});
