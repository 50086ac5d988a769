import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { readTraceFile } from '../collector/trace-file.js';
import { type ServiceConfig, safeParseServiceConfig } from '../config/service.js';
import type { RawSeries } from '../core/index.js';
import { externalScalerLoaderOptions, externalScalerProtoPath } from '../executor/keda.js';
import { readFittedModel } from '../models/persistence.js';
import { ManualClock } from '../testing/manual-clock.js';
import { sharedRoot } from '../testing/paths.js';
import { type PreloadedGauge, type PrometheusServer, startPrometheus } from '../testing/prometheus-server.js';
import { TcpProxy } from '../testing/tcp-proxy.js';
import { tempDir } from '../testing/temp-dir.js';
import { savedModelPath } from './saved-models.js';
import { PrescaleService } from './service.js';
import { nextSyncMs, syncOffsetMs } from './sync-schedule.js';
import { inProcessTrainer } from './trainer.js';
import type { WorkloadStatus } from './workload-status.js';

// The NASA KSC trace (requests per minute), from 1995-07-03 00:00 UTC, 8 hours, with two defects cut in:
// no data for minutes [180, 200) (the series goes stale) and a flapping load in minutes [240, 270) (×8 and
// ×1/8 on alternate minutes), which no model forecasts: its online error explodes.
const T0 = 804_729_600;
const MINUTES = 480;
const GAP = [180, 200] as const;
const FLAP = [240, 270] as const;
const PER_POD = 20;

/** Load at minute m of the crafted series (undefined inside the gap). */
let load: (minute: number) => number | undefined;
let gauge: PreloadedGauge;
let prometheus: PrometheusServer;
let proxy: TcpProxy;

before(async () => {
  const trace = await readTraceFile(join(sharedRoot, 'data/nasa-http/nasa_jul95_requests_per_minute.csv'));
  const first = trace.series.timestampsSeconds.indexOf(T0);
  assert.ok(first >= 0, 'the trace covers 1995-07-03');
  load = (minute) => {
    if (minute >= GAP[0] && minute < GAP[1]) return undefined;
    const value = trace.series.values[first + minute];
    if (minute >= FLAP[0] && minute < FLAP[1]) return minute % 2 === 0 ? value * 8 : value / 8;
    return value;
  };
  const times: number[] = [];
  const values: number[] = [];
  for (let m = 0; m < MINUTES; m++) {
    const value = load(m);
    if (value === undefined) continue;
    times.push(T0 + m * 60);
    values.push(value);
  }
  const series: RawSeries = { timestampsSeconds: Float64Array.from(times), values: Float64Array.from(values) };
  gauge = { name: 'nasa_requests_per_minute', labels: { job: 'web' }, series };
  prometheus = await startPrometheus([gauge]);
  proxy = await TcpProxy.start(prometheus.port);
});

after(async () => {
  await proxy.close();
  await prometheus.stop();
});

/** A service with one KEDA workload reading the crafted series through the proxy, on a manual clock. */
interface ServiceOptions {
  accuracyWindow?: string;
  modelsDir?: string;
  spec?: Record<string, unknown>;
}

async function startService(
  t: TestContext,
  startMinute: number,
  options: ServiceOptions = {},
): Promise<{ service: PrescaleService; clock: ManualClock; modelsDir: string }> {
  const modelsDir = options.modelsDir ?? (await tempDir(t));
  const clock = new ManualClock((T0 + startMinute * 60) * 1000);
  const config = serviceConfig(modelsDir, options);
  const service = await PrescaleService.start(config, { clock, trainer: inProcessTrainer, processMetrics: false });
  t.after(() => service.stop());
  return { service, clock, modelsDir };
}

function serviceConfig(modelsDir: string, options: ServiceOptions = {}): ServiceConfig {
  const parsed = safeParseServiceConfig({
    prometheus: { url: `http://127.0.0.1:${proxy.port}`, retries: 0, timeout: '5s' },
    api: { listen: '127.0.0.1:0' },
    keda: { listen: '127.0.0.1:0' },
    externalMetrics: { enabled: false },
    models: { dir: modelsDir },
    loop: { trainer: 'in-process', accuracyWindow: options.accuracyWindow ?? '1h', retrainRetry: '5m' },
    workloads: [
      {
        metadata: { name: 'web', namespace: 'shop' },
        spec: {
          targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          integration: 'KEDA',
          model: 'naive',
          predictionHorizon: '10m',
          metric: { query: 'nasa_requests_per_minute{job="web"}', step: '60s' },
          capacity: { perPod: PER_POD },
          prediction: { history: '1h', retrainEvery: '1h' },
          minReplicas: 1,
          maxReplicas: 20,
          // Naive's one-step error on this per-minute trace runs 20–38%: 50% separates noise from a failure.
          fallback: { maxError: 50 },
          ...options.spec,
        },
      },
    ],
  });
  assert.ok(parsed.success, JSON.stringify(!parsed.success && parsed.issues));
  return parsed.data;
}

