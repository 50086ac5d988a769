import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { safeParseServiceConfig } from '../config/service.js';
import { ManualClock } from '../testing/manual-clock.js';
import { minimalWorkload } from '../testing/workload-fixtures.js';
import { savedModelPath } from './saved-models.js';
import { PrescaleService } from './service.js';
import { syncOffsetMs } from './sync-schedule.js';
import { inProcessTrainer } from './trainer.js';

// Workloads added, changed and removed while the service runs (what the operator does as PredictiveAutoscalers
// change): no restart, the model kept where it can be, nothing left behind.

const T0 = 1_800_000_000;

/** A Prometheus HTTP API on 127.0.0.1 answering every range query with a smooth load on the query's grid. */
let prometheus: Server;
let prometheusUrl: string;
before(async () => {
  prometheus = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const params = new URLSearchParams(request.method === 'POST' ? body : (request.url ?? '').split('?')[1]);
      response.setHeader('content-type', 'application/json');
      if ((request.url ?? '').startsWith('/api/v1/query_range')) {
        const start = Number(params.get('start'));
        const end = Number(params.get('end'));
        const step = Number.parseFloat(params.get('step') ?? '60');
        const values: [number, string][] = [];
        for (let t = start; t <= end; t += step) values.push([t, String(200 + 50 * Math.sin(t / 3600))]);
        const result = [{ metric: {}, values }];
        response.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }));
      } else {
        response.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
      }
    });
  });
  await new Promise<void>((resolve) => prometheus.listen(0, '127.0.0.1', resolve));
  const address = prometheus.address();
  prometheusUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
});
after(() => new Promise<void>((resolve) => prometheus.close(() => resolve())));

/** The service first (a background fit may still be saving a model into the folder), then its models folder. */
async function stopThenRemove(service: PrescaleService, modelsDir: string): Promise<void> {
  await service.whenIdle();
  await service.stop();
  await rm(modelsDir, { recursive: true, force: true });
}

function entry(name: string, spec: Record<string, unknown> = {}) {
  return minimalWorkload(
    {
      integration: 'KEDA',
      metric: { query: `requests{app="${name}"}`, step: '60s' },
      prediction: { history: '3h' },
      ...spec,
    },
    { metadata: { name, namespace: 'shop' } },
  );
}

function parsed(modelsDir: string, entries: unknown[]) {
  const result = safeParseServiceConfig({
    prometheus: { url: prometheusUrl, retries: 0 },
    api: { listen: '127.0.0.1:0' },
    keda: { listen: '127.0.0.1:0' },
    externalMetrics: { enabled: false },
    models: { dir: modelsDir },
    loop: { trainer: 'in-process' },
    workloads: entries,
  });
  assert.ok(result.success, JSON.stringify(!result.success && result.issues));
  return result.data;
}

