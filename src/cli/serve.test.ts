import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { saveFittedModel } from '../models/persistence.js';
import { modelDefinition } from '../models/registry.js';
import { prescale, servingPorts } from '../testing/prescale-cli.js';
import { type PrometheusServer, startPrometheus } from '../testing/prometheus-server.js';
import { tempDir } from '../testing/temp-dir.js';

let prometheus: PrometheusServer;

before(async () => {
  // Two hours of a sine load ending now, so the service finds fresh data at once.
  const now = Math.floor(Date.now() / 1000 / 30) * 30;
  const times = Array.from({ length: 240 }, (_, i) => now - (239 - i) * 30);
  prometheus = await startPrometheus([
    {
      name: 'demo_requests_per_second',
      labels: { job: 'demo' },
      series: {
        timestampsSeconds: Float64Array.from(times),
        values: Float64Array.from(times, (t) => 50 + 30 * Math.sin(t / 600)),
      },
    },
  ]);
});

after(() => prometheus.stop());

test('prescale serve runs the loop with the worker trainer, serves the API, and stops cleanly on SIGTERM', async (t) => {
  const dir = await tempDir(t);
  const config = join(dir, 'prescale.yaml');
  await writeFile(
    config,
    stringify({
      prometheus: { url: prometheus.url, retries: 0 },
      api: { listen: '127.0.0.1:0' },
      keda: { listen: '127.0.0.1:0' },
      externalMetrics: { enabled: false },
      models: { dir: join(dir, 'models') },
      workloads: [
        {
          metadata: { name: 'demo', namespace: 'default' },
          spec: {
            targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'demo' },
            integration: 'KEDA',
            model: 'naive',
            metric: { query: 'demo_requests_per_second{job="demo"}', step: '30s' },
            capacity: { perPod: 10 },
            prediction: { history: '1h' },
          },
        },
      ],
    }),
  );
  // A model saved for a workload the file no longer lists (removed while the service was down).
  await mkdir(join(dir, 'models'));
  await writeFile(join(dir, 'models', 'default_gone_0123456789ab.model'), '{}');
  const run = prescale(['serve', '--config', config]);
  t.after(() => run.child.kill('SIGKILL'));
  const api = `http://127.0.0.1:${(await servingPorts(run)).api}`;
  assert.match(await run.logLine('"saved models of removed workloads deleted"'), /"workloads":\["default\/gone"\]/);
  assert.equal(existsSync(join(dir, 'models', 'default_gone_0123456789ab.model')), false);
  // The first sync starts the fit in the worker and finishes without waiting for it, so once the fit is in, the
  // workload has synced too.
  assert.match(await run.logLine('"model refreshed"'), /"workload":"demo"/);
  const status = (await (await fetch(`${api}/v1/workloads/demo`)).json()) as {
    model: { current: string | null };
    published: { replicas: number };
  };
  assert.equal(status.model.current, 'naive');
  assert.ok(status.published.replicas >= 1);
  assert.equal((await fetch(`${api}/readyz`)).status, 200);
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0);
  assert.match(run.output(), /"stopped"/);
});

test('prescale serve refuses a bad config with the file, line and field, exit 2', async (t) => {
  const dir = await tempDir(t);
  const config = join(dir, 'bad.yaml');
  await writeFile(config, 'api:\n  listen: 8080\n');
  const run = prescale(['serve', '--config', config]);
  assert.equal(await run.exited, 2);
  assert.match(run.output(), new RegExp(`prescale: ${config}:2: api\\.listen: `));
});

test('prescale serve with saved models and no workloads keeps answering until SIGTERM', async (t) => {
  const dir = await tempDir(t);
  const hourly = {
    startSeconds: 0,
    stepSeconds: 3600,
    values: Float64Array.from({ length: 96 }, (_, i) => 10 + (i % 24)),
  };
  const modelPath = join(dir, 'seasonal');
  await saveFittedModel(await modelDefinition('seasonal-naive').create({ horizonSteps: 6 }).fit(hourly), modelPath);
  const config = join(dir, 'prescale.yaml');
  await writeFile(
    config,
    stringify({
      api: { listen: '127.0.0.1:0' },
      keda: { enabled: false },
      externalMetrics: { enabled: false },
      models: { dir: join(dir, 'models'), serve: [{ name: 'seasonal', path: modelPath }] },
    }),
  );
  const run = prescale(['serve', '--config', config]);
  t.after(() => run.child.kill('SIGKILL'));
  // "prescale serving" is logged as the service starts running: a service that stopped on its own (its run over
  // with no workload to loop on) would start closing in the same turn of its event loop, before it could read this
  // request, and answer 503 or not at all.
  const api = `http://127.0.0.1:${(await servingPorts(run)).api}`;
  const response = await fetch(`${api}/v1/forecast`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'seasonal',
      series: { startSeconds: 0, step: '1h', values: [...hourly.values] },
      horizonSteps: 6,
    }),
  });
  const answer = await response.text();
  assert.equal(response.status, 200, answer);
  assert.deepEqual((JSON.parse(answer) as { point: number[] }).point, [10, 11, 12, 13, 14, 15]);
  assert.equal(run.child.exitCode, null, 'still running');
  assert.doesNotMatch(run.output(), /"stopped"/);
  run.child.kill('SIGTERM');
  // It stops because it was told to: the signal is logged, then the stop.
  assert.match(await run.logLine('"stopping"'), /"signal":"SIGTERM"/);
  assert.equal(await run.exited, 0);
  assert.ok(run.output().indexOf('"stopping"') < run.output().indexOf('"stopped"'), run.output());
});
