import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Series } from '../core/index.js';
import { loadDataset } from '../experiments/datasets.js';
import { sliceSeries } from '../models/backtest.js';
import type { NeuralOptions, NeuralParameters } from '../models/neural/index.js';
import { ManualClock } from '../testing/manual-clock.js';
import { tempDir } from '../testing/temp-dir.js';
import { ModelHolder } from './model-holder.js';
import { type FitRequest, type FitResult, inProcessTrainer, type Trainer } from './trainer.js';
import { REFIT_GRACE_SECONDS, TrainingQueue } from './training-queue.js';

const T = 1_700_000_000;

/** A ramp with noise-free steps: naive forecasts its last value. */
function series(last: number, length = 120): Series {
  return {
    startSeconds: T - length * 60,
    stepSeconds: 60,
    values: Float64Array.from({ length }, (_, i) => last - (length - 1 - i)),
  };
}

/** The real in-process trainer behind a gate: each fit waits for one `open()`, so a fit runs as long as a test wants. */
function gatedTrainer(): Trainer & { open(): void; calls: FitRequest[] } {
  let permits = 0;
  const waiting: (() => void)[] = [];
  const calls: FitRequest[] = [];
  return {
    calls,
    open() {
      const next = waiting.shift();
      if (next === undefined) permits++;
      else next();
    },
    async fit(request): Promise<FitResult> {
      calls.push(request);
      if (permits > 0) permits--;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      return inProcessTrainer.fit(request);
    },
    close: async () => undefined,
  };
}

/** A naive workload (hourly refits) fitted by `trainer`; with `queued`, its fits wait in that training queue. */
function holder(
  trainer: Trainer,
  clock: ManualClock,
  path: string | null = null,
  queued?: { readonly queue: TrainingQueue; readonly key: string },
) {
  return new ModelHolder({
    model: 'naive',
    autoCandidates: [],
    modelOptions: { horizonSteps: 5 },
    retrainEverySeconds: 3600,
    retryAfterSeconds: 300,
    path,
    trainer,
    ...(queued ? { queue: { ...queued, maxErrorPercent: () => 50 } } : {}),
    clock,
  });
}

test('a running fit never blocks: the old model serves until the new one is ready, then is swapped in', async () => {
  const clock = new ManualClock(T * 1000);
  const trainer = gatedTrainer();
  const h = holder(trainer, clock);
  h.maybeRetrain(T, async () => series(100));
  assert.equal(h.status().current, null);
  assert.equal(h.status().retraining, true);
  trainer.open();
  await h.whenIdle();
  const first = h.current;
  assert.deepEqual([...(first?.forecast(series(100), 5).point ?? [])], [100, 100, 100, 100, 100]);

  // The refit is due an hour later; while it runs, forecasts still come from the first model.
  await clock.advance(3600_000);
  h.maybeRetrain(T + 3600, async () => series(500));
  h.maybeRetrain(T + 3600, async () => series(900));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(trainer.calls.length, 2, 'one fit at a time');
  assert.equal(h.current, first);
  assert.equal(h.status().retraining, true);
  trainer.open();
  await h.whenIdle();
  assert.notEqual(h.current, first);
  assert.equal(h.status().fittedAtSeconds, T + 3600);
  assert.equal(h.status().nextRetrainSeconds, T + 7200);
  assert.equal(h.current?.metadata.trainEndSeconds, T);
});

test('not due: no fit is started', async () => {
  const clock = new ManualClock(T * 1000);
  const trainer = gatedTrainer();
  const h = holder(trainer, clock);
  h.maybeRetrain(T, async () => series(100));
  trainer.open();
  await h.whenIdle();
  h.maybeRetrain(T + 3599, async () => series(100));
  assert.equal(trainer.calls.length, 1);
});

