import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { generate } from 'selfsigned';
import { safeParseServiceConfig } from '../config/service.js';
import { externalScalerLoaderOptions, externalScalerProtoPath } from '../executor/keda.js';
import { ManualClock } from '../testing/manual-clock.js';
import { repoRoot } from '../testing/paths.js';
import { type PrometheusServer, startPrometheus } from '../testing/prometheus-server.js';
import { tempDir } from '../testing/temp-dir.js';
import { PRESCALE_VERSION } from './metrics.js';
import { PrescaleService } from './service.js';
import { inProcessTrainer } from './trainer.js';
import type { WorkloadStatus } from './workload-status.js';

// A real running service (process metrics on, as `prescale serve` runs it) against a real Prometheus on 127.0.0.1:
// a KEDA workload with a latency and a replicas query, a price per pod and an SLO, and an HPA workload served by the
// External Metrics API over TLS. After a few syncs and a request to every server, its /metrics passes
// `promtool check metrics` with no complaint, the values are the service's own, and every family is documented.

const T0 = 1_700_000_000;
const LOAD = 100;
const PER_POD = 20;
const REPLICAS_NOW = 4;
const LATENCY_SECONDS = 0.2;
const COST_PER_POD_HOUR = 0.05;
const SLO_LOAD_PER_POD = 25;

let prometheus: PrometheusServer;
before(async () => {
  const times = Float64Array.from({ length: 240 }, (_, i) => T0 - 120 * 60 + i * 60);
  const constant = (value: number) => Float64Array.from(times, () => value);
  prometheus = await startPrometheus([
    {
      name: 'shop_requests_per_minute',
      labels: { job: 'web' },
      series: { timestampsSeconds: times, values: constant(LOAD) },
    },
    { name: 'shop_latency_p95_seconds', series: { timestampsSeconds: times, values: constant(LATENCY_SECONDS) } },
    { name: 'shop_replicas', series: { timestampsSeconds: times, values: constant(REPLICAS_NOW) } },
  ]);
});
after(() => prometheus.stop());

/** Runs Debian's `promtool check metrics` on an exposition (stdin): its exit code and what it printed. */
function promtoolCheckMetrics(exposition: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics']);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
    child.stdin.end(exposition);
  });
}

