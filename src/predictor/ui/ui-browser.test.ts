// The built-in UI in headless Chromium (Debian's `chromium`, as .ci/run installs it), against a real service on
// 127.0.0.1 reading a Prometheus HTTP API stand-in; the service's clock is a manual one, so each refresh shows
// a known new sync.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { safeParseServiceConfig } from '../../config/service.js';
import { CHROMIUM_PATH } from '../../experiments/screenshot.js';
import { ManualClock } from '../../testing/manual-clock.js';
import { minimalWorkload } from '../../testing/workload-fixtures.js';
import { PrescaleService } from '../service.js';
import { inProcessTrainer } from '../trainer.js';

const T0 = 1_800_000_000;
const STEP = 60;

/** Requests per second at `t`: a slow wave, different per workload so the two cards differ. */
const loadAt = (app: string, t: number) => (app === 'api' ? 300 : 120) + 80 * Math.sin(t / 1800);

let prometheus: Server;
let service: PrescaleService;
let clock: ManualClock;
let dir: string;
let browser: BrowserContext;

before(async () => {
  prometheus = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const params = new URLSearchParams(request.method === 'POST' ? body : (request.url ?? '').split('?')[1]);
      const query = params.get('query') ?? '';
      const app = /app="(\w+)"/.exec(query)?.[1] ?? '';
      response.setHeader('content-type', 'application/json');
      if ((request.url ?? '').startsWith('/api/v1/query_range')) {
        const values: [number, string][] = [];
        const end = Number(params.get('end'));
        for (let t = Number(params.get('start')); t <= end; t += Number(params.get('step'))) {
          values.push([t, String(loadAt(app, t))]);
        }
        response.end(
          JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } }),
        );
      } else {
        // The replicas query: three pods running.
        const time = Number(params.get('time'));
        const result = [{ metric: {}, value: [time, '3'] }];
        response.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
      }
    });
  });
  await new Promise<void>((resolve) => prometheus.listen(0, '127.0.0.1', resolve));
  const address = prometheus.address();
  const prometheusUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  dir = await mkdtemp(join(tmpdir(), 'prescale-ui-'));
  const workload = (name: string) =>
    minimalWorkload(
      {
        integration: 'KEDA',
        metric: { query: `sum(rate(http_requests_total{app="${name}"}[1m]))`, step: `${STEP}s` },
        prediction: { history: '6h' },
        predictionHorizon: '10m',
        // Headroom keeps the desired replicas apart from the current ones, so both lines of the chart show.
        planner: { syncPeriod: `${STEP}s`, podStartup: '3m', headroomPercent: 10 },
        maxReplicas: 30,
      },
      {
        metadata: { name, namespace: 'shop' },
        queries: { replicas: `sum(kube_deployment_spec_replicas{app="${name}"})` },
      },
    );
  const parsed = safeParseServiceConfig({
    prometheus: { url: prometheusUrl, retries: 0 },
    api: { listen: '127.0.0.1:0' },
    keda: { listen: '127.0.0.1:0' },
    externalMetrics: { enabled: false },
    models: { dir: join(dir, 'models') },
    loop: { trainer: 'in-process' },
    workloads: [workload('api'), workload('web')],
  });
  assert.ok(parsed.success, JSON.stringify(!parsed.success && parsed.issues));
  clock = new ManualClock(T0 * 1000);
  service = await PrescaleService.start(parsed.data, { clock, trainer: inProcessTrainer, processMetrics: false });
  // The first sync starts the fits; the next ones forecast: twenty minutes of history for the charts.
  await service.syncAll();
  await service.whenIdle();
  for (let i = 0; i < 20; i++) await nextSync();
  const { chromium } = await import('playwright-core');
  browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    headless: true,
    viewport: { width: 1100, height: 1400 },
    deviceScaleFactor: 1,
  });
});

