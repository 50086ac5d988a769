import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, type TestContext, test } from 'node:test';
import pino from 'pino';
import { autoServiceConfig, NASA_T0, startNasaPrometheus } from '../testing/auto-service-config.js';
import { ManualClock } from '../testing/manual-clock.js';
import type { PrometheusServer } from '../testing/prometheus-server.js';
import { tempDir } from '../testing/temp-dir.js';
import { DRIFT_SUSTAIN_SECONDS } from './auto-refit.js';
import { PrescaleService } from './service.js';
import { type FitRequest, inProcessTrainer, type Trainer } from './trainer.js';
import type { WorkloadStatus } from './workload-status.js';

// `model: auto` past its warm-up: the NASA KSC trace per minute from T0 (1995-07-03 00:00 UTC) in a real Prometheus,
// the service started at 48 h (the full selection at once), then run day by day on a manual clock. From 240.5 h the
// load flaps (×8 and ×1/8 on alternate minutes), which no model forecasts: the winner's online error drifts.
const T0 = NASA_T0;
const HOUR = 3600;
const TRACE_HOURS = 243;
const FLAP_FROM_HOURS = 240.5;

let prometheus: PrometheusServer;

before(async () => {
  prometheus = await startNasaPrometheus(TRACE_HOURS, (value, minute) =>
    minute < FLAP_FROM_HOURS * 60 ? value : minute % 2 === 0 ? value * 8 : value / 8,
  );
});

after(async () => {
  await prometheus.stop();
});

interface FitLine {
  readonly fit: string;
  readonly why: string;
  readonly chosen: string;
  readonly refitNote?: string;
}

async function startService(t: TestContext) {
  const clock = new ManualClock((T0 + 48 * HOUR) * 1000);
  const requests: FitRequest[] = [];
  // The real in-process trainer, recording what the holder asks for.
  const trainer: Trainer = {
    fit: (request, signal) => {
      requests.push(request);
      return inProcessTrainer.fit(request, signal);
    },
    close: async () => undefined,
  };
  const fits: FitLine[] = [];
  const logger = pino(
    { level: 'info', base: null, timestamp: false },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        const line = JSON.parse(chunk.toString());
        if (line.msg === 'model refreshed') fits.push(line);
        done();
      },
    }),
  );
  const config = autoServiceConfig(prometheus.url, await tempDir(t));
  const service = await PrescaleService.start(config, { clock, trainer, logger, processMetrics: false });
  t.after(() => service.stop());
  return { service, clock, requests, fits };
}

/** One sync at the clock's time, waiting for the fit it may start. */
async function sync(service: PrescaleService): Promise<WorkloadStatus> {
  await service.syncAll();
  await service.whenIdle();
  return service.statuses()[0];
}

const hoursSinceT0 = (seconds: number) => (seconds - T0) / HOUR;