/** One sync, waiting for the background fit it may start (so tests see its result on the next sync). */
async function step(service: PrescaleService, clock: ManualClock, seconds = 30): Promise<WorkloadStatus> {
  await service.syncAll();
  await service.whenIdle();
  const status = service.statuses()[0];
  checkPublished(status);
  await clock.advance(seconds * 1000);
  return status;
}

/** Whatever happens, the published value is a whole number within [min, max] and never NaN. */
function checkPublished(status: WorkloadStatus): void {
  const { replicas } = status.published;
  assert.ok(Number.isInteger(replicas) && replicas >= 1 && replicas <= 20, `published ${replicas}`);
  if (status.published.source === 'reactive') {
    const decision = status.plan?.decision;
    if (status.fallback.active && status.mode === 'Auto') {
      // The planner ran without the forecast: the reactive value through its ramp and stabilization.
      assert.equal(replicas, decision?.desiredReplicas, "fallback publishes the planner's forecast-free decision");
      assert.equal(decision?.predictiveReplicas ?? null, null, 'the planner did not see the forecast');
    } else {
      const reactive = decision?.reactiveReplicas ?? Number.NaN;
      assert.equal(replicas, Math.min(20, Math.max(1, reactive)), 'reactive means the reactive value, clamped');
    }
  }
  if (status.published.source === 'plan') {
    assert.equal(status.fallback.active, false);
    assert.equal(replicas, status.plan?.decision.desiredReplicas);
  }
}

const minuteOf = (seconds: number) => Math.round((seconds - T0) / 60);
const causes = (status: WorkloadStatus) => status.fallback.reasons.map((r) => r.cause);

test('live loop: fits in the background, forecasts, plans, publishes, and scores forecasts online', async (t) => {
  const { service, clock } = await startService(t, 100);
  const first = await step(service, clock);
  assert.equal(first.fallback.active, true, 'no model before the first fit');
  assert.deepEqual(causes(first), ['model-missing']);
  assert.equal(first.published.source, 'reactive');
  assert.equal(first.plan?.decision.reactiveReplicas, Math.ceil((load(100) ?? 0) / PER_POD));

  const origins = new Set<number>();
  let status = first;
  for (let i = 0; i < 80; i++) {
    status = await step(service, clock);
    const forecast = status.forecast;
    assert.ok(forecast !== null, 'a model serves after the first fit');
    // Naive: every point is the newest observed value, the minute before the origin.
    const lastMinute = minuteOf(forecast.startSeconds) - 1;
    assert.deepEqual([...new Set(forecast.point)], [load(lastMinute)]);
    origins.add(forecast.startSeconds);
  }
  assert.equal(status.fallback.active, false);
  assert.equal(status.published.source, 'plan');
  assert.equal(status.model.current, 'naive');
  assert.match(status.published.reason, /replicas/);

  // The online error at h=1 is naive's one-step error on the trace, over the origins scored in the window.
  const now = clock.nowMs() / 1000 - 30;
  let sumError = 0;
  let sumActual = 0;
  let n = 0;
  for (const origin of origins) {
    const m = minuteOf(origin);
    if (origin > (status.data.lastSampleSeconds ?? 0) || origin < now - 3600) continue;
    sumError += Math.abs((load(m) ?? 0) - (load(m - 1) ?? 0));
    sumActual += load(m) ?? 0;
    n++;
  }
  const h1 = status.accuracy.byHorizon[0];
  assert.equal(h1.samples, n);
  assert.ok(Math.abs((h1.wapePercent ?? Number.NaN) - (100 * sumError) / sumActual) < 1e-9);
  assert.equal(status.accuracy.byHorizon.length, 10, '10 minutes at 60 s');

  // The KEDA door serves exactly the published value to a gRPC client built from the proto.
  const definition = protoLoader.loadSync(externalScalerProtoPath, externalScalerLoaderOptions);
  const proto = grpc.loadPackageDefinition(definition) as unknown as {
    externalscaler: { ExternalScaler: new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client };
  };
  const client = new proto.externalscaler.ExternalScaler(
    `127.0.0.1:${service.ports.keda}`,
    grpc.credentials.createInsecure(),
  ) as grpc.Client & {
    GetMetrics(request: object, cb: (e: Error | null, r: { metricValues: { metricValue: number }[] }) => void): void;
  };
  t.after(() => client.close());
  const metrics = await new Promise<{ metricValues: { metricValue: number }[] }>((resolve, reject) =>
    client.GetMetrics(
      {
        scaledObjectRef: { name: 'web', namespace: 'shop', scalerMetadata: { workload: 'web' } },
        metricName: 'prescale-web',
      },
      (error, response) => (error ? reject(error) : resolve(response)),
    ),
  );
  assert.equal(metrics.metricValues[0].metricValue, status.published.replicas);
});

