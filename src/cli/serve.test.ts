import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { saveFittedModel } from '../models/persistence.js';
import { modelDefinition } from '../models/registry.js';
import { repoRoot } from '../testing/paths.js';
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

/** Starts the real CLI and collects its output; resolves the child. */
function prescale(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repoRoot });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  return { child, output: () => text, exited };
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The ports of the service's "prescale serving" log line, once it is written. */
function servingPorts(run: ReturnType<typeof prescale>): Promise<{ api: number; keda: number | null }> {
  return waitFor('the serving log line', () => {
    const line = run
      .output()
      .split('\n')
      .find((l) => l.includes('"prescale serving"'));
    return line === undefined ? undefined : (JSON.parse(line) as { api: number; keda: number | null });
  });
}

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
  const run = prescale(['serve', '--config', config]);
  t.after(() => run.child.kill('SIGKILL'));
  const api = `http://127.0.0.1:${(await servingPorts(run)).api}`;
  const status = await waitFor('a fitted model', async () => {
    const body = (await (await fetch(`${api}/v1/workloads/demo`)).json()) as {
      model: { current: string | null };
      published: { replicas: number };
    };
    return body.model.current === null ? undefined : body;
  });
  assert.equal(status.model.current, 'naive');
  assert.ok(status.published.replicas >= 1);
  assert.equal((await fetch(`${api}/readyz`)).status, 200);
  assert.match(run.output(), /"model refreshed"/);
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
  const api = `http://127.0.0.1:${(await servingPorts(run)).api}`;
  await new Promise((resolve) => setTimeout(resolve, 500)); // a service that stopped on its own would be gone by now
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
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0);
});