test('auto refits only its winner daily, reselects after 7 days, and reselects early when the online error drifts', async (t) => {
  const { service, clock, requests, fits } = await startService(t);
  const first = await sync(service);
  const selection = first.model.selection!;
  assert.equal(selection.stage, 'full');
  assert.equal(requests.at(-1)?.refitOf, undefined, 'the first fit is a selection');
  assert.deepEqual(fits.at(-1) && [fits.at(-1)!.fit, fits.at(-1)!.why], ['selection', 'no model yet']);
  // The selection's data end a step after the sync that fitted it.
  assert.equal(hoursSinceT0(selection.validationEndSeconds), 48 + 1 / 60);

  // Day by day: six refits of the winner alone, each on the newest data with the selection's record and a note.
  for (let day = 1; day <= 6; day++) {
    await clock.advance(first.model.nextRetrainSeconds * 1000 + (day - 1) * 86_400_000 - clock.nowMs());
    const status = await sync(service);
    assert.equal(hoursSinceT0(status.model.fittedAtSeconds!), 48 + 24 * day);
    assert.deepEqual(requests.at(-1)?.refitOf?.candidates, selection.candidates, `day ${day}: the winner alone`);
    const { refitNote, ...kept } = status.model.selection!;
    assert.deepEqual(kept, selection, 'the selection record is kept');
    assert.equal(
      refitNote,
      `refit of ${selection.chosen} on 72.0 h; last selection at 1995-07-05T00:01:00Z`,
      'a 3-day history',
    );
    assert.equal(status.model.trainEndSeconds, status.model.fittedAtSeconds! + 60, 'fitted on the newest data');
    const line = fits.at(-1)!;
    assert.equal(line.fit, 'winner-refit');
    assert.equal(line.refitNote, refitNote);
    assert.match(
      line.why,
      new RegExp(
        `^refit of ${selection.chosen}; last selection ${day}\\.0 d ago, the next in ${7 - day}\\.0 d or on drift$`,
      ),
    );
  }
  assert.equal(requests.length, 7);

  // Day 7: a week since the selection, so the daily fit selects again.
  await clock.advance(86_400_000);
  const weekly = await sync(service);
  assert.equal(hoursSinceT0(weekly.model.fittedAtSeconds!), 216);
  assert.equal(requests.at(-1)?.refitOf, undefined);
  assert.equal(weekly.model.selection?.refitNote, undefined);
  assert.equal(
    hoursSinceT0(weekly.model.selection!.validationEndSeconds),
    216 + 1 / 60,
    'a new backtest, on the last day',
  );
  assert.deepEqual(
    [fits.at(-1)!.fit, fits.at(-1)!.why],
    ['selection', 'last selection 7.0 d ago (reselectEvery 7.0 d)'],
  );

  // Day 8 (240 h): a refit of the new winner; then a sync a minute. The error of the trace itself does not drift.
  await clock.advance(86_400_000);
  await sync(service);
  assert.equal(fits.at(-1)!.fit, 'winner-refit');
  const fitsBefore = requests.length;
  let status = weekly;
  while (hoursSinceT0(clock.nowMs() / 1000) < FLAP_FROM_HOURS) {
    await clock.advance(60_000);
    status = await sync(service);
  }
  assert.ok((status.accuracy.rollingErrorPercent ?? 100) < 50, `${status.accuracy.rollingErrorPercent}`);
  assert.equal(requests.length, fitsBefore, 'no fit while the error holds');

  // From 240.5 h the load flaps: once the error has stayed above the limit for the sustain period, auto selects
  // again at once, 1 day after the last selection instead of 7.
  while (requests.length === fitsBefore && hoursSinceT0(clock.nowMs() / 1000) < TRACE_HOURS - 0.1) {
    await clock.advance(60_000);
    status = await sync(service);
  }
  const driftAtHours = hoursSinceT0(status.model.fittedAtSeconds!);
  assert.equal(requests.length, fitsBefore + 1, 'a fit on drift');
  assert.equal(requests.at(-1)?.refitOf, undefined, 'a selection');
  const drift = fits.at(-1)!;
  assert.equal(drift.fit, 'selection');
  assert.match(
    drift.why,
    /^(naive|seasonal-naive) drifted: online error \d+\.\d % above \d+\.\d % for \d+ min; last selection 1\.0 d ago$/,
  );
  const sustainedHours = DRIFT_SUSTAIN_SECONDS / HOUR;
  assert.ok(driftAtHours >= FLAP_FROM_HOURS + sustainedHours, `drift reselection at ${driftAtHours} h`);
  assert.ok(driftAtHours < FLAP_FROM_HOURS + sustainedHours + 0.5, `drift reselection at ${driftAtHours} h`);
  assert.equal(status.model.selection!.validationEndSeconds, status.model.fittedAtSeconds! + 60);

  // The load keeps flapping, but a new selection cannot cure it: no second one within retrainEvery of the last.
  while (hoursSinceT0(clock.nowMs() / 1000) < TRACE_HOURS - 0.1) {
    await clock.advance(60_000);
    status = await sync(service);
  }
  assert.ok(status.fallback.active, 'the fallback covers the flapping load');
  assert.equal(requests.length, fitsBefore + 1, 'no further selection on the same drift');
});
