import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { workloadEntrySchema } from '../config/workload.js';
import { tempDir } from '../testing/temp-dir.js';
import { minimalWorkload } from '../testing/workload-fixtures.js';
import { deleteSavedModels, pruneSavedModels, savedModelPath } from './saved-models.js';

const workload = (namespace: string, name: string, model = 'naive') =>
  workloadEntrySchema.parse(
    minimalWorkload(
      { integration: 'KEDA', model, metric: { query: 'up', step: '60s' } },
      { metadata: { name, namespace } },
    ),
  );

test("saved models: one file per workload and settings; deleting one workload's spares a name that extends it", async (t) => {
  const dir = await tempDir(t);
  const web = workload('shop', 'web');
  const webSeasonal = workload('shop', 'web', 'seasonal-naive');
  const webApi = workload('shop', 'web.api');
  assert.notEqual(savedModelPath(dir, web), savedModelPath(dir, webSeasonal), 'the settings are in the name');
  assert.equal(savedModelPath(dir, web), savedModelPath(dir, workload('shop', 'web')));
  for (const w of [web, webSeasonal, webApi]) await writeFile(savedModelPath(dir, w), '{}');
  await deleteSavedModels(dir, web, savedModelPath(dir, webSeasonal));
  assert.deepEqual(
    (await readdir(dir)).sort(),
    [savedModelPath(dir, webApi), savedModelPath(dir, webSeasonal)].map((p) => p.slice(dir.length + 1)).sort(),
  );
});

test('pruneSavedModels deletes the models of workloads not kept (folders too) and leaves other files alone', async (t) => {
  const dir = await tempDir(t);
  const kept = workload('shop', 'web');
  const gone = workload('shop', 'api');
  const goneNeural = workload('team', 'worker');
  await writeFile(savedModelPath(dir, kept), '{}');
  await writeFile(savedModelPath(dir, gone), '{}');
  await mkdir(savedModelPath(dir, goneNeural));
  await writeFile(join(savedModelPath(dir, goneNeural), 'model.json'), '{}');
  await writeFile(join(dir, 'notes.txt'), 'mine');
  assert.deepEqual(await pruneSavedModels(dir, new Set(['shop/web'])), ['shop/api', 'team/worker']);
  assert.deepEqual((await readdir(dir)).sort(), ['notes.txt', savedModelPath(dir, kept).slice(dir.length + 1)].sort());
  assert.deepEqual(await pruneSavedModels(join(dir, 'missing'), new Set()), [], 'no folder yet: nothing to do');
});

test('saved models: when auto selects again (prediction.reselectEvery) is not in the name, so changing it keeps the model', () => {
  const weekly = workload('shop', 'web', 'auto');
  const daily = workloadEntrySchema.parse(
    minimalWorkload(
      { integration: 'KEDA', model: 'auto', metric: { query: 'up', step: '60s' }, prediction: { reselectEvery: '1d' } },
      { metadata: { name: 'web', namespace: 'shop' } },
    ),
  );
  assert.equal(daily.resource.prediction.reselectEverySeconds, 86_400);
  assert.equal(savedModelPath('/m', daily), savedModelPath('/m', weekly));
});