test('a failed refit keeps the last good model and retries after retryAfter', async () => {
  const clock = new ManualClock(T * 1000);
  const h = holder(inProcessTrainer, clock);
  h.maybeRetrain(T, async () => series(100));
  await h.whenIdle();
  const good = h.current;
  await clock.advance(3600_000);
  h.maybeRetrain(T + 3600, async () => ({ ...series(1), values: new Float64Array(120).fill(Number.NaN) }));
  await h.whenIdle();
  assert.equal(h.current, good, 'the last good model still serves');
  const status = h.status();
  assert.match(status.lastRetrainError ?? '', /no observed value/);
  assert.equal(status.problem, null, 'a model serves, so there is no problem to report');
  assert.equal(status.nextRetrainSeconds, T + 3600 + 300);
  // A failed data read is a failed fit too.
  await clock.advance(300_000);
  h.maybeRetrain(T + 3900, async () => {
    throw new Error('cannot reach Prometheus');
  });
  await h.whenIdle();
  assert.equal(h.current, good);
  assert.equal(h.status().lastRetrainError, 'cannot reach Prometheus');
});

test('a fitted model that forecasts a non-finite value is refused', async () => {
  const clock = new ManualClock(T * 1000);
  const h = holder(inProcessTrainer, clock);
  const huge = { ...series(1), values: Float64Array.from({ length: 120 }, (_, i) => (i === 119 ? Infinity : i)) };
  h.maybeRetrain(T, async () => huge);
  await h.whenIdle();
  assert.equal(h.status().current, null);
  assert.match(h.status().problem ?? '', /no model: the fit failed .*non-finite/);
});

test('a fit installs the portable model and saves the bytes its trainer made, as they are (no serializing here)', async (t) => {
  const path = join(await tempDir(t), 'shop.web.model');
  const json = { current: '' };
  // Bytes a trainer made its own way (indented): the file must hold exactly these.
  const trainer: Trainer = {
    async fit(request) {
      const result = await inProcessTrainer.fit(request);
      json.current = `${JSON.stringify(result.saved, null, 1)}\n`;
      return { ...result, serialized: { json: json.current } };
    },
    close: async () => undefined,
  };
  const h = holder(trainer, new ManualClock(T * 1000), path);
  h.maybeRetrain(T, async () => series(100));
  await h.whenIdle();
  assert.deepEqual([...(h.current?.forecast(series(100), 5).point ?? [])], [100, 100, 100, 100, 100]);
  assert.equal(await readFile(path, 'utf8'), json.current);
});

const loadRows: { name: string; file: string | null; want: { model: boolean; problem: RegExp | null } }[] = [
  { name: 'no saved file: train at once', file: null, want: { model: false, problem: /no model trained yet/ } },
  {
    name: 'a corrupt file: say so, train at once',
    file: '{"metadata": ',
    want: { model: false, problem: /saved model unusable .*the model file is not valid JSON: it ends early/ },
  },
  {
    name: 'a file of an unknown model',
    file: JSON.stringify({ metadata: { model: 'telepathy' }, parameters: {} }),
    want: { model: false, problem: /saved model unusable .*unknown model 'telepathy'/ },
  },
];

for (const row of loadRows) {
  test(`loadSaved: ${row.name}`, async (t) => {
    const dir = await tempDir(t);
    const path = join(dir, 'shop.web.model');
    if (row.file !== null) await writeFile(path, row.file);
    const clock = new ManualClock(T * 1000);
    const h = holder(inProcessTrainer, clock, path);
    await h.loadSaved(T);
    assert.equal(h.current !== null, row.want.model);
    assert.match(h.status().problem ?? '', row.want.problem ?? /^$/);
    // Due at once: the next maybeRetrain fits, saves, and the problem is gone.
    h.maybeRetrain(T, async () => series(100));
    await h.whenIdle();
    assert.equal(h.status().problem, null);
    assert.equal(JSON.parse(await readFile(path, 'utf8')).metadata.model, 'naive');
  });
}

test('loadSaved: a good saved model serves at once and is refreshed on schedule', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'shop.web.model');
  const clock = new ManualClock(T * 1000);
  const first = holder(inProcessTrainer, clock, path);
  first.maybeRetrain(T, async () => series(100));
  await first.whenIdle();
  const fittedAt = Date.parse(JSON.parse(await readFile(path, 'utf8')).metadata.fittedAt) / 1000;

  const restarted = holder(inProcessTrainer, clock, path);
  await restarted.loadSaved(T + 60);
  assert.equal(restarted.current?.metadata.model, 'naive');
  assert.equal(restarted.status().nextRetrainSeconds, fittedAt + 3600);
});

