// End to end, in real time on 127.0.0.1: a load generator replays a slice of the NASA trace (60× compressed)
// against a small instrumented demo service; a real Prometheus (Debian package) scrapes it every second;
// `prescale serve`'s service reads it through PromQL, forecasts, plans and publishes; the test reads the
// result on /metrics, through a gRPC client built from KEDA's proto, and over HTTPS from the External
// Metrics API with a front-proxy client certificate, as the kube-aggregator would. Midway Prometheus is
// stopped (fallback with the reason) and started again (recovery).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { generate } from 'selfsigned';
import { Agent } from 'undici';
import { PrometheusProcess, scrapeConfigYaml } from '../cli/prometheus-process.js';
import { readTraceFile } from '../collector/trace-file.js';
import { safeParseServiceConfig } from '../config/service.js';
import { systemClock } from '../core/index.js';
import { externalScalerLoaderOptions, externalScalerProtoPath } from '../executor/keda.js';
import { sharedRoot } from '../testing/paths.js';
import { freePort } from '../testing/prometheus-server.js';
import { PrescaleService } from './service.js';
import { inProcessTrainer } from './trainer.js';
import type { WorkloadStatus } from './workload-status.js';

/** Trace minutes replayed per real second. */
const COMPRESSION = 60;
/** 1995-07-05 10:00 UTC: a busy hour of the NASA trace. */
const SLICE_START = 804_938_400;

