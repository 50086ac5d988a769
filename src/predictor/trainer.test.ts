import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readTraceFile } from '../collector/trace-file.js';
import { PrescaleError, type Series } from '../core/index.js';
import type { FittedAuto } from '../models/auto.js';
import { readFittedModel, writeSerializedModel } from '../models/persistence.js';
import { loadFittedModel } from '../models/registry.js';
import { sharedRoot } from '../testing/paths.js';
import { tempDir } from '../testing/temp-dir.js';
import { FIT_THREAD_NICE_STEP, lowerNice } from './thread-priority.js';
import {
  type FitRequest,
  type FitResult,
  inProcessTrainer,
  type Trainer,
  TrainerPool,
  WorkerTrainer,
} from './trainer.js';

let nasa: Series;
let worker: WorkerTrainer;

before(async () => {
  // Three days of the NASA trace at one minute: enough for the auto holdout with a 10-step horizon.
  const trace = await readTraceFile(join(sharedRoot, 'data/nasa-http/nasa_jul95_requests_per_minute.csv'));
  const first = trace.series.timestampsSeconds[0];
  const values = new Float64Array(3 * 1440).fill(Number.NaN);
  for (let i = 0; i < trace.series.values.length; i++) {
    const k = Math.round((trace.series.timestampsSeconds[i] - first) / 60);
    if (k < values.length) values[k] = trace.series.values[i];
  }
  nasa = { startSeconds: first, stepSeconds: 60, values };
  worker = new WorkerTrainer();
});

after(() => worker.close());

test('the worker fits the same model as the calling thread, and it loads and forecasts', async () => {
  const request = { model: 'naive', candidates: [], options: { horizonSteps: 10 }, train: nasa };
  const [inWorker, inProcess] = await Promise.all([worker.fit(request), inProcessTrainer.fit(request)]);
  assert.deepEqual(inWorker.saved.parameters, inProcess.saved.parameters);
  assert.deepEqual({ ...inWorker.saved.metadata, fittedAt: '' }, { ...inProcess.saved.metadata, fittedAt: '' });
  const model = loadFittedModel(inWorker.saved, inWorker.artifacts);
  const forecast = model.forecast(nasa, 10);
  const last = [...nasa.values].filter((v) => !Number.isNaN(v)).at(-1);
  assert.deepEqual([...new Set(forecast.point)], [last]);
});

test("the fit worker runs below the service thread's CPU priority (Linux: per-thread nice), the service thread unchanged", async () => {
  const serviceNice = getPriority();
  await worker.fit({ model: 'naive', candidates: [], options: { horizonSteps: 10 }, train: nasa });
  assert.equal(getPriority(), serviceNice);
  if (process.platform !== 'linux') return;
  // Field 19 of /proc/<pid>/task/<tid>/stat is the thread's nice value (after the parenthesised command name).
  const nices = readdirSync('/proc/self/task').map((tid) =>
    Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[16]),
  );
  const fitNice = lowerNice(serviceNice, FIT_THREAD_NICE_STEP);
  assert.ok(fitNice > serviceNice || serviceNice === 19);
  assert.ok(nices.includes(fitNice), `thread nice values: ${nices.join(', ')}`);
});

test("auto (the registry's) backtests the candidates in the worker and keeps the best, with its record", async () => {
  const result = await worker.fit({
    model: 'auto',
    candidates: ['naive', 'seasonal-naive'],
    options: { horizonSteps: 10, seasonSeconds: 86_400 },
    train: nasa,
  });
  const model = loadFittedModel(result.saved, result.artifacts) as FittedAuto;
  const { selection } = model;
  assert.deepEqual(
    selection.candidates.map((c) => c.model),
    ['naive', 'seasonal-naive'],
  );
  const best = selection.candidates.reduce((a, b) => ((b.rmse ?? 1e9) < (a.rmse ?? 1e9) ? b : a));
  assert.equal(selection.chosen, best.model);
  assert.equal(model.chosen.metadata.model, best.model);
});

