import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot, sharedDatasetsPath, sharedRoot, sharedScorerPath } from '../testing/paths.js';
import { tempDir } from '../testing/temp-dir.js';
import { runBacktestSuite } from './backtest-suite.js';
import { BUNDLED_DATASETS_PATH, loadDataset } from './datasets.js';

const run = promisify(execFile);

/** The shared scorer's JSON report for a forecasts CSV. */
async function scorerReport(dataset: string, csvPath: string) {
  const { stdout } = await run(process.execPath, [
    sharedScorerPath,
    '--dataset',
    dataset,
    '--forecasts',
    csvPath,
    '--json',
  ]);
  return JSON.parse(stdout);
}

function assertClose(actual: number | null, expected: number | null, what: string) {
  if (expected === null) return assert.equal(actual, null, what);
  assert.ok(
    actual !== null && Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} vs scorer ${expected}`,
  );
}

// Datasets that exercise each resampling case: 1-minute counts, 10 s samples into 60 s buckets, irregular NAB.
for (const dataset of ['nasa-jul95', 'alibaba18-cpu', 'nab-ec2-cpu']) {
  test(`backtest scores equal the shared scorer's on the same CSVs (${dataset})`, async (t) => {
    const outDir = await tempDir(t, 'prescale-bt-');
    const suite = await runBacktestSuite({
      dataset: await loadDataset(dataset, sharedDatasetsPath),
      models: ['naive', 'seasonal-naive'],
      outDir,
    });
    for (const { forecasts, scores, csvPath } of suite.results) {
      const report = await scorerReport(dataset, csvPath!);
      assert.equal(report.origins, forecasts.originsSeconds.length);
      const pairs = [
        ...[...scores.byH].map(([h, s]) => [report.by_h[h], s] as const),
        [report.mean_1_to_H, scores.mean1ToH] as const,
      ];
      for (const [want, got] of pairs) {
        const what = `${dataset} ${forecasts.model}`;
        assert.equal(got.n, want.n, `${what} n`);
        assertClose(got.rmse, want.rmse, `${what} rmse`);
        assertClose(got.mae, want.mae, `${what} mae`);
        assertClose(got.wape, want.wape, `${what} wape`);
        assertClose(got.rmseVsSnaive, want.rmse_vs_snaive, `${what} rmse_vs_snaive`);
        assertClose(got.coverage80, want.coverage80, `${what} coverage80`);
        assertClose(got.pinball90Hi, want.pinball90_hi, `${what} pinball90_hi`);
      }
    }
  });
}

test("the seasonal-naive CSV scores identically to the scorer's own --baseline snaive", async (t) => {
  const outDir = await tempDir(t, 'prescale-bt-');
  await runBacktestSuite({
    dataset: await loadDataset('nasa-jul95', sharedDatasetsPath),
    models: ['seasonal-naive'],
    outDir,
  });
  const baselinePath = join(outDir, 'scorer-snaive.csv');
  await run(process.execPath, [
    sharedScorerPath,
    '--dataset',
    'nasa-jul95',
    '--baseline',
    'snaive',
    '--out',
    baselinePath,
  ]);
  const ours = (await readFile(join(outDir, 'seasonal-naive.csv'), 'utf8')).trimEnd().split('\n');
  const theirs = (await readFile(baselinePath, 'utf8')).trimEnd().split('\n');
  assert.equal(ours.length, theirs.length);
  // same point forecast in every row; ours adds the 80% interval the scorer's baseline lacks
  for (let i = 1; i < ours.length; i++)
    assert.equal(ours[i].split(',').slice(0, 3).join(), theirs[i].split(',').slice(0, 3).join());
  const [a, b] = [
    await scorerReport('nasa-jul95', join(outDir, 'seasonal-naive.csv')),
    await scorerReport('nasa-jul95', baselinePath),
  ];
  for (const key of ['n', 'rmse', 'mae', 'wape', 'rmse_vs_snaive'] as const)
    assert.equal(a.mean_1_to_H[key], b.mean_1_to_H[key], key);
  assert.equal(a.mean_1_to_H.rmse_vs_snaive, 1);
});

