// `prescale demo` as a user runs it: the real CLI process, its printed URLs, its API, and Ctrl-C (SIGINT).
// The real-Prometheus run needs Debian's prometheus (as .ci/run installs it).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { systemClock } from '../core/index.js';
import { type PrescaleRun, prescale } from '../testing/prescale-cli.js';
import { startDemoApp } from './demo-run.js';

/** The must-show: a first forecast within a minute of typing the command. */
const FIRST_FORECAST_DEADLINE_MS = 60_000;

/** The URL printed on the line that starts with `label`. */
async function printedUrl(run: PrescaleRun, label: string): Promise<string> {
  const line = await run.logLine(label);
  const url = /(http:\/\/127\.0\.0\.1:\d+\S*)/.exec(line)?.[1];
  assert.ok(url !== undefined, `no URL on ${line}`);
  return url;
}

/**
 * True when nothing listens at `url` any more. A keep-alive connection pooled before the server closed fails
 * once with a socket error; the next attempt connects afresh and is refused.
 */
async function refused(url: string): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return false;
    } catch (error) {
      if ((error as Error & { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') return true;
    }
  }
  return false;
}

async function demoReachesAForecastAndStopsOnCtrlC(flags: string[], prometheusKind: RegExp): Promise<void> {
  const startedMs = systemClock.nowMs();
  const run = prescale(['demo', '--listen', '127.0.0.1:0', ...flags]);
  try {
    const api = (await printedUrl(run, '  API:')).replace(/\/v1\/workloads$/, '');
    const ui = await printedUrl(run, '  UI:');
    const prometheus = await printedUrl(run, '  Prometheus:');
    const demoApp = await printedUrl(run, '  demo app:');
    assert.match(await run.logLine('  Prometheus:'), prometheusKind);

    // Poll the API the way a user would watch it, until the workload has a forecast.
    let forecastPoints = 0;
    while (forecastPoints === 0) {
      assert.ok(
        systemClock.nowMs() - startedMs < FIRST_FORECAST_DEADLINE_MS,
        `no forecast within ${FIRST_FORECAST_DEADLINE_MS / 1000} s:\n${run.output()}`,
      );
      const { workloads } = (await (await fetch(`${api}/v1/workloads`)).json()) as { workloads: { name: string }[] };
      assert.deepEqual(
        workloads.map((w) => w.name),
        ['demo'],
      );
      const status = (await (await fetch(`${api}/v1/workloads/demo`)).json()) as {
        forecast: { point: number[] } | null;
        data: { load: number | null };
      };
      forecastPoints = status.forecast?.point.length ?? 0;
      if (forecastPoints > 0) {
        // What it forecasts is the replayed trace: tens to hundreds of requests per second, never nothing.
        assert.ok((status.data.load ?? 0) > 1, `load ${status.data.load}`);
        assert.ok(status.forecast!.point.every((v) => Number.isFinite(v) && v > 0));
      }
      await systemClock.sleep(500);
    }
    assert.equal(forecastPoints, 60, 'a 60 s horizon at a 1 s step');
    assert.match(await (await fetch(ui)).text(), /<title>Prescale<\/title>/);
    const scraped = await (await fetch(demoApp)).text();
    assert.match(scraped, /^demo_http_requests_total \d/m);
    assert.match(scraped, /^kube_deployment_spec_replicas\{namespace="demo",deployment="demo"\} \d+/m);

    run.child.kill('SIGINT');
    assert.equal(await run.exited, 0, run.output());
    assert.match(run.output(), /prescale demo: stopped/);
    for (const url of [api, prometheus, demoApp]) assert.ok(await refused(url), `${url} still answers after Ctrl-C`);
  } finally {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
  }
}

test('prescale demo with Prometheus: a first forecast within 60 s, and Ctrl-C stops every part', async () => {
  await demoReachesAForecastAndStopsOnCtrlC([], /\(prometheus\)/);
});

test('prescale demo --embedded-prometheus: the same without a Prometheus process', async () => {
  await demoReachesAForecastAndStopsOnCtrlC(['--embedded-prometheus'], /\(embedded scrape/);
});

test('prescale demo refuses a bad --speed, naming the flag', async () => {
  const run = prescale(['demo', '--speed', 'fast']);
  assert.equal(await run.exited, 2);
  assert.match(run.output(), /--speed: "fast" is not a number in \(0, 3600\]; try 60/);
});

test("prescale demo --app-only (docker-compose.yml's demo app) scales its Deployment to what Prescale publishes", async (t) => {
  // Prescale's API as the demo app reads it: the demo workload publishes 5 replicas.
  const prescaleApi = createServer((request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(
      JSON.stringify(request.url === '/v1/workloads/demo?namespace=demo' ? { published: { replicas: 5 } } : {}),
    );
  });
  await new Promise<void>((resolve) => prescaleApi.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => prescaleApi.close(() => resolve())));
  const address = prescaleApi.address();
  const prescaleUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  const app = await startDemoApp({ speed: 60, listen: '127.0.0.1:0', prescaleUrl });
  let stopped = false;
  t.after(async () => {
    if (!stopped) await app.stop();
  });
  const specReplicas = async () =>
    /^kube_deployment_spec_replicas\{namespace="demo",deployment="demo"\} (\d+)/m.exec(
      await (await fetch(app.metricsUrl)).text(),
    )?.[1];
  assert.equal(await specReplicas(), '2', 'the initial replicas');
  const deadline = systemClock.nowMs() + 10_000;
  while ((await specReplicas()) !== '5') {
    assert.ok(systemClock.nowMs() < deadline, 'the Deployment never followed the published 5 replicas');
    await systemClock.sleep(200);
  }
  await app.stop();
  stopped = true;
  assert.ok(await refused(app.metricsUrl));
});