test('fallback: Prometheus stopped mid-run; a failed refit keeps the last good model; recovery when it is back', async (t) => {
  const { service, clock } = await startService(t, 100);
  let status = await step(service, clock);
  for (let i = 0; i < 6; i++) status = await step(service, clock);
  assert.equal(status.published.source, 'plan');
  const fittedAt = status.model.fittedAtSeconds;
  const planned = status.published.replicas;

  await prometheus.stop();
  proxy.dropConnections();
  status = await step(service, clock);
  assert.equal(status.fallback.active, true);
  assert.deepEqual(causes(status), ['prometheus-unreachable']);
  assert.match(status.fallback.summary, /Prometheus read failed/);
  assert.equal(status.published.source, 'reactive', 'the last load read is still fresh: reactive from it');

  // Minutes later the data is stale too: no fresh metric, the last published value holds.
  for (let i = 0; i < 8; i++) status = await step(service, clock);
  assert.deepEqual(causes(status), ['prometheus-unreachable', 'data-stale']);
  assert.equal(status.published.source, 'last-published');
  const held = status.published.replicas;

  // The hourly refit comes due while Prometheus is down: it fails, the old model keeps serving.
  while (clock.nowMs() / 1000 - (fittedAt ?? 0) < 3600 + 30) status = await step(service, clock, 60);
  status = await step(service, clock);
  assert.equal(status.model.current, 'naive');
  assert.equal(status.model.fittedAtSeconds, fittedAt);
  assert.match(status.model.lastRetrainError ?? '', /cannot reach Prometheus|other side closed|ECONNRESET|socket/i);
  assert.ok(status.forecast !== null, 'forecasts go on from the cached data with the last good model');
  assert.equal(status.published.replicas, held);
  assert.ok(planned >= 1);

  prometheus = await startPrometheus([gauge]);
  proxy.upstreamPort = prometheus.port;
  status = await step(service, clock);
  assert.equal(status.data.prometheusError, null);
  assert.equal(status.fallback.active, true, 'recovery waits for recoverAfter (2m) of health');
  assert.match(status.fallback.summary, /recovering/);
  for (let i = 0; i < 5; i++) status = await step(service, clock);
  assert.equal(status.fallback.active, false);
  assert.equal(status.published.source, 'plan');
  // The failed refit is retried 5 minutes later and succeeds now.
  for (let i = 0; i < 10; i++) status = await step(service, clock);
  assert.equal(status.model.lastRetrainError, null);
  assert.ok((status.model.fittedAtSeconds ?? 0) > (fittedAt ?? 0));
});

test('fallback: a corrupt model file is reported, replaced by a fresh fit, and the plan resumes', async (t) => {
  const modelsDir = await tempDir(t);
  const path = savedModelPath(modelsDir, serviceConfig(modelsDir).workloads[0]);
  await writeFile(path, '{"metadata": {"model": "naive"');
  const { service, clock } = await startService(t, 100, { modelsDir });
  assert.match(service.statuses()[0].model.problem ?? '', /saved model unusable/);
  let status = await step(service, clock);
  assert.deepEqual(causes(status), ['model-missing']);
  assert.match(
    status.fallback.reasons[0].message,
    /saved model unusable .*the model file is not valid JSON: it ends early/,
  );
  assert.equal(status.published.source, 'reactive');
  const saved = await readFittedModel(path);
  assert.equal(saved.metadata.model, 'naive', 'the fresh fit replaced the corrupt file');
  assert.ok(JSON.parse(await readFile(path, 'utf8')).metadata);
  for (let i = 0; i < 5; i++) status = await step(service, clock);
  assert.equal(status.fallback.active, false);
  assert.equal(status.published.source, 'plan');
});