after(async () => {
  await browser?.close();
  await service?.stop();
  await new Promise<void>((resolve) => prometheus.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

async function nextSync(): Promise<void> {
  clock.advance(STEP * 1000);
  await service.syncAll();
}

/** Opens the UI, recording console errors, page errors and every request the page makes. */
async function openUi(): Promise<{ page: Page; errors: string[]; requests: string[]; base: string }> {
  const base = `http://127.0.0.1:${service.ports.api}`;
  const page = await browser.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') errors.push(message.text());
  });
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(`${base}/ui?refresh=0.2`, { waitUntil: 'load' });
  await page.waitForFunction(() => document.querySelectorAll('section.workload canvas').length === 4);
  return { page, errors, requests, base };
}

interface ChartPixels {
  readonly key: string;
  readonly loadLine: number;
  readonly forecastLine: number;
  readonly intervalBand: number;
  readonly desiredLine: number;
  readonly currentLine: number;
}

/**
 * Per workload card, the pixels of each chart canvas drawn in a series colour (the load blue, the forecast
 * orange, the interval band's light orange). A string: tsx would wrap a function's inner helpers in a `__name` the page does not have.
 */
const SERIES_PIXELS = `(() => {
  const count = (canvas, rgb) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i] - rgb[0]) + Math.abs(data[i + 1] - rgb[1]) + Math.abs(data[i + 2] - rgb[2]) < 30) n++;
    }
    return n;
  };
  const blue = [31, 111, 235];
  const orange = [232, 89, 12];
  const band = [252, 230, 219]; // the orange at 15 % over white
  return [...document.querySelectorAll('section.workload')].map((card) => {
    const [load, replicas] = card.querySelectorAll('canvas');
    return {
      key: card.getAttribute('data-workload'),
      loadLine: count(load, blue),
      forecastLine: count(load, orange),
      intervalBand: count(load, band),
      desiredLine: count(replicas, orange),
      currentLine: count(replicas, blue),
    };
  });
})()`;

async function fact(page: Page, workload: string, name: string): Promise<string> {
  const value = page.locator(`section[data-workload="${workload}"] .facts div`, { hasText: name }).locator('dd');
  return (await value.textContent()) ?? '';
}

test('/ui shows every workload with its charts, model, fallback state and decisions, from this service alone', async () => {
  const { page, errors, requests, base } = await openUi();
  assert.deepEqual(errors, []);
  const foreign = requests.filter((url) => !url.startsWith(`${base}/`));
  assert.deepEqual(foreign, [], 'no request leaves the service');
  assert.ok(
    requests.some((url) => url.endsWith('/ui/uPlot.iife.min.js')),
    'uPlot comes from the service',
  );

  assert.deepEqual(
    await page.locator('section.workload').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-workload'))),
    ['shop/api', 'shop/web'],
  );
  for (const chart of (await page.evaluate(SERIES_PIXELS)) as ChartPixels[]) {
    for (const [line, pixels] of Object.entries(chart)) {
      if (line !== 'key') assert.ok(Number(pixels) > 200, `${chart.key}: the ${line} is drawn (${pixels} px)`);
    }
  }
  const status = await (await fetch(`${base}/v1/workloads/api`)).json();
  assert.equal(await fact(page, 'shop/api', 'model'), 'naive');
  assert.equal(await fact(page, 'shop/api', 'published replicas'), `${status.published.replicas} (plan)`);
  assert.equal(await fact(page, 'shop/api', 'current replicas'), '3');
  assert.equal(await page.locator('section[data-workload="shop/api"] .badge').textContent(), 'predictive');
  assert.equal(await page.locator('section[data-workload="shop/api"] .reason').textContent(), status.published.reason);
  const firstDecision = page.locator('section[data-workload="shop/api"] .decisions tr').nth(1);
  assert.match(String(await firstDecision.textContent()), /plan/);
  await page.close();
});

test('the page follows the service: a new sync and a workload in fallback show without a reload', async () => {
  const { page, errors } = await openUi();
  const lastSync = await fact(page, 'shop/web', 'last sync');
  const pointsBefore = await page.evaluate(() => Number(document.body.dataset.refreshes));
  // Prometheus goes away: the next syncs fail to read and the workloads fall back.
  await new Promise<void>((resolve) => {
    prometheus.close(() => resolve());
    prometheus.closeAllConnections();
  });
  for (let i = 0; i < 3; i++) await nextSync();
  await page.waitForFunction((before) => Number(document.body.dataset.refreshes) > before + 1, pointsBefore);
  await page.waitForFunction(
    () => document.querySelector('section[data-workload="shop/web"] .badge')?.textContent === 'fallback',
  );
  assert.notEqual(await fact(page, 'shop/web', 'last sync'), lastSync);
  const reason = String(await page.locator('section[data-workload="shop/web"] .reason').textContent());
  assert.match(reason, /prometheus/i);
  const newest = String(await page.locator('section[data-workload="shop/web"] .decisions tr').nth(1).textContent());
  assert.match(newest, /fallback/);
  assert.deepEqual(errors, []);
  await page.close();
});