/** The demo service: counts requests, observes latency and CPU as a real instrumented app would. */
async function startDemoService(): Promise<{ port: number; close(): Promise<void> }> {
  const registry = new Registry();
  const requests = new Counter({ name: 'demo_http_requests_total', help: 'requests', registers: [registry] });
  const cpu = new Counter({ name: 'demo_cpu_seconds_total', help: 'CPU time', registers: [registry] });
  const replicas = new Gauge({ name: 'demo_replicas', help: 'running replicas', registers: [registry] });
  const latency = new Histogram({
    name: 'demo_http_request_duration_seconds',
    help: 'latency',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [registry],
  });
  replicas.set(2);
  const server: Server = createServer(async (req, res) => {
    if (req.url === '/metrics') {
      res.setHeader('content-type', registry.contentType);
      res.end(await registry.metrics());
      return;
    }
    const started = performance.now();
    requests.inc();
    cpu.inc(0.004);
    res.end('ok');
    latency.observe((performance.now() - started) / 1000 + 0.004);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    // Keep-alive sockets of the load generator would hold close() open forever: end them first.
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Replays per-minute counts as requests per second (60× compressed), in 100 ms slices; returns a stopper. */
function startLoadGenerator(
  port: number,
  perMinute: Float64Array,
): { stop(): void; rateAt(secondsAgo: number): number } {
  const agent = new Agent({ connections: 8 });
  const startedMs = Date.now();
  let stopped = false;
  /** Requests per real second `secondsAgo` ago: that trace minute's count, sped up COMPRESSION times. */
  const rateAt = (secondsAgo: number) => {
    const traceSeconds = ((Date.now() - startedMs) / 1000 - secondsAgo) * COMPRESSION;
    const minute = Math.max(0, Math.floor(traceSeconds / 60)) % perMinute.length;
    return (perMinute[minute] * COMPRESSION) / 60;
  };
  const tick = async () => {
    while (!stopped) {
      const sliceStart = Date.now();
      const perSecond = rateAt(0);
      const count = Math.round(perSecond / 10);
      await Promise.allSettled(
        Array.from({ length: count }, () =>
          fetch(`http://127.0.0.1:${port}/`, { dispatcher: agent } as RequestInit).then((r) => r.text()),
        ),
      );
      await systemClock.sleep(Math.max(0, 100 - (Date.now() - sliceStart)));
    }
    await agent.close();
  };
  void tick();
  return {
    stop: () => {
      stopped = true;
    },
    rateAt,
  };
}

interface Harness {
  load: ReturnType<typeof startLoadGenerator>;
  prometheus: PrometheusProcess;
  service: PrescaleService;
  frontProxy: { cert: string; key: string };
  servingCa: string;
}

let h: Harness;
/** Undone in reverse order after the test, including when setup fails halfway. */
const cleanups: (() => Promise<void> | void)[] = [];

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'prescale-e2e-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const trace = await readTraceFile(join(sharedRoot, 'data/nasa-http/nasa_jul95_requests_per_minute.csv'));
  const first = trace.series.timestampsSeconds.indexOf(SLICE_START);
  assert.ok(first >= 0);
  // One trace minute per real second: the count of that minute becomes requests per second.
  const perMinute = trace.series.values.slice(first, first + 60);
  const demo = await startDemoService();
  cleanups.push(() => demo.close());
  const load = startLoadGenerator(demo.port, perMinute);
  cleanups.push(() => load.stop());
  const prometheus = new PrometheusProcess({
    dir,
    port: await freePort(),
    configYaml: scrapeConfigYaml('demo', demo.port, 1),
    clock: systemClock,
  });
  cleanups.push(() => prometheus.stop());
  await prometheus.start();

  // TLS: our serving certificate (for the APIService caBundle) and the aggregator's front-proxy client.
  const ca = async (name: string) => {
    const pems = await generate([{ name: 'commonName', value: name }], {
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'keyUsage', keyCertSign: true, digitalSignature: true },
      ],
    });
    return { cert: pems.cert, key: pems.private };
  };
  const signed = async (authority: { cert: string; key: string }, cn: string) => {
    const pems = await generate([{ name: 'commonName', value: cn }], {
      keySize: 2048,
      algorithm: 'sha256',
      ca: authority,
      extensions: [
        {
          name: 'subjectAltName',
          altNames: [
            { type: 7, ip: '127.0.0.1' },
            { type: 2, value: 'prescale.prescale.svc' },
          ],
        },
      ],
    });
    return { cert: pems.cert, key: pems.private };
  };
  const servingCa = await ca('prescale-serving-ca');
  const frontProxyCa = await ca('front-proxy-ca');
  const serving = await signed(servingCa, 'prescale.prescale.svc');
  const frontProxy = await signed(frontProxyCa, 'front-proxy-client');
  for (const [name, text] of [
    ['tls.crt', serving.cert],
    ['tls.key', serving.key],
    ['front-proxy-ca.crt', frontProxyCa.cert],
  ]) {
    await writeFile(join(dir, name), text);
  }

  const workload = (name: string, integration: 'KEDA' | 'HPA') => ({
    metadata: { name, namespace: 'shop' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'demo' },
      integration,
      model: 'naive',
      predictionHorizon: '60s',
      metric: { query: 'sum(rate(demo_http_requests_total[3s]))', step: '1s' },
      capacity: { perPod: 25 },
      minReplicas: 1,
      maxReplicas: 50,
      prediction: { history: '1h' },
      planner: { podStartup: '5s', syncPeriod: '1s' },
      // Time-compressed: recover after 3 s of health; rate() over a moving window is noisier than minutes.
      fallback: { recoverAfter: '3s', maxError: 60 },
    },
    queries: {
      cpu: 'sum(rate(demo_cpu_seconds_total[3s]))',
      latency: 'histogram_quantile(0.95, sum by (le) (rate(demo_http_request_duration_seconds_bucket[3s])))',
      replicas: 'sum(demo_replicas)',
    },
    pod: { cpuRequest: '100m' },
  });
  const parsed = safeParseServiceConfig({
    prometheus: { url: prometheus.url, retries: 0, timeout: '2s' },
    api: { listen: '127.0.0.1:0' },
    keda: { listen: '127.0.0.1:0' },
    externalMetrics: {
      listen: '127.0.0.1:0',
      certFile: join(dir, 'tls.crt'),
      keyFile: join(dir, 'tls.key'),
      requestheaderClientCaFile: join(dir, 'front-proxy-ca.crt'),
      requestheaderAllowedNames: ['front-proxy-client'],
    },
    models: { dir: join(dir, 'models') },
    loop: { trainer: 'in-process', contextWindow: '10m', accuracyWindow: '60s', retrainRetry: '2s' },
    workloads: [workload('demo', 'KEDA'), workload('demo-hpa', 'HPA')],
  });
  assert.ok(parsed.success, JSON.stringify(!parsed.success && parsed.issues));
  const service = await PrescaleService.start(parsed.data, { trainer: inProcessTrainer, processMetrics: false });
  cleanups.push(() => service.stop());
  const controller = new AbortController();
  const running = service.run(controller.signal);
  cleanups.push(async () => {
    controller.abort();
    await running;
  });
  h = { prometheus, service, load, frontProxy, servingCa: servingCa.cert };
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function status(name: string): Promise<WorkloadStatus> {
  const response = await fetch(`http://127.0.0.1:${h.service.ports.api}/v1/workloads/${name}`);
  return (await response.json()) as WorkloadStatus;
}

