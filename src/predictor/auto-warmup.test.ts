import assert from 'node:assert/strict';
import { after, before, type TestContext, test } from 'node:test';
import { runtimeStatus } from '../operator/status.js';
import { autoServiceConfig, NASA_T0, startNasaPrometheus } from '../testing/auto-service-config.js';
import { ManualClock } from '../testing/manual-clock.js';
import type { PrometheusServer } from '../testing/prometheus-server.js';
import { tempDir } from '../testing/temp-dir.js';
import { PrescaleService } from './service.js';
import { summaryJson } from './status-json.js';
import { inProcessTrainer } from './trainer.js';
import type { WorkloadStatus } from './workload-status.js';

// A new workload under `model: auto`: its metric exists from T0 (1995-07-03 00:00 UTC, the NASA KSC trace per
// minute), the service starts 40 minutes later asking for 3 days of history, and a real Prometheus holds 50 h.
const T0 = NASA_T0;
const TRACE_HOURS = 50;
const HOUR = 3600;

let prometheus: PrometheusServer;

before(async () => {
  prometheus = await startNasaPrometheus(TRACE_HOURS);
});

after(async () => {
  await prometheus.stop();
});

async function startService(t: TestContext): Promise<{ service: PrescaleService; clock: ManualClock }> {
  const clock = new ManualClock((T0 + 40 * 60) * 1000);
  const config = autoServiceConfig(prometheus.url, await tempDir(t), { retrainRetry: '5m' });
  const service = await PrescaleService.start(config, { clock, trainer: inProcessTrainer, processMetrics: false });
  t.after(() => service.stop());
  return { service, clock };
}

/** One sync at the clock's time, waiting for the fit it may start. */
async function sync(service: PrescaleService): Promise<WorkloadStatus> {
  await service.syncAll();
  await service.whenIdle();
  return service.statuses()[0];
}

const hoursSinceT0 = (seconds: number) => (seconds - T0) / HOUR;

test('auto on a new metric: says how long to wait under 1 h, forecasts after its first fit at 1 h, refits at each warm-up stage, and runs the full selection at 48 h', async (t) => {
  const { service, clock } = await startService(t);
  // 40 minutes in: no model yet, and the status says how long until the first one.
  const early = await sync(service);
  assert.equal(early.model.current, null);
  assert.match(
    early.model.problem ?? '',
    /history 0\.7 h observed; the first model \(naive\) serves from 1\.0 h on, 0\.3 h to go/,
  );
  assert.deepEqual(
    early.fallback.reasons.map((r) => r.cause),
    ['model-missing'],
  );
  // The failed fit is retried every loop.retrainRetry (5 min): at 60 minutes the hour is there.
  await clock.advance(20 * 60_000);
  const first = await sync(service);
  assert.equal(first.model.current, 'naive', 'the first fit serves naive');
  assert.equal(first.model.selection?.stage, 'warm-up');
  assert.match(
    first.model.selection?.reason ?? '',
    /^history 1\.0 h: serving naive until 48 h allows a backtest among 2 candidates; naive: lowest RMSE over h=1\.\.10 on the last 0\.3 h/,
  );
  // The refit comes at the next warm-up stage (2 h), not a retrainEvery (24 h) later.
  assert.ok(hoursSinceT0(first.model.nextRetrainSeconds) < 2.1, `next refit at ${first.model.nextRetrainSeconds}`);

  await clock.advance(30_000);
  let forecasting = await sync(service);
  assert.notEqual(forecasting.forecast, null, 'a forecast half a minute after the first fit');
  // Leaving the start-up fallback takes its hysteresis (2 min healthy); then the plan follows the forecast.
  for (let i = 0; i < 6; i++) {
    await clock.advance(30_000);
    forecasting = await sync(service);
    assert.notEqual(forecasting.forecast, null);
  }
  assert.equal(forecasting.fallback.active, false, forecasting.fallback.summary);
  assert.equal(forecasting.published.source, 'plan');

  // What people read: /v1/workloads and the PredictiveAutoscaler status carry the stage and the reason.
  const summary = summaryJson(forecasting);
  assert.equal(summary.model, 'naive');
  assert.equal(summary.modelStage, 'warm-up');
  assert.equal(summary.modelReason, forecasting.model.selection?.reason);
  const resource = runtimeStatus(forecasting, [], new Date(clock.nowMs()).toISOString(), 1).status;
  assert.equal(resource.model?.name, 'naive');
  assert.equal(resource.model?.reason, forecasting.model.selection?.reason);

  // Jump from refit to refit: each comes when the history reaches its next stage, until the full selection.
  const fits: { atHours: number; stage: string | undefined; historyHours: number; compared: string[] }[] = [];
  let status = forecasting;
  let fittedAt = status.model.fittedAtSeconds;
  while (status.model.selection?.stage !== 'full' && fits.length < 12) {
    await clock.advance(Math.max(0, status.model.nextRetrainSeconds * 1000 - clock.nowMs()));
    status = await sync(service);
    assert.notEqual(status.model.fittedAtSeconds, fittedAt, 'a refit at the scheduled time');
    fittedAt = status.model.fittedAtSeconds;
    const selection = status.model.selection;
    fits.push({
      atHours: hoursSinceT0(clock.nowMs() / 1000),
      stage: selection?.stage,
      historyHours: (selection?.historySeconds ?? 0) / HOUR,
      compared: (selection?.candidates ?? []).filter((c) => Number.isFinite(c.rmse)).map((c) => c.model),
    });
    assert.equal(status.fallback.active, false, status.fallback.summary);
  }
  // One refit at each point of the warm-up schedule, then the full selection at 48 h (not 48 h + retrainEvery).
  assert.deepEqual(
    fits.map((fit) => [Math.floor(fit.historyHours), fit.stage]),
    [2, 3, 6, 12, 18, 24, 36].map((hours) => [hours, 'warm-up']).concat([[48, 'full']]),
  );
  assert.ok(fits.at(-1)!.atHours <= 48, `the full selection at ${fits.at(-1)!.atHours} h`);
  // Seasonal naive joined the comparison once the compared part held a day to repeat (36 h).
  assert.deepEqual(
    fits.map((fit) => fit.compared),
    [...Array(6).fill(['naive']), ['naive', 'seasonal-naive'], ['naive', 'seasonal-naive']],
  );
  assert.match(
    status.model.selection?.reason ?? '',
    /^(naive|seasonal-naive): lowest RMSE over h=1\.\.10 on the last 24 h/,
  );
  assert.equal(
    status.model.nextRetrainSeconds,
    (status.model.fittedAtSeconds ?? 0) + 86_400,
    'in the full stage the model refits on retrainEvery',
  );
});