const failureRows: { name: string; train: Series; model: string; want: { code: string; text: string } }[] = [
  {
    name: 'no observed value',
    model: 'naive',
    train: { startSeconds: 0, stepSeconds: 60, values: new Float64Array(100).fill(Number.NaN) },
    want: { code: 'not-enough-data', text: 'no observed value' },
  },
  {
    name: 'auto with less than an hour of history',
    model: 'auto',
    train: { startSeconds: 0, stepSeconds: 60, values: new Float64Array(40).fill(5) },
    want: { code: 'not-enough-data', text: 'the first model (naive) serves from 1.0 h on' },
  },
];

for (const row of failureRows) {
  test(`a failed fit in the worker comes back as a PrescaleError: ${row.name}`, async () => {
    await assert.rejects(
      worker.fit({ model: row.model, candidates: ['naive'], options: { horizonSteps: 10 }, train: row.train }),
      (error: unknown) => {
        assert.ok(error instanceof PrescaleError, String(error));
        assert.equal(error.code, row.want.code);
        assert.ok(error.message.includes(row.want.text), error.message);
        return true;
      },
    );
  });
}

test('the worker refuses a fitted model that forecasts a non-finite value: it never reaches the service', async () => {
  const train = { startSeconds: 0, stepSeconds: 60, values: Float64Array.from({ length: 120 }, (_, i) => i) };
  train.values[119] = Number.POSITIVE_INFINITY;
  await assert.rejects(
    worker.fit({ model: 'naive', candidates: [], options: { horizonSteps: 5 }, train }),
    (error: Error) => {
      assert.equal(error.message, 'naive: the fitted model forecasts a non-finite value at h=1; refused');
      return true;
    },
  );
});

test('the worker hands back the bytes to save: written as they are, they read back as the model it fitted', async (t) => {
  const result = await worker.fit({ model: 'naive', candidates: [], options: { horizonSteps: 10 }, train: nasa });
  assert.equal(result.serialized.json, `${JSON.stringify(result.saved)}\n`);
  assert.equal(result.serialized.files, undefined, 'a JSON model is one file');
  const path = join(await tempDir(t), 'naive.json');
  await writeSerializedModel(result.serialized, path);
  const read = await readFittedModel(path);
  assert.deepEqual(read.toJSON(), result.saved);
  assert.deepEqual(read.forecast(nasa, 10).point, loadFittedModel(result.saved).forecast(nasa, 10).point);
});

test('the worker survives a failed fit: the next fit succeeds', async () => {
  const bad = { startSeconds: 0, stepSeconds: 60, values: new Float64Array(10).fill(Number.NaN) };
  await assert.rejects(worker.fit({ model: 'naive', candidates: [], options: {}, train: bad }));
  const ok = await worker.fit({ model: 'naive', candidates: [], options: {}, train: nasa });
  assert.equal(ok.saved.metadata.model, 'naive');
});

test('a pool of trainers (loop.trainingConcurrency worker threads) gives each concurrent fit the least busy member', async () => {
  const calls: number[] = [];
  const gates: (() => void)[] = [];
  const member = (index: number): Trainer => ({
    async fit(request: FitRequest): Promise<FitResult> {
      calls.push(index);
      await new Promise<void>((resolve) => gates.push(resolve));
      return inProcessTrainer.fit(request);
    },
    close: async () => undefined,
  });
  const pool = new TrainerPool([member(0), member(1)]);
  const request = { model: 'naive', candidates: [], options: { horizonSteps: 5 }, train: nasa };
  const first = pool.fit(request);
  const second = pool.fit(request);
  assert.deepEqual(calls, [0, 1], 'two fits at once run on two members');
  gates.shift()?.();
  await first;
  const third = pool.fit(request);
  assert.deepEqual(calls, [0, 1, 0], 'the next goes to the member that is free');
  for (const open of gates.splice(0)) open();
  await Promise.all([second, third]);
});
