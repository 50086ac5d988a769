// Load on POST /v1/forecast of a running service with a loaded ONNX model (an LSTM trained here on the NASA
// trace, saved, and served from models.serve by `prescale serve` in its own process, as in production: that
// process never loads tfjs), and the batch form. The load generator (autocannon) runs in a third process on the
// same 2-core machine.
// Targets: ≥ 2,000 requests/s with p99 ≤ 5 ms. Command: npx tsx bench/service-forecast.bench.ts
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { readTraceFile } from '../src/collector/trace-file.js';
import type { NeuralOptions } from '../src/models/neural/index.js';
import { saveFittedModel } from '../src/models/persistence.js';
import { modelDefinition } from '../src/models/registry.js';
import { repoRoot, sharedRoot } from '../src/testing/paths.js';

const execFileAsync = promisify(execFile);
const autocannon = join(repoRoot, 'node_modules/autocannon/autocannon.js');
const DURATION_SECONDS = 15;
const CONTEXT_STEPS = 150;
const HORIZON = 30;

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; max: number };
  errors: number;
  non2xx: number;
}

/** An autocannon result with what the server measured of itself meanwhile. */
type CannonRun = CannonResult & {
  cpuMicros: number;
  stallP99Ms: number;
  stallMaxMs: number;
  gcOver1ms: number;
  gcMilliseconds: number;
};

let bodyFiles = 0;

/** What the serving process says of itself on /metrics (prom-client's process metrics). */
interface ServerSample {
  readonly cpuSeconds: number;
  /** Event-loop delay since the previous scrape (prom-client resets it on every scrape), beyond its 10 ms timer. */
  readonly stallP99Ms: number;
  readonly stallMaxMs: number;
  /** Garbage collections so far that paused the process over 1 ms, and all pauses' total. */
  readonly gcOver1ms: number;
  readonly gcSeconds: number;
}

const LOOP_TIMER_MS = 10; // prom-client's eventLoopMonitoringPrecision default: the delay it records includes it

async function serverSample(baseUrl: string): Promise<ServerSample> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  // A labelled histogram has no line before its first observation: GC lines may be absent (zero).
  const sum = (pattern: string, required = true) => {
    const matches = [...text.matchAll(new RegExp(`^${pattern} (\\S+)$`, 'gm'))];
    if (required && matches.length === 0) throw new Error(`${baseUrl}/metrics has no ${pattern}`);
    return matches.reduce((total, match) => total + Number(match[1]), 0);
  };
  return {
    cpuSeconds: sum('process_cpu_seconds_total'),
    stallP99Ms: Math.max(0, sum('nodejs_eventloop_lag_p99_seconds') * 1000 - LOOP_TIMER_MS),
    stallMaxMs: Math.max(0, sum('nodejs_eventloop_lag_max_seconds') * 1000 - LOOP_TIMER_MS),
    gcOver1ms:
      sum('nodejs_gc_duration_seconds_count\\{[^}]*\\}', false) -
      sum('nodejs_gc_duration_seconds_bucket\\{le="0\\.001"[^}]*\\}', false),
    gcSeconds: sum('nodejs_gc_duration_seconds_sum\\{[^}]*\\}', false),
  };
}

/**
 * One autocannon run in a child process (the body from a file: batches exceed the argument limit). Also the
 * server's CPU time per request, which does not depend on what else the shared machine is doing.
 */
async function cannon(url: string, body: string, args: string[]): Promise<CannonRun> {
  const bodyFile = join(dir, `body-${bodyFiles++}.json`);
  await writeFile(bodyFile, body);
  const baseUrl = new URL(url).origin;
  const before = await serverSample(baseUrl);
  const { stdout } = await execFileAsync(
    process.execPath,
    [autocannon, '-m', 'POST', '-H', 'content-type=application/json', '-i', bodyFile, '--json', ...args, url],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const during = await serverSample(baseUrl);
  const result = JSON.parse(stdout) as CannonResult;
  const cpuMicros = ((during.cpuSeconds - before.cpuSeconds) * 1e6) / Math.max(1, result.requests.total);
  return {
    ...result,
    cpuMicros,
    stallP99Ms: during.stallP99Ms,
    stallMaxMs: during.stallMaxMs,
    gcOver1ms: during.gcOver1ms - before.gcOver1ms,
    gcMilliseconds: (during.gcSeconds - before.gcSeconds) * 1000,
  };
}

/** Starts `prescale serve` on a config file and resolves with its API port once it logged that it listens. */
function startServe(configPath: string): Promise<{ child: ChildProcess; apiPort: number }> {
  const child = spawn(process.execPath, [join(repoRoot, 'bin/prescale.mjs'), 'serve', '--config', configPath], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const port = (JSON.parse(line) as { api?: number }).api;
      if (typeof port === 'number') resolve({ child, apiPort: port });
    });
    child.once('exit', (code) => reject(new Error(`prescale serve exited with ${code} before listening`)));
  });
}