/** Polls `check`; on timeout the error shows where each workload stood. */
async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      const states = await Promise.all(['demo', 'demo-hpa'].map(status));
      const brief = states.map((x) => ({
        name: x.name,
        source: x.published.source,
        fallback: x.fallback.summary,
        model: x.model,
        load: x.data.load,
        planError: x.planError,
      }));
      throw new Error(`timed out waiting until ${what}: ${JSON.stringify(brief)}`);
    }
    await systemClock.sleep(250);
  }
}

function kedaClient() {
  const definition = protoLoader.loadSync(externalScalerProtoPath, externalScalerLoaderOptions);
  const proto = grpc.loadPackageDefinition(definition) as unknown as {
    externalscaler: { ExternalScaler: new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client };
  };
  return new proto.externalscaler.ExternalScaler(
    `127.0.0.1:${h.service.ports.keda}`,
    grpc.credentials.createInsecure(),
  ) as grpc.Client & {
    GetMetrics(r: object, cb: (e: Error | null, v: { metricValues: { metricValueFloat: number }[] }) => void): void;
    GetMetricSpec(
      r: object,
      cb: (e: Error | null, v: { metricSpecs: { metricName: string; targetSizeFloat: number }[] }) => void,
    ): void;
    IsActive(r: object, cb: (e: Error | null, v: { result: boolean }) => void): void;
  };
}