test('workloads are added, reconfigured with their model kept, replaced and removed without a restart', async (t) => {
  const modelsDir = await mkdtemp(join(tmpdir(), 'prescale-'));
  const clock = new ManualClock(T0 * 1000);
  const config = parsed(modelsDir, [entry('web')]);
  const service = await PrescaleService.start(config, { clock, trainer: inProcessTrainer, processMetrics: false });
  t.after(() => stopThenRemove(service, modelsDir));
  const step = async () => {
    await service.syncAll();
    await service.whenIdle();
    await clock.advance(60_000);
  };
  const status = (name: string) => service.statuses().find((s) => s.name === name);
  await step();
  await step();
  const webModel = status('web')?.model;
  assert.equal(webModel?.current, 'naive', 'the first workload trained');
  const webModelFile = savedModelPath(modelsDir, config.workloads[0]);
  assert.ok(existsSync(webModelFile));

  // Add a second workload: it starts, trains and publishes; the first is untouched.
  let changes = await service.applyWorkloads(parsed(modelsDir, [entry('web'), entry('api')]).workloads);
  assert.deepEqual(changes, { added: ['shop/api'], updated: [], replaced: [], removed: [] });
  await step();
  await step();
  assert.equal(status('api')?.model.current, 'naive');
  assert.equal(status('web')?.model.fittedAtSeconds, webModel?.fittedAtSeconds, 'web was not retrained');

  // A planner change keeps the model and the data, and the next decision uses it.
  changes = await service.applyWorkloads(
    parsed(modelsDir, [entry('web', { planner: { headroomPercent: 50 } }), entry('api')]).workloads,
  );
  assert.deepEqual(changes, { added: [], updated: ['shop/web'], replaced: [], removed: [] });
  await step();
  assert.equal(status('web')?.model.fittedAtSeconds, webModel?.fittedAtSeconds, 'the model was kept');
  assert.match(status('web')?.plan?.decision.reason ?? '', /\+50% headroom/);

  // A model change retrains, holding the published value meanwhile (never a drop to minReplicas); the model saved
  // for the old settings is deleted.
  const publishedBefore = status('api')?.published.replicas;
  const apiNaiveFile = savedModelPath(modelsDir, parsed(modelsDir, [entry('api')]).workloads[0]);
  assert.ok(existsSync(apiNaiveFile));
  const seasonal = parsed(modelsDir, [
    entry('web', { planner: { headroomPercent: 50 } }),
    entry('api', { model: 'seasonal-naive' }),
  ]).workloads;
  changes = await service.applyWorkloads(seasonal);
  assert.deepEqual(changes, { added: [], updated: [], replaced: ['shop/api'], removed: [] });
  assert.equal(status('api')?.published.replicas, publishedBefore, 'the new loop starts from the published value');
  assert.ok((publishedBefore ?? 0) > 1, `a value above minReplicas to hold (${publishedBefore})`);
  assert.equal(existsSync(apiNaiveFile), false, "the old settings' model is deleted");
  // Its series start afresh: the old loop's model is not reported any more.
  const apiSeries = async () =>
    (await service.metrics.registry.metrics()).split('\n').filter((line) => line.includes('workload="api"'));
  assert.deepEqual(await apiSeries(), []);
  await step();
  assert.equal(status('api')?.model.configured, 'seasonal-naive');
  const apiSeasonalFile = savedModelPath(modelsDir, seasonal[1]);
  assert.notEqual(apiSeasonalFile, apiNaiveFile);
  await step();
  assert.deepEqual(
    (await apiSeries()).filter((line) => line.startsWith('prescale_model_info')),
    ['prescale_model_info{workload="api",namespace="shop",model="seasonal-naive"} 1'],
  );

  // Removing a workload stops its loop, deletes its saved model, and the KEDA door no longer serves it.
  changes = await service.applyWorkloads(
    parsed(modelsDir, [entry('web', { planner: { headroomPercent: 50 } })]).workloads,
  );
  assert.deepEqual(changes, { added: [], updated: [], replaced: [], removed: ['shop/api'] });
  assert.equal(status('api'), undefined);
  assert.equal(existsSync(apiSeasonalFile), false, 'the saved model is deleted');
  assert.deepEqual(await readdir(modelsDir), [basename(savedModelPath(modelsDir, seasonal[0]))]);
  assert.deepEqual(await apiSeries(), [], 'and its series are gone from /metrics');
  assert.ok((await service.metrics.registry.metrics()).includes('prescale_desired_replicas{workload="web"'));
  await step();
  assert.deepEqual(
    service.statuses().map((s) => s.name),
    ['web'],
  );
  // The same list again changes nothing.
  changes = await service.applyWorkloads(
    parsed(modelsDir, [entry('web', { planner: { headroomPercent: 50 } })]).workloads,
  );
  assert.deepEqual(changes, { added: [], updated: [], replaced: [], removed: [] });
});