/** GET over HTTPS trusting `ca`: the status code. */
function httpsGet(port: number, path: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, ca }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a live scrape of /metrics is clean for promtool, follows the naming conventions, and reports the service’s values', async (t) => {
  const dir = await tempDir(t);
  const pems = await generate([{ name: 'commonName', value: 'prescale' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  await writeFile(join(dir, 'tls.crt'), pems.cert);
  await writeFile(join(dir, 'tls.key'), pems.private);
  const workload = (name: string, integration: 'KEDA' | 'HPA') => ({
    metadata: { name, namespace: 'shop' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      integration,
      model: 'naive',
      predictionHorizon: '10m',
      metric: { query: 'shop_requests_per_minute{job="web"}', step: '60s' },
      capacity: { perPod: PER_POD },
      planner: { headroomPercent: 0, slo: { maxLoadPerPod: SLO_LOAD_PER_POD } },
      prediction: { history: '1h', retrainEvery: '1h' },
      minReplicas: 1,
      maxReplicas: 20,
    },
    queries: { latency: 'max(shop_latency_p95_seconds)', replicas: 'sum(shop_replicas)' },
    pod: { costPerPodHour: COST_PER_POD_HOUR },
  });
  const parsed = safeParseServiceConfig({
    prometheus: { url: prometheus.url, retries: 0, timeout: '5s' },
    api: { listen: '127.0.0.1:0' },
    keda: { listen: '127.0.0.1:0' },
    externalMetrics: { listen: '127.0.0.1:0', certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') },
    models: { dir: join(dir, 'models') },
    loop: { trainer: 'in-process' },
    workloads: [workload('web', 'KEDA'), workload('web-hpa', 'HPA')],
  });
  assert.ok(parsed.success, JSON.stringify(!parsed.success && parsed.issues));
  const clock = new ManualClock(T0 * 1000);
  const service = await PrescaleService.start(parsed.data, { clock, trainer: inProcessTrainer });
  t.after(() => service.stop());

  // Syncs every 30 s until the plan is published (fit, then recoverAfter), remembering what each published.
  const publishedBySync: number[] = [];
  let web: WorkloadStatus;
  for (;;) {
    await service.syncAll();
    await service.whenIdle();
    web = service.statuses().find((s) => s.name === 'web')!;
    publishedBySync.push(web.published.replicas);
    if (web.published.source === 'plan' && publishedBySync.length > 6) break;
    assert.ok(publishedBySync.length < 20, 'the plan is published within 10 minutes');
    await clock.advance(30_000);
  }

  // A request to every server: the API (a hit and a 404), the KEDA scaler (an answer and a NotFound) and the
  // External Metrics API.
  const api = `http://127.0.0.1:${service.ports.api}`;
  assert.equal((await fetch(`${api}/v1/workloads/web`)).status, 200);
  assert.equal((await fetch(`${api}/v1/workloads/nosuch`)).status, 404);
  const definition = protoLoader.loadSync(externalScalerProtoPath, externalScalerLoaderOptions);
  const proto = grpc.loadPackageDefinition(definition) as unknown as {
    externalscaler: { ExternalScaler: new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client };
  };
  const client = new proto.externalscaler.ExternalScaler(
    `127.0.0.1:${service.ports.keda}`,
    grpc.credentials.createInsecure(),
  ) as grpc.Client & { IsActive(request: object, cb: (e: grpc.ServiceError | null, r: unknown) => void): void };
  t.after(() => client.close());
  const isActive = (workloadName: string) =>
    new Promise<grpc.status>((resolve) =>
      client.IsActive({ name: 'x', namespace: 'shop', scalerMetadata: { workload: workloadName } }, (error) =>
        resolve(error?.code ?? grpc.status.OK),
      ),
    );
  assert.equal(await isActive('web'), grpc.status.OK);
  assert.equal(await isActive('nosuch'), grpc.status.NOT_FOUND);
  const externalPath = '/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/prescale_desired_replicas';
  assert.equal(await httpsGet(service.ports.externalMetrics ?? 0, externalPath, pems.cert), 200);

  const scrape = await (await fetch(`${api}/metrics`)).text();
  const checked = await promtoolCheckMetrics(scrape);
  assert.deepEqual(checked, { code: 0, output: '' }, 'promtool check metrics: clean');

  const families = [...scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => ({ name: m[1], type: m[2] }));
  const names = families.map((f) => f.name);
  // Conventions promtool does not check: ratios not percents, standard process and Node.js names.
  assert.deepEqual(
    names.filter((name) => /percent|_ms$|^prescale_(process|nodejs)_/.test(name)),
    [],
  );
  for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds']) {
    assert.ok(names.includes(name), name);
  }
  for (const { name, type } of families) {
    assert.equal(name.endsWith('_total'), type === 'counter', `${name} (${type}): _total exactly on counters`);
  }
  const horizons = [...scrape.matchAll(/horizon_seconds="([^"]*)"/g)].map((m) => m[1]);
  assert.ok(horizons.length > 0 && horizons.every((h) => /^\d+$/.test(h)), 'numeric horizon labels only');

  const value = (series: string) => {
    const line = scrape.split('\n').find((l) => l.startsWith(`${series} `));
    assert.ok(line !== undefined, `no ${series} on /metrics`);
    return Number(line.slice(series.length + 1));
  };
  const w = 'workload="web",namespace="shop"';
  assert.equal(value(`prescale_build_info{version="${PRESCALE_VERSION}",node_version="${process.version}"}`), 1);
  // One published series per workload; its source on a series of its own.
  assert.deepEqual(
    scrape.split('\n').filter((l) => l.startsWith(`prescale_desired_replicas{${w}}`)),
    [`prescale_desired_replicas{${w}} ${web.published.replicas}`],
  );
  assert.equal(value(`prescale_desired_replicas_source{${w},source="plan"}`), 1);
  for (const source of ['reactive', 'last-published', 'min-replicas']) {
    assert.equal(value(`prescale_desired_replicas_source{${w},source="${source}"}`), 0);
  }
  const reactive = Math.ceil(LOAD / PER_POD);
  assert.equal(value(`prescale_reactive_replicas{${w}}`), reactive);
  assert.equal(value(`prescale_planned_replicas{${w}}`), web.plan?.decision.desiredReplicas);
  assert.equal(value(`prescale_current_replicas{${w}}`), REPLICAS_NOW);
  assert.equal(value(`prescale_current_load{${w}}`), LOAD);
  assert.equal(value(`prescale_spec_max_replicas{${w}}`), 20);
  // The forecast at 1 minute and at the horizon, with its interval.
  for (const horizon of ['60', '600']) {
    assert.equal(value(`prescale_forecast{${w},horizon_seconds="${horizon}",bound="point"}`), LOAD);
    const lower = value(`prescale_forecast{${w},horizon_seconds="${horizon}",bound="lower"}`);
    const upper = value(`prescale_forecast{${w},horizon_seconds="${horizon}",bound="upper"}`);
    assert.ok(lower <= LOAD && LOAD <= upper, `${lower} ≤ ${LOAD} ≤ ${upper}`);
  }
  assert.equal(value(`prescale_forecast_interval_level_ratio{${w}}`), web.forecast?.intervals?.level);
  // Cost: pods published (and a reactive HPA's) integrated over the syncs, and per hour at the price per pod.
  const podSeconds = publishedBySync.slice(0, -1).reduce((sum, replicas) => sum + replicas * 30, 0);
  assert.equal(value(`prescale_pod_seconds_total{${w}}`), podSeconds);
  assert.equal(value(`prescale_estimated_cost_per_hour{${w}}`), web.published.replicas * COST_PER_POD_HOUR);
  assert.equal(value(`prescale_reactive_estimated_cost_per_hour{${w}}`), reactive * COST_PER_POD_HOUR);
  assert.ok(value(`prescale_reactive_pod_seconds_total{${w}}`) > 0);
  // SLO signals: the latency query, and the load per replica against planner.slo.maxLoadPerPod.
  assert.equal(value(`prescale_current_latency_seconds{${w}}`), LATENCY_SECONDS);
  assert.equal(value(`prescale_slo_load_per_pod_ratio{${w}}`), LOAD / REPLICAS_NOW / SLO_LOAD_PER_POD);
  assert.equal(value(`prescale_fallback_active{${w}}`), 0);
  assert.equal(value(`prescale_fallback_reason{${w},cause="model-missing"}`), 0);
  assert.equal(value(`prescale_model_info{${w},model="naive"}`), 1);
  assert.equal(value(`prescale_model_last_fit_timestamp_seconds{${w}}`), web.model.fittedAtSeconds);
  assert.equal(value(`prescale_last_sync_timestamp_seconds{${w}}`), web.lastSyncSeconds);
  assert.equal(value(`prescale_replica_changes_total{${w},direction="up"}`), 1, 'minReplicas → reactive at the start');
  // Requests: the API's and the External Metrics API's by route pattern, the scaler's by method and code.
  const http = (route: string, status: number) =>
    value(`http_request_duration_seconds_count{route="${route}",method="GET",status_code="${status}"}`);
  assert.equal(http('/v1/workloads/:name', 200), 1);
  assert.equal(http('/v1/workloads/:name', 404), 1);
  assert.equal(http('/apis/external.metrics.k8s.io/v1beta1/namespaces/:namespace/:metric', 200), 1);
  const grpcCount = (code: string) =>
    value(
      `grpc_server_handling_seconds_count{grpc_service="externalscaler.ExternalScaler",grpc_method="IsActive",grpc_type="unary",grpc_code="${code}"}`,
    );
  assert.equal(grpcCount('OK'), 1);
  assert.equal(grpcCount('NotFound'), 1);
  assert.ok(!/ NaN$/m.test(scrape), 'no NaN');

  // Every family of Prescale's own, and of its requests, is documented (the process and Node.js ones by reference).
  const docs = await readFile(join(repoRoot, 'docs/metrics.md'), 'utf8');
  const undocumented = names.filter((name) => !/^(process|nodejs)_/.test(name) && !docs.includes(`\`${name}\``));
  assert.deepEqual(undocumented, [], 'documented in docs/metrics.md');
});
