import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { safeParseServiceConfig } from '../config/service.js';
import type { WorkloadConfig } from '../config/workload.js';
import { ManualClock } from '../testing/manual-clock.js';
import { type PreloadedGauge, type PrometheusServer, startPrometheus } from '../testing/prometheus-server.js';
import { TcpProxy } from '../testing/tcp-proxy.js';
import { tempDir } from '../testing/temp-dir.js';
import { PrescaleService } from './service.js';
import { inProcessTrainer } from './trainer.js';

// The log as an operator reads it, through pino at level info, over a scripted failure sequence on a manual clock:
// a healthy start, a bad PromQL query (fixed 6 minutes later), Prometheus down for 7 minutes and back. A real
// Prometheus on 127.0.0.1 behind a TCP proxy (so it can be stopped and a new one started on the same address)
// serves a steady 100 requests/minute; 20 per pod makes 5 replicas, planned and reactive alike, so the replicas
// change once, at the start, and the story is the fallback's and Prometheus'.

const T0 = 1_700_000_000;
const STEP_SECONDS = 60;
const SYNC_SECONDS = 30;

let gauge: PreloadedGauge;
let prometheus: PrometheusServer;
let proxy: TcpProxy;

before(async () => {
  const times = Array.from({ length: 240 }, (_, i) => T0 - 120 * 60 + i * STEP_SECONDS);
  gauge = {
    name: 'shop_requests_per_minute',
    labels: { job: 'web' },
    series: { timestampsSeconds: Float64Array.from(times), values: Float64Array.from(times, () => 100) },
  };
  prometheus = await startPrometheus([gauge]);
  proxy = await TcpProxy.start(prometheus.port);
});

after(async () => {
  await proxy.close();
  await prometheus.stop();
});

/** The `workloads:` entry of the story; `latency` is the query the operator gets wrong, then fixes. */
function workloadEntry(latency?: string) {
  return {
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      integration: 'KEDA',
      model: 'naive',
      predictionHorizon: '10m',
      metric: { query: 'shop_requests_per_minute{job="web"}', step: '60s' },
      capacity: { perPod: 20 },
      planner: { headroomPercent: 0 },
      prediction: { history: '1h', retrainEvery: '1h' },
      minReplicas: 1,
      maxReplicas: 20,
    },
    ...(latency === undefined ? {} : { queries: { latency } }),
  };
}

/** One pino JSON line, as `prescale serve` writes it. */
interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