function report(what: string, r: CannonRun, perRequest = 1): void {
  const rps = r.requests.average;
  const forecasts =
    perRequest > 1
      ? `  ${Math.round(rps * perRequest)} forecasts/s (server CPU ${Math.round(r.cpuMicros / perRequest)} µs per forecast)`
      : `  server CPU ${Math.round(r.cpuMicros)} µs per request`;
  console.log(
    `${what.padEnd(52)} ${Math.round(rps)} req/s  p50 ${r.latency.p50} ms  p90 ${r.latency.p90} ms  p99 ${r.latency.p99} ms  errors ${r.errors + r.non2xx}${forecasts}  server stalls p99 ${r.stallP99Ms.toFixed(1)} ms, max ${r.stallMaxMs.toFixed(1)} ms, GC ${Math.round(r.gcMilliseconds)} ms (${r.gcOver1ms} pauses > 1 ms)`,
  );
}

const dir = await mkdtemp(join(tmpdir(), 'prescale-bench-'));
const [load1] = loadavg();
console.log(
  `machine: ${cpus().length} cores, load average ${load1.toFixed(1)} at the start (other work shares the cores)`,
);
try {
  const trace = await readTraceFile(join(sharedRoot, 'data/nasa-http/nasa_jul95_requests_per_minute.csv'));
  const week = 7 * 1440;
  const train = {
    startSeconds: trace.series.timestampsSeconds[0],
    stepSeconds: 60,
    values: trace.series.values.slice(0, week),
  };
  const started = performance.now();
  const options: NeuralOptions = { horizonSteps: HORIZON, settings: { maxEpochs: 3, maxTrainingWindows: 3000 } };
  const lstm = await modelDefinition('lstm').create(options).fit(train);
  const modelPath = join(dir, 'nasa-lstm');
  await saveFittedModel(lstm, modelPath);
  console.log(
    `model: lstm (ONNX Runtime), trained ${((performance.now() - started) / 1000).toFixed(0)} s on NASA Jul 1-7 1995, horizon ${HORIZON} × 60 s; saved to ${modelPath}`,
  );

  const configPath = join(dir, 'prescale.yaml');
  const config = {
    api: { listen: '127.0.0.1:0' },
    keda: { enabled: false },
    externalMetrics: { enabled: false },
    models: { dir: join(dir, 'models'), serve: [{ name: 'nasa-lstm', path: modelPath }] },
  };
  await writeFile(configPath, JSON.stringify(config)); // JSON is YAML
  const { child, apiPort } = await startServe(configPath);
  try {
    const url = `http://127.0.0.1:${apiPort}/v1/forecast`;
    const context = (i: number) => ({
      startSeconds: train.startSeconds + (week - CONTEXT_STEPS - i) * 60,
      values: [...trace.series.values.slice(week - CONTEXT_STEPS - i, week - i)],
    });
    const body = JSON.stringify({ model: 'nasa-lstm', series: context(0), horizonSteps: HORIZON });
    console.log(`one request: ${CONTEXT_STEPS} points in, ${HORIZON} points + 80% interval out (${body.length} bytes)`);

    await cannon(url, body, ['-c', '4', '-d', '3']); // warm-up
    report(
      '/v1/forecast, 4 connections, as fast as it goes',
      await cannon(url, body, ['-c', '4', '-d', String(DURATION_SECONDS)]),
    );
    const fixed = await cannon(url, body, ['-c', '8', '-R', '2000', '-d', String(DURATION_SECONDS)]);
    report('/v1/forecast, fixed 2,000 req/s, 8 connections', fixed);
    const pass = fixed.requests.average >= 1990 && fixed.latency.p99 <= 5 && fixed.errors + fixed.non2xx === 0;
    console.log(`target ≥ 2,000 req/s with p99 ≤ 5 ms: ${pass ? 'met' : 'NOT met'}`);

    for (const size of [10, 100, 1000]) {
      const batch = JSON.stringify({
        model: 'nasa-lstm',
        series: Array.from({ length: size }, (_, i) => context(i % 500)),
        horizonSteps: HORIZON,
      });
      const result = await cannon(`${url}/batch`, batch, ['-c', '2', '-d', '10']);
      report(`/v1/forecast/batch, ${size} series per request (${(batch.length / 1024).toFixed(0)} KiB)`, result, size);
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