test('the bundled datasets file runs without ../shared (the npm start default)', async (_t) => {
  const suite = await runBacktestSuite({
    dataset: await loadDataset('nasa-jul95', BUNDLED_DATASETS_PATH),
    models: ['naive'],
  });
  assert.equal(suite.results[0].forecasts.originsSeconds.length, 671);
  assert.ok(suite.results[0].scores.mean1ToH.rmseVsSnaive < 1);
});

test('an unknown dataset names --dataset, the file read and the known names', async () => {
  await assert.rejects(loadDataset('nope', BUNDLED_DATASETS_PATH), {
    code: 'unknown-dataset',
    field: '--dataset',
    message: `--dataset: unknown dataset 'nope' in ${BUNDLED_DATASETS_PATH}; known: nasa-jul95`,
  });
});

const badInputs = [
  {
    name: 'unknown model',
    options: { models: ['naive', 'magic'] },
    code: 'unknown-model',
    field: '--model',
  },
  {
    name: 'horizon 0',
    options: { models: ['naive'], horizonSteps: 0 },
    code: 'invalid-input',
    field: '--horizon',
  },
];
for (const row of badInputs) {
  test(`bad input gives one clear error and writes nothing: ${row.name}`, async (t) => {
    const outDir = join(await tempDir(t, 'prescale-bt-'), 'out');
    const dataset = await loadDataset('nasa-jul95', BUNDLED_DATASETS_PATH);
    await assert.rejects(runBacktestSuite({ ...row.options, dataset, outDir }), {
      code: row.code,
      field: row.field,
    });
    assert.equal(existsSync(outDir) ? (await readdir(outDir)).length : 0, 0);
  });
}

test('an invalid datasets file is refused with every problem named by its path', async (t) => {
  const path = join(await tempDir(t, 'prescale-ds-'), 'datasets.json');
  await writeFile(
    path,
    JSON.stringify({
      bad: {
        file: 'x.csv',
        step_seconds: -1,
        train_start: 10,
        train_end: 5,
        test_end: 20,
        horizon_steps: 3,
        origin_every_steps: 1,
        report_h: [9],
      },
    }),
  );
  await assert.rejects(loadDataset('bad', path), (error: Error & { code: string }) => {
    assert.equal(error.code, 'invalid-input');
    for (const field of ['bad.step_seconds', 'bad.train_end', 'bad.report_h'])
      assert.match(error.message, new RegExp(field.replace('.', '\\.')));
    return true;
  });
});

test('prescale backtest CLI: table on stdout; bad input exits non-zero with one message and no output file', async (t) => {
  const cli = join(repoRoot, 'bin/prescale.mjs');
  const outDir = await tempDir(t, 'prescale-cli-');
  const { stdout } = await run(process.execPath, [
    cli,
    'backtest',
    '--dataset',
    'nasa-jul95',
    '--datasets',
    BUNDLED_DATASETS_PATH,
    '--model',
    'naive',
    '--out',
    outDir,
  ]);
  assert.match(stdout, /naive\s+1\.\.30\s+21\.99/);
  assert.ok(existsSync(join(outDir, 'naive.csv')));
  const bad = join(outDir, 'bad');
  await assert.rejects(
    run(process.execPath, [
      cli,
      'backtest',
      '--dataset',
      'nasa-jul95',
      '--datasets',
      BUNDLED_DATASETS_PATH,
      '--horizon',
      '0',
      '--out',
      bad,
    ]),
    (error: Error & { code: number; stderr: string }) => {
      assert.equal(error.code, 2);
      assert.equal(
        error.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('prescale:')).length,
        1,
      );
      assert.match(error.stderr, /--horizon: 0 is not a whole number ≥ 1/);
      return true;
    },
  );
  assert.equal(existsSync(bad), false);
  assert.ok(existsSync(sharedRoot));
});
