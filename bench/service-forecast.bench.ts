// Load on POST /v1/forecast of a running service with a loaded ONNX model (an LSTM trained here on the NASA
// trace, saved and served from models.serve, as in production), and the batch form. The load generator
// (autocannon) runs in its own process on the same 2-core machine.
// Targets: ≥ 2,000 requests/s with p99 ≤ 5 ms. Command: npx tsx bench/service-forecast.bench.ts
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readTraceFile } from '../src/collector/trace-file.js';
import { safeParseServiceConfig } from '../src/config/service.js';
import type { NeuralOptions } from '../src/models/neural/index.js';
import { saveFittedModel } from '../src/models/persistence.js';
import { modelDefinition } from '../src/models/registry.js';
import { PrescaleService } from '../src/predictor/index.js';
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

let bodyFiles = 0;

/**
 * One autocannon run in a child process (the body from a file: batches exceed the argument limit). Also the
 * server's CPU time per request, which does not depend on what else the shared machine is doing.
 */
async function cannon(url: string, body: string, args: string[]): Promise<CannonResult & { cpuMicros: number }> {
  const bodyFile = join(dir, `body-${bodyFiles++}.json`);
  await writeFile(bodyFile, body);
  const before = process.cpuUsage();
  const { stdout } = await execFileAsync(
    process.execPath,
    [autocannon, '-m', 'POST', '-H', 'content-type=application/json', '-i', bodyFile, '--json', ...args, url],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const cpu = process.cpuUsage(before);
  const result = JSON.parse(stdout) as CannonResult;
  return { ...result, cpuMicros: (cpu.user + cpu.system) / Math.max(1, result.requests.total) };
}

function report(what: string, r: CannonResult & { cpuMicros: number }, perRequest = 1): void {
  const rps = r.requests.average;
  const forecasts =
    perRequest > 1
      ? `  ${Math.round(rps * perRequest)} forecasts/s (server CPU ${Math.round(r.cpuMicros / perRequest)} µs per forecast)`
      : `  server CPU ${Math.round(r.cpuMicros)} µs per request`;
  console.log(
    `${what.padEnd(52)} ${Math.round(rps)} req/s  p50 ${r.latency.p50} ms  p90 ${r.latency.p90} ms  p99 ${r.latency.p99} ms  errors ${r.errors + r.non2xx}${forecasts}`,
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

  const parsed = safeParseServiceConfig({
    api: { listen: '127.0.0.1:0' },
    keda: { enabled: false },
    externalMetrics: { enabled: false },
    models: { dir: join(dir, 'models'), serve: [{ name: 'nasa-lstm', path: modelPath }] },
  });
  if (!parsed.success) throw new Error(JSON.stringify(parsed.issues));
  const service = await PrescaleService.start(parsed.data, { processMetrics: false });
  try {
    const url = `http://127.0.0.1:${service.ports.api}/v1/forecast`;
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
    await service.stop();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