/** GET on the External Metrics API as the kube-aggregator does: our CA trusted, front-proxy cert presented. */
function externalMetric(
  path: string,
): Promise<{ status: number; body: { items: { value: string; metricLabels: Record<string, string> }[] } }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: h.service.ports.externalMetrics ?? 0,
        path,
        ca: h.servingCa,
        cert: h.frontProxy.cert,
        key: h.frontProxy.key,
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('the replayed trace flows through Prometheus into forecasts and plans on every door, and back after Prometheus stops', async (t) => {
  await waitUntil('both workloads plan from a forecast', async () => {
    const [a, b] = await Promise.all([status('demo'), status('demo-hpa')]);
    return a.published.source === 'plan' && b.published.source === 'plan';
  });
  const s = await status('demo');
  // What Prescale read is the replayed load: requests per second of the trace's recent minutes.
  const recentRates = Array.from({ length: 8 }, (_, i) => h.load.rateAt(i));
  const load = s.data.load ?? Number.NaN;
  assert.ok(
    load >= 0.5 * Math.min(...recentRates) && load <= 1.5 * Math.max(...recentRates),
    `load ${load} vs replayed ${recentRates.join(', ')}`,
  );
  assert.equal(s.model.current, 'naive');
  assert.equal(s.forecast?.point.length, 60);
  assert.equal(s.data.replicas, 2, 'the replicas query');
  assert.ok((s.data.cpuCores ?? 0) > 0, 'the CPU query');
  assert.ok((s.data.latency ?? 0) > 0, 'the latency query');
  assert.equal(s.published.replicas, s.plan?.decision.desiredReplicas);

  // /metrics: forecast and bounds, published replicas, fallback state, latency histograms.
  const metrics = await (await fetch(`http://127.0.0.1:${h.service.ports.api}/metrics`)).text();
  const value = (prefix: string) =>
    Number(
      metrics
        .split('\n')
        .find((l) => l.startsWith(prefix))
        ?.split(' ')[1],
    );
  for (const bound of ['point', 'lower', 'upper']) {
    assert.ok(
      Number.isFinite(
        value(`prescale_forecast{workload="demo",namespace="shop",horizon_seconds="60",bound="${bound}"}`),
      ),
      bound,
    );
  }
  assert.ok(value('prescale_desired_replicas{workload="demo",namespace="shop"}') >= 1);
  assert.equal(value('prescale_desired_replicas_source{workload="demo",namespace="shop",source="plan"}'), 1);
  assert.equal(value('prescale_fallback_active{workload="demo",namespace="shop"}'), 0);
  assert.ok(value('prescale_decision_duration_seconds_count{workload="demo",namespace="shop"}') > 3);

  // KEDA: a real gRPC client; the value the HPA divides by the target 1 is the published replica count.
  const client = kedaClient();
  t.after(() => client.close());
  const ref = { name: 'demo', namespace: 'shop', scalerMetadata: { scalerAddress: 'x', workload: 'demo' } };
  const spec = await new Promise<{ metricSpecs: { metricName: string; targetSizeFloat: number }[] }>(
    (resolve, reject) => client.GetMetricSpec(ref, (e, v) => (e ? reject(e) : resolve(v))),
  );
  assert.deepEqual(
    spec.metricSpecs.map((m) => [m.metricName, m.targetSizeFloat]),
    [['prescale-demo', 1]],
  );
  const [grpcValue, published] = await Promise.all([
    new Promise<number>((resolve, reject) =>
      client.GetMetrics({ scaledObjectRef: ref, metricName: 'prescale-demo' }, (e, v) =>
        e ? reject(e) : resolve(v.metricValues[0].metricValueFloat),
      ),
    ),
    status('demo').then((x) => x.published.replicas),
  ]);
  assert.ok(
    Math.abs(grpcValue - published) <= 1,
    `gRPC ${grpcValue} vs published ${published} (one sync apart at most)`,
  );
  const active = await new Promise<boolean>((resolve, reject) =>
    client.IsActive(ref, (e, v) => (e ? reject(e) : resolve(v.result))),
  );
  assert.equal(active, true);

  // External Metrics API over TLS, with the HPA's label selector.
  const list = await externalMetric(
    '/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/prescale_desired_replicas?labelSelector=workload%3Ddemo-hpa',
  );
  assert.equal(list.status, 200);
  assert.equal(list.body.items.length, 1);
  const hpaPublished = (await status('demo-hpa')).published.replicas;
  assert.ok(Math.abs(Number(list.body.items[0].value) - hpaPublished) <= 1);

  // Prometheus stops: fallback with the reason, visible on the status and on /metrics; the doors still answer.
  await h.prometheus.stop();
  await waitUntil('fallback because Prometheus is unreachable', async () => {
    const x = await status('demo');
    return x.fallback.active && x.fallback.reasons.some((r) => r.cause === 'prometheus-unreachable');
  });
  const down = await (await fetch(`http://127.0.0.1:${h.service.ports.api}/metrics`)).text();
  assert.match(down, /prescale_fallback_reason\{workload="demo",namespace="shop",cause="prometheus-unreachable"\} 1/);
  assert.match(down, /prescale_fallback_active\{workload="demo",namespace="shop"\} 1/);
  const held = await new Promise<number>((resolve, reject) =>
    client.GetMetrics({ scaledObjectRef: ref, metricName: 'prescale-demo' }, (e, v) =>
      e ? reject(e) : resolve(v.metricValues[0].metricValueFloat),
    ),
  );
  assert.ok(Number.isInteger(held) && held >= 1, 'KEDA still gets a number, never nothing');

  // Prometheus back (same port, same TSDB): the workload recovers and plans again.
  await h.prometheus.start();
  await waitUntil('recovery after Prometheus returns', async () => {
    const x = await status('demo');
    return !x.fallback.active && x.published.source === 'plan';
  });
});