test('restart: the saved model serves at once; after its model settings changed meanwhile, it is not used', async (t) => {
  const modelsDir = await tempDir(t);
  const first = await startService(t, 100, { modelsDir });
  await step(first.service, first.clock);
  await step(first.service, first.clock);
  const fitted = first.service.statuses()[0].model;
  assert.equal(fitted.current, 'naive');
  await first.service.stop();

  // Same settings: the model is read back before any sync, so no fit is needed.
  const same = await startService(t, 110, { modelsDir });
  assert.equal(same.service.statuses()[0].model.current, 'naive');
  await same.service.stop();

  // The model changed while this replica was down: its old file is deleted, not served.
  const changed = await startService(t, 120, { modelsDir, spec: { model: 'seasonal-naive' } });
  const status = changed.service.statuses()[0];
  assert.equal(status.model.current, null);
  assert.equal(status.model.problem, 'no model trained yet');
  assert.deepEqual(await readdir(modelsDir), []);
});

test('fallback: a series gone stale holds the last value with the reason, and recovers when data returns', async (t) => {
  const { service, clock } = await startService(t, 150);
  let status = await step(service, clock);
  const seen: { minute: number; status: WorkloadStatus }[] = [];
  while (clock.nowMs() / 1000 < T0 + 215 * 60) {
    status = await step(service, clock);
    seen.push({ minute: (clock.nowMs() / 1000 - 30 - T0) / 60, status });
  }
  const stale = seen.filter(
    ({ status: s }) => causes(s).includes('data-stale') && s.fallback.healthySinceSeconds === null,
  );
  assert.ok(stale.length > 0, 'the gap made the data stale');
  // Prometheus carries a sample for its 5-minute lookback, then staleAfter (3 steps) runs out.
  const firstStale = stale[0];
  assert.ok(firstStale.minute > GAP[0] + 5 + 3 - 1 && firstStale.minute <= GAP[0] + 5 + 3 + 1, `${firstStale.minute}`);
  assert.match(firstStale.status.fallback.reasons[0].message, /newest load sample is \d+[sm] old \(staleAfter 3m\)/);
  for (const { status: s } of stale) assert.equal(s.published.source, 'last-published');
  const before = seen.filter(({ minute }) => minute < firstStale.minute).at(-1);
  assert.equal(firstStale.status.published.replicas, before?.status.published.replicas, 'the value holds');
  const recovering = seen.filter(
    ({ minute, status: s }) => minute > GAP[0] && s.fallback.active && s.fallback.healthySinceSeconds !== null,
  );
  assert.ok(recovering.length >= 4 && recovering[0].minute === GAP[1], 'data back at the end of the gap: recovering');
  for (const { status: s } of recovering) {
    assert.equal(s.published.source, 'reactive', 'fresh metrics again: reactive until recovered');
    assert.match(s.fallback.summary, /recovering .* after: newest load sample/);
  }
  assert.equal(status.fallback.active, false, 'recovered after the gap');
  assert.equal(status.published.source, 'plan');
});

test('fallback: a model whose online error explodes falls back, and recovers with hysteresis', async (t) => {
  const { service, clock } = await startService(t, 215, { accuracyWindow: '15m' });
  let status = await step(service, clock);
  const seen: { minute: number; status: WorkloadStatus }[] = [];
  while (clock.nowMs() / 1000 < T0 + 300 * 60) {
    status = await step(service, clock);
    seen.push({ minute: (clock.nowMs() / 1000 - 30 - T0) / 60, status });
  }
  const exploded = seen.filter(({ status: s }) => causes(s).includes('error-above-threshold'));
  assert.ok(exploded.length > 0, 'the flapping load made the error explode');
  const entered = exploded[0];
  assert.ok(entered.minute >= FLAP[0] && entered.minute < FLAP[1], `${entered.minute}`);
  assert.ok((entered.status.accuracy.rollingErrorPercent ?? 0) > 50);
  assert.equal(entered.status.published.source, 'reactive');
  const recovered = seen.find(({ minute, status: s }) => minute > entered.minute && !s.fallback.active);
  assert.ok(recovered !== undefined, 'recovered once the flapping left the 15-minute window');
  assert.ok(recovered.minute >= FLAP[1], 'not before the flapping stopped');
  assert.ok(
    (recovered.status.accuracy.rollingErrorPercent ?? 100) <= 40,
    'recovery needs the error at or below recoverBelow (0.8 × maxError)',
  );
  assert.equal(status.published.source, 'plan');
});

test('ForecastOnly: forecasts and plans are computed and reported, but the published value stays reactive', async (t) => {
  const { service, clock } = await startService(t, 100, { spec: { mode: 'ForecastOnly' } });
  let status = await step(service, clock);
  for (let i = 0; i < 8; i++) status = await step(service, clock);
  assert.equal(status.fallback.active, false, 'the forecast is trusted');
  assert.ok(status.forecast !== null && status.plan !== null);
  assert.equal(status.plan.decision.act, false, 'the planner marks the plan as report-only');
  assert.equal(status.published.source, 'reactive');
  assert.match(status.published.reason, /ForecastOnly mode/);
  assert.equal(status.published.replicas, Math.min(20, Math.max(1, status.plan.decision.reactiveReplicas ?? 0)));
});

