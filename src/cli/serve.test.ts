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

interface PrescaleRun {
  readonly child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Resolves with the first log line (stdout) containing `fragment`, as soon as it is printed. */
  logLine(fragment: string): Promise<string>;
  readonly exited: Promise<number>;
}

/** Starts the real CLI and collects its output. */
function prescale(args: string[]): PrescaleRun {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repoRoot });
  let text = '';
  let stdout = '';
  const waiting: (() => void)[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    stdout += chunk.toString();
    for (const check of [...waiting]) check();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  // 'close', not 'exit': the output may still be arriving when the process has exited.
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? -1)));
  const logLine = (fragment: string) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = stdout.split('\n').find((l, i, all) => i < all.length - 1 && l.includes(fragment));
        if (line === undefined) return false;
        if (waiting.includes(check)) waiting.splice(waiting.indexOf(check), 1);
        resolve(line);
        return true;
      };
      waiting.push(check);
      if (check()) return;
      exited.then((code) => {
        if (!check()) reject(new Error(`exited (${code}) before printing ${fragment}:\n${text}`));
      });
    });
  return { child, output: () => text, logLine, exited };
}

/** The ports of the service's "prescale serving" log line, once it is written. */
async function servingPorts(run: PrescaleRun): Promise<{ api: number; keda: number | null }> {
  return JSON.parse(await run.logLine('"prescale serving"')) as { api: number; keda: number | null };
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
