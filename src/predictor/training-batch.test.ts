import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { PrescaleError, type Series } from '../core/index.js';
import { prescale } from '../testing/prescale-cli.js';
import { tempDir } from '../testing/temp-dir.js';
import type { FitRequest } from './trainer.js';
import {
  encodeFitRequests,
  REQUEST_FILE,
  readFitOutcome,
  readFitRequests,
  runTrainingBatch,
} from './training-batch.js';

const T = 1_700_000_000;

function series(length: number): Series {
  const values = Float64Array.from({ length }, (_, i) => 50 + (i % 24));
  values[3] = Number.NaN;
  return { startSeconds: T, stepSeconds: 300, values };
}

const naive: FitRequest = { model: 'naive', candidates: [], options: { horizonSteps: 4 }, train: series(100) };

async function writeBatch(dir: string, requests: readonly FitRequest[]): Promise<string> {
  const folder = join(dir, 'batch');
  await mkdir(folder, { recursive: true });
  const path = join(folder, REQUEST_FILE);
  await writeFile(path, encodeFitRequests(requests));
  return path;
}

test('a request file reads back exactly: typed arrays, gaps (NaN) and non-finite option values included', async (t) => {
  const request: FitRequest = {
    model: 'auto',
    candidates: ['naive', 'ets'],
    options: {
      horizonSteps: 6,
      seasonSeconds: 86_400,
      maxErrorPercent: Number.POSITIVE_INFINITY,
    } as FitRequest['options'],
    train: series(10),
  };
  const path = await writeBatch(await tempDir(t), [request, naive]);
  const [read, second] = await readFitRequests(path);
  assert.ok(read.train.values instanceof Float64Array);
  assert.deepEqual([...read.train.values], [...request.train.values]);
  assert.ok(Number.isNaN(read.train.values[3]));
  assert.deepEqual({ ...read, train: null }, { ...request, train: null });
  assert.equal(second.model, 'naive');
});

test('a batch writes a model per fit, and a failing fit as its error, which the replica rethrows with its code', async (t) => {
  const tooShort: FitRequest = { model: 'ets', candidates: [], options: { horizonSteps: 4 }, train: series(20) };
  const path = await writeBatch(await tempDir(t), [naive, tooShort]);
  assert.deepEqual(await runTrainingBatch(path), { fitted: 1, failed: 1 });
  const folder = join(path, '..');
  assert.deepEqual((await readdir(folder)).sort(), ['0.model', '1.error.json', REQUEST_FILE]);

  const fitted = await readFitOutcome(folder, 0);
  assert.equal(fitted.saved.metadata.model, 'naive');
  await assert.rejects(readFitOutcome(folder, 1), (error: unknown) => {
    assert.ok(error instanceof PrescaleError);
    assert.equal(error.code, 'not-enough-data');
    assert.match(error.message, /^ets: the training data covers/);
    return true;
  });
  await assert.rejects(readFitOutcome(folder, 2), /the training Job completed but wrote no outcome for fit 2/);
});

test('an unreadable request is refused naming --request (the pod fails, and the Job retries it)', async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(readFitRequests(join(dir, 'missing.json')), (error: unknown) => {
    assert.ok(error instanceof PrescaleError);
    assert.equal(error.field, '--request');
    assert.match(error.message, /cannot read .*missing\.json/);
    return true;
  });
  await writeFile(join(dir, 'other.json'), '{"model": "naive"}');
  await assert.rejects(readFitRequests(join(dir, 'other.json')), /holds no requests list; not a training batch/);
});

test('prescale train-job --request FILE fits the batch and exits 0 (what the Job runs)', async (t) => {
  const path = await writeBatch(await tempDir(t), [naive]);
  const run = prescale(['train-job', '--request', path]);
  assert.equal(await run.exited, 0, run.output());
  assert.deepEqual(JSON.parse(run.output()), { request: path, fitted: 1, failed: 0 });
  assert.equal((await readFitOutcome(join(path, '..'), 0)).saved.metadata.model, 'naive');
});