test('HTTP API of a running service: /v1/workloads, /metrics, /healthz, /readyz', async (t) => {
  const { service, clock } = await startService(t, 100);
  const api = `http://127.0.0.1:${service.ports.api}`;
  const notReady = await fetch(`${api}/readyz`);
  assert.equal(notReady.status, 503);
  assert.deepEqual(await notReady.json(), { status: 'not-ready', reasons: ['shop/web: no sync yet'] });
  for (let i = 0; i < 6; i++) await step(service, clock);
  assert.equal((await fetch(`${api}/readyz`)).status, 200);
  assert.equal((await fetch(`${api}/healthz`)).status, 200);

  const list = (await (await fetch(`${api}/v1/workloads`)).json()) as {
    workloads: { name: string; replicas: number }[];
  };
  assert.deepEqual(
    list.workloads.map((w) => [w.name, w.replicas]),
    [['web', service.statuses()[0].published.replicas]],
  );
  const one = (await (await fetch(`${api}/v1/workloads/web`)).json()) as {
    forecast: { point: number[]; intervals: { upper: number[] } };
    plan: { decision: { reason: string } };
    model: { current: string };
    fallback: { active: boolean; summary: string };
    accuracy: { byHorizon: unknown[] };
  };
  assert.equal(one.forecast.point.length, 10);
  assert.equal(one.forecast.intervals.upper.length, 10);
  assert.equal(one.model.current, 'naive');
  assert.equal(one.fallback.summary, 'forecast trusted');
  assert.match(one.plan.decision.reason, /replicas/);
  const missing = await fetch(`${api}/v1/workloads/api`);
  assert.equal(missing.status, 404);
  assert.deepEqual(((await missing.json()) as { error: { field: string } }).error.field, 'name');

  const metrics = await (await fetch(`${api}/metrics`)).text();
  const status = service.statuses()[0];
  const line = (name: string) => metrics.split('\n').find((l) => l.startsWith(name));
  assert.equal(
    line('prescale_desired_replicas{workload="web",namespace="shop"}')?.split(' ')[1],
    String(status.published.replicas),
  );
  assert.equal(
    line('prescale_desired_replicas_source{workload="web",namespace="shop",source="plan"}')?.split(' ')[1],
    '1',
  );
  assert.equal(
    line('prescale_desired_replicas_source{workload="web",namespace="shop",source="reactive"}')?.split(' ')[1],
    '0',
  );
  assert.equal(
    line('prescale_forecast{workload="web",namespace="shop",horizon_seconds="600",bound="point"}')?.split(' ')[1],
    String(status.forecast?.point[9]),
  );
  assert.ok(line('prescale_forecast{workload="web",namespace="shop",horizon_seconds="60",bound="upper"}'));
  assert.equal(line('prescale_fallback_active{workload="web",namespace="shop"}')?.split(' ')[1], '0');
  assert.ok(line('prescale_decision_duration_seconds_count{workload="web",namespace="shop"}'));
  assert.ok(line('prescale_model_forecast_duration_seconds_count{model="naive"}'));
  assert.ok(!/ NaN$/m.test(metrics), 'no NaN on /metrics');

  // Liveness fails when the loop stalls for 5 sync periods.
  await clock.advance(5 * 15 * 1000 + 1000);
  const stalled = await fetch(`${api}/healthz`);
  assert.equal(stalled.status, 503);
});

test('run(): the workload syncs at once, then on its own offset in each period on the injected clock, until aborted', async (t) => {
  const { service, clock } = await startService(t, 100);
  const controller = new AbortController();
  const running = service.run(controller.signal);
  const syncsAt: number[] = [];
  for (let i = 0; i < 6; i++) {
    // Wait until the loop sleeps, then record the sync it made and move to the next period.
    await clock.whenSleeping();
    syncsAt.push(service.statuses()[0].lastSyncSeconds ?? Number.NaN);
    await clock.advance(15_000);
  }
  controller.abort();
  await running;
  const start = T0 + 100 * 60;
  const first = nextSyncMs(start * 1000, 15_000, syncOffsetMs('shop/web', 15_000)) / 1000;
  assert.ok(first > start && first <= start + 15);
  assert.deepEqual(syncsAt, [start, ...[0, 15, 30, 45, 60].map((s) => first + s)]);
});