test('under a training budget: a refit queued past its grace is late, the last good model serving; on time again once fitted', async () => {
  const clock = new ManualClock(T * 1000);
  const queue = new TrainingQueue(1, clock);
  const trainer = gatedTrainer();
  const withQueue = (key: string) => holder(trainer, clock, null, { queue, key });
  const busy = withQueue('shop/busy');
  const late = withQueue('shop/late');
  late.maybeRetrain(T, async () => series(100));
  trainer.open();
  await late.whenIdle();
  const first = late.current;
  assert.notEqual(first, null);

  // Another workload's long fit holds the only slot when this one's refit falls due (T + 3600).
  busy.maybeRetrain(T + 3000, async () => series(100));
  await clock.advance(3600_000);
  late.maybeRetrain(T + 3600, async () => series(200));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(late.status().queuedForTraining, true);
  assert.equal(late.status().refitLateSeconds, null, 'within the grace');
  await clock.advance((REFIT_GRACE_SECONDS + 60) * 1000);
  assert.equal(late.status().refitLateSeconds, REFIT_GRACE_SECONDS + 60);
  assert.equal(late.current, first, 'the last good model serves');
  assert.deepEqual(queue.stats(), {
    concurrency: 1,
    queued: 1,
    running: 1,
    oldestWaitSeconds: REFIT_GRACE_SECONDS + 60,
  });

  trainer.open(); // the busy fit ends; the late refit takes the slot and fits
  await busy.whenIdle();
  trainer.open();
  await late.whenIdle();
  assert.notEqual(late.current, first);
  assert.equal(late.status().refitLateSeconds, null);
  assert.equal(late.status().queuedForTraining, false);
  assert.deepEqual(queue.stats(), { concurrency: 1, queued: 0, running: 0, oldestWaitSeconds: 0 });
});

test('under a training budget: closing a holder drops its queued fit; the trainer never sees it', async () => {
  const clock = new ManualClock(T * 1000);
  const queue = new TrainingQueue(1, clock);
  const trainer = gatedTrainer();
  const make = (key: string) => holder(trainer, clock, null, { queue, key });
  const running = make('shop/running');
  const removed = make('shop/removed');
  running.maybeRetrain(T, async () => series(100));
  removed.maybeRetrain(T, async () => series(100));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(queue.stats().queued, 1);
  removed.close();
  await removed.whenIdle();
  assert.equal(queue.stats().queued, 0);
  trainer.open();
  await running.whenIdle();
  assert.equal(trainer.calls.length, 1, 'only the fit of the workload still there');
  assert.equal(removed.status().lastRetrainError, null, 'a dropped fit is no failure');
});

test('a refit passes the serving model to continue from: a neural refit trains warm (manual clock)', async () => {
  const { series: nasa, dataset } = await loadDataset('nasa-jul95');
  const days = (from: number) =>
    sliceSeries(nasa, dataset.train_start + from * 86400, dataset.train_start + (from + 2) * 86400);
  const clock = new ManualClock(T * 1000);
  const requests: FitRequest[] = [];
  const tinyLstm: NeuralOptions = {
    horizonSteps: 10,
    settings: {
      windowSteps: 40,
      hiddenUnits: 6,
      maxEpochs: 3,
      warmStartEpochs: 1,
      batchSize: 64,
      maxTrainingWindows: 300,
    },
  };
  const h = new ModelHolder({
    model: 'lstm',
    autoCandidates: [],
    modelOptions: tinyLstm,
    retrainEverySeconds: 86400,
    retryAfterSeconds: 300,
    path: null,
    trainer: {
      fit: (request) => {
        requests.push(request);
        return inProcessTrainer.fit(request);
      },
      close: async () => undefined,
    },
    clock,
  });
  h.maybeRetrain(T, async () => days(0));
  await h.whenIdle();
  const first = h.current!;
  assert.equal(requests[0].warmStart, undefined, 'the first fit has nothing to continue from');
  await clock.advance(86400_000);
  h.maybeRetrain(T + 86400, async () => days(1));
  await h.whenIdle();
  assert.deepEqual(requests[1].warmStart?.saved, first.toJSON());
  assert.deepEqual(requests[1].warmStart?.artifacts, first.artifacts?.());
  const start = (h.current!.toJSON().parameters as NeuralParameters).training.start;
  assert.deepEqual(start, { kind: 'warm', fromTrainEndSeconds: first.metadata.trainEndSeconds });
});