test('sharding: a workload handed over to another replica keeps its saved model, and loads it when it comes back', async (t) => {
  const modelsDir = await mkdtemp(join(tmpdir(), 'prescale-'));
  const clock = new ManualClock(T0 * 1000);
  const config = parsed(modelsDir, [entry('web')]);
  const service = await PrescaleService.start(config, { clock, trainer: inProcessTrainer, processMetrics: false });
  t.after(() => stopThenRemove(service, modelsDir));
  await service.syncAll();
  await service.whenIdle();
  assert.equal(service.statuses()[0].model.current, 'naive');
  const modelFile = savedModelPath(modelsDir, config.workloads[0]);

  const changes = await service.applyWorkloads([], new Set(['shop/web']));
  assert.deepEqual(changes.removed, ['shop/web']);
  assert.deepEqual(service.statuses(), [], 'no longer run here');
  assert.ok(existsSync(modelFile), 'its saved model is kept');

  await clock.advance(3600_000);
  // It comes back with a workload this replica never ran: the one loads its saved model, the other must train.
  await service.applyWorkloads(parsed(modelsDir, [entry('web'), entry('api')]).workloads);
  const model = (name: string) => service.statuses().find((s) => s.name === name)?.model.current;
  assert.equal(model('web'), 'naive', 'its saved model serves at once, before any sync or fit');
  assert.equal(model('api'), null, 'no saved model: nothing until it has trained');
});

test('run(): each workload syncs at once, then once per period at its own offset; one added joins, a removed one stops', async (t) => {
  const modelsDir = await mkdtemp(join(tmpdir(), 'prescale-'));
  const clock = new ManualClock(T0 * 1000);
  const periodMs = 15_000;
  const service = await PrescaleService.start(parsed(modelsDir, [entry('web'), entry('api'), entry('db')]), {
    clock,
    trainer: inProcessTrainer,
    processMetrics: false,
  });
  t.after(() => stopThenRemove(service, modelsDir));
  const abort = new AbortController();
  const running = service.run(abort.signal);
  // Every sync each workload made, seen by stepping the clock a second at a time and letting every loop sleep again.
  const syncs = new Map<string, number[]>();
  const record = () => {
    for (const { name, lastSyncSeconds } of service.statuses()) {
      const times = syncs.get(name) ?? [];
      if (lastSyncSeconds !== null && times.at(-1) !== lastSyncSeconds) times.push(lastSyncSeconds);
      syncs.set(name, times);
    }
  };
  const step = async (seconds: number, loops: number) => {
    for (let i = 0; i < seconds; i++) {
      await clock.advance(1000);
      await clock.whenSleeping(loops);
      record();
    }
  };
  await clock.whenSleeping(3);
  record();
  await step(60, 3);
  const offsets = ['web', 'api', 'db'].map((name) => {
    const times = syncs.get(name) ?? [];
    assert.equal(times[0], T0, `${name} synced at once`);
    const first = times[1];
    assert.ok(first > T0 && first <= T0 + 15, `${name}: first scheduled sync at T0+${first - T0}s, within the period`);
    assert.deepEqual(
      times.slice(1),
      [0, 15, 30, 45].map((s) => first + s),
      `${name}: once per period, no more, no less`,
    );
    const offsetMs = (first * 1000) % periodMs;
    assert.equal(offsetMs, syncOffsetMs(`shop/${name}`, periodMs), `${name}: on its own offset`);
    return offsetMs;
  });
  assert.equal(new Set(offsets).size, 3, `spread: three workloads, three offsets (${offsets.join(', ')} ms)`);

  await service.applyWorkloads(parsed(modelsDir, [entry('web'), entry('db'), entry('cache')]).workloads);
  await clock.whenSleeping(3);
  record();
  assert.deepEqual(syncs.get('cache'), [T0 + 60], 'the added workload synced at once');
  const apiSyncs = syncs.get('api')?.length;
  await step(15, 3);
  assert.equal(syncs.get('cache')?.length, 2, 'and on its period after');
  assert.equal(syncs.get('api')?.length, apiSyncs, 'the removed workload no longer syncs');
  assert.equal(
    service.statuses().find((s) => s.name === 'api'),
    undefined,
    'gone',
  );
  abort.abort();
  await running;
});