test('the log of a scripted failure sequence reads as a story: bad query, Prometheus down and back, fallback in and out', async (t) => {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: 'info', base: null, timestamp: false },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    }),
  );
  const config = (latency?: string) => {
    const parsed = safeParseServiceConfig({
      prometheus: { url: `http://127.0.0.1:${proxy.port}`, retries: 0, timeout: '5s' },
      api: { listen: '127.0.0.1:0' },
      keda: { listen: '127.0.0.1:0' },
      externalMetrics: { enabled: false },
      models: { dir: modelsDir },
      loop: { trainer: 'in-process' },
      workloads: [workloadEntry(latency)],
    });
    assert.ok(parsed.success, JSON.stringify(!parsed.success && parsed.issues));
    return parsed.data;
  };
  const modelsDir = await tempDir(t);
  const clock = new ManualClock(T0 * 1000);
  const service = await PrescaleService.start(config(), {
    clock,
    trainer: inProcessTrainer,
    logger,
    processMetrics: false,
  });
  t.after(() => service.stop());
  /** Syncs every 30 s for `minutes`, each sync's background fit finished before the next. */
  const run = async (minutes: number) => {
    for (let i = 0; i < (minutes * 60) / SYNC_SECONDS; i++) {
      await service.syncAll();
      await service.whenIdle();
      await clock.advance(SYNC_SECONDS * 1000);
    }
  };
  const applyWorkloads = (workloads: readonly WorkloadConfig[]) => service.applyWorkloads(workloads);

  await run(4);
  // The operator adds a latency query with a typo; six minutes later fixes it.
  await applyWorkloads(config('histogram_quantile(0.95, rate(http_duration_seconds_bucket[5m])').workloads);
  await run(6);
  await applyWorkloads(config().workloads);
  await run(4);
  // Prometheus goes down for 7 minutes.
  await prometheus.stop();
  proxy.dropConnections();
  await run(7);
  prometheus = await startPrometheus([gauge]);
  proxy.upstreamPort = prometheus.port;
  await run(4);

  // Every line names its workload, and nothing is logged per sync: 50 syncs made these lines.
  const workloadLines = lines.filter((line) => line.msg !== 'prescale serving' && line.msg !== 'workloads changed');
  for (const line of workloadLines) assert.deepEqual([line.workload, line.namespace], ['web', 'shop'], line.msg);
  assert.equal(clock.nowMs() / 1000 - T0, 50 * SYNC_SECONDS, '50 syncs');
  assert.ok(!lines.some((line) => line.msg === 'request'), 'requests only at debug');

  const seconds = (at: number) => at * 60;
  const story = lines.map((line) => {
    switch (line.msg) {
      case 'prescale serving':
        return [line.msg, { workloads: line.workloads }];
      case 'workloads changed':
        return [line.msg, { added: line.added, updated: line.updated, changedFields: line.changedFields }];
      case 'fallback entered':
        return [line.msg, { causes: line.causes, source: line.source }];
      case 'fallback causes changed':
        return [line.msg, { added: line.added, removed: line.removed, source: line.source }];
      case 'fallback recovering':
      case 'fallback left':
        return [line.msg, { after: line.after, source: line.source }];
      case 'prometheus read failed':
        return [line.msg, { error: kindOfError(String(line.error)) }];
      case 'prometheus read still failing':
        return [line.msg, { error: kindOfError(String(line.error)), failingForSeconds: line.failingForSeconds }];
      case 'prometheus read recovered':
        return [line.msg, { failures: line.failures, failedForSeconds: line.failedForSeconds }];
      case 'replicas changed':
        return [line.msg, { from: line.from, to: line.to, source: line.source }];
      case 'model refreshed':
        return [line.msg, { model: line.model, chosen: line.chosen, previous: line.previous }];
      default:
        return [line.msg, {}];
    }
  });
  assert.deepEqual(story, [
    ['workloads changed', { added: ['shop/web'], updated: [], changedFields: {} }],
    ['prescale serving', { workloads: 1 }],
    // Start: no model until the first fit, so the reactive value, then the plan once the forecast has been healthy
    // for recoverAfter (2 minutes).
    ['fallback entered', { causes: ['model-missing'], source: 'reactive' }],
    ['replicas changed', { from: 1, to: 5, source: 'reactive' }],
    ['model refreshed', { model: 'naive', chosen: 'naive', previous: null }],
    ['fallback recovering', { after: ['model-missing'], source: 'reactive' }],
    ['fallback left', { after: ['model-missing'], source: 'plan' }],
    // The bad query: the first failure, a count 5 minutes later, the recovery once fixed. A reporting-only query
    // failing does not touch the plan: the load is read, so no fallback.
    ['workloads changed', { added: [], updated: ['shop/web'], changedFields: { 'shop/web': ['queries.latency'] } }],
    ['prometheus read failed', { error: 'bad query' }],
    ['prometheus read still failing', { error: 'bad query', failingForSeconds: seconds(5) }],
    ['workloads changed', { added: [], updated: ['shop/web'], changedFields: { 'shop/web': ['queries.latency'] } }],
    ['prometheus read recovered', { failures: 12, failedForSeconds: seconds(6) }],
    // Prometheus down: unreachable at once, the data stale once the newest sample is older than 3 steps; the value
    // held; then back, and the plan again after recoverAfter.
    ['prometheus read failed', { error: 'unreachable' }],
    ['fallback entered', { causes: ['prometheus-unreachable'], source: 'reactive' }],
    ['fallback causes changed', { added: ['data-stale'], removed: [], source: 'last-published' }],
    ['prometheus read still failing', { error: 'unreachable', failingForSeconds: seconds(5) }],
    ['prometheus read recovered', { failures: 14, failedForSeconds: seconds(7) }],
    ['fallback recovering', { after: ['prometheus-unreachable', 'data-stale'], source: 'reactive' }],
    ['fallback left', { after: ['prometheus-unreachable', 'data-stale'], source: 'plan' }],
  ]);
  // The first failure of each episode names the queries it hit and the error as Prometheus or the connection gave it.
  const failed = lines.filter((line) => line.msg === 'prometheus read failed').map((line) => String(line.error));
  assert.match(failed[0], /^queries\.latency: .*parse error/);
  assert.match(
    failed[1],
    /^metric\.query(, queries\.latency)?: .*(ECONNREFUSED|cannot reach Prometheus|other side closed|socket)/i,
  );
  // Levels: trouble at warn (40), the rest at info (30).
  const levelOf = (msg: string) => new Set(lines.filter((line) => line.msg === msg).map((line) => line.level));
  for (const msg of ['fallback entered', 'prometheus read failed', 'prometheus read still failing']) {
    assert.deepEqual(levelOf(msg), new Set([40]), msg);
  }
  for (const msg of ['fallback left', 'prometheus read recovered', 'replicas changed', 'model refreshed']) {
    assert.deepEqual(levelOf(msg), new Set([30]), msg);
  }
});

/** The error of a failed read, by kind: Prometheus refusing the query, or Prometheus out of reach. */
function kindOfError(error: string): string {
  if (/parse error|bad_data/i.test(error)) return 'bad query';
  if (/ECONNREFUSED|cannot reach Prometheus|other side closed|socket|ECONNRESET/i.test(error)) return 'unreachable';
  return error;
}
