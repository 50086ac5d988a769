import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { BUNDLED_DATASETS_PATH } from '../experiments/datasets.js';
import { repoRoot, sharedRoot, sharedScorerPath } from '../testing/paths.js';
import { tempDir } from '../testing/temp-dir.js';

/** Runs the real CLI (`bin/prescale.mjs backtest …`) in a child process from the repo root. */
function backtest(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'bin/prescale.mjs'), 'backtest', ...args],
      { cwd: repoRoot },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The first four days of the bundled NASA trace (1-minute counts, unix seconds), as a user's own CSV. */
async function fourNasaDays(dir: string): Promise<{ csvPath: string; startSeconds: number }> {
  const lines = (await readFile(join(repoRoot, 'data/nasa_jul95_requests_per_minute.csv'), 'utf8')).split('\n');
  const csvPath = join(dir, 'four-days.csv');
  await writeFile(csvPath, `${lines.slice(0, 1 + 4 * 1440).join('\n')}\n`);
  return { csvPath, startSeconds: Number(lines[1].split(',')[0]) };
}

/** The scores of a `--json` run without the paths and timings that differ between runs. */
function scoresOf(stdout: string) {
  const json = JSON.parse(stdout);
  for (const model of Object.values(json.models) as Record<string, unknown>[]) {
    delete model.forecasts;
    delete model.fit_ms;
    delete model.fit_cpu_ms;
    delete model.forecast_ms_per_origin;
  }
  delete json.dataset;
  return json;
}

test('backtest --file scores a CSV exactly as the same split written as a datasets-file entry', async (t) => {
  const dir = await tempDir(t, 'prescale-bt-file-');
  const { csvPath, startSeconds } = await fourNasaDays(dir);
  const day = 86_400;
  await writeFile(
    join(dir, 'datasets.json'),
    JSON.stringify({
      'four-days': {
        file: 'four-days.csv',
        step_seconds: 300,
        train_start: startSeconds,
        train_end: startSeconds + 3 * day,
        test_end: startSeconds + 4 * day,
        horizon_steps: 6,
        origin_every_steps: 3,
        report_h: [1, 3, 6],
      },
    }),
  );
  const models = ['--model', 'naive,seasonal-naive', '--json'];
  const fromFile = await backtest([
    '--file',
    csvPath,
    '--step',
    '5m',
    '--train',
    '3d',
    ...models,
    '--out',
    join(dir, 'a'),
  ]);
  assert.equal(fromFile.code, 0, fromFile.stderr);
  const fromDatasets = await backtest([
    '--dataset',
    'four-days',
    '--datasets',
    join(dir, 'datasets.json'),
    ...models,
    '--out',
    join(dir, 'b'),
  ]);
  assert.equal(fromDatasets.code, 0, fromDatasets.stderr);
  const scores = scoresOf(fromFile.stdout);
  assert.equal(scores.origins, 95, 'one test day of 288 five-minute steps, origins every 3 steps up to step 282');
  assert.equal(scores.horizon_steps, 6, 'the default horizon: 30 minutes');
  assert.deepEqual(Object.keys(scores.models['seasonal-naive'].by_h), ['1', '3', '6']);
  assert.ok(scores.models.naive.mean_1_to_H.mae > 0);
  assert.deepEqual(scores, scoresOf(fromDatasets.stdout));
  for (const model of ['naive', 'seasonal-naive']) {
    assert.equal(
      await readFile(join(dir, 'a', `${model}.csv`), 'utf8'),
      await readFile(join(dir, 'b', `${model}.csv`), 'utf8'),
      `${model}.csv`,
    );
  }
});

test('backtest --model ceemdan-ets,ceemdan-denoise writes CSVs the shared scorer scores as the backtest does', async (t) => {
  const dir = await tempDir(t, 'prescale-bt-ceemdan-');
  const { csvPath, startSeconds } = await fourNasaDays(dir);
  const day = 86_400;
  await writeFile(
    join(dir, 'datasets.json'),
    JSON.stringify({
      'four-days': {
        file: csvPath,
        step_seconds: 300,
        train_start: startSeconds,
        train_end: startSeconds + 3 * day,
        test_end: startSeconds + 4 * day,
        horizon_steps: 6,
        origin_every_steps: 3,
        report_h: [1, 3, 6],
      },
    }),
  );
  const datasets = ['--dataset', 'four-days', '--datasets', join(dir, 'datasets.json')];
  const result = await backtest([...datasets, '--model', 'ceemdan-ets,ceemdan-denoise', '--out', dir, '--json']);
  assert.equal(result.code, 0, result.stderr);
  const ours = JSON.parse(result.stdout);
  for (const model of ['ceemdan-ets', 'ceemdan-denoise']) {
    const { stdout } = await promisify(execFile)(process.execPath, [
      sharedScorerPath,
      ...datasets,
      '--forecasts',
      join(dir, `${model}.csv`),
      '--json',
    ]);
    const scorer = JSON.parse(stdout);
    const mean = ours.models[model].mean_1_to_H;
    assert.equal(scorer.origins, 95, model);
    assert.ok(Math.abs(scorer.mean_1_to_H.rmse - mean.rmse) < 1e-9 * mean.rmse, `${model}: ${scorer.mean_1_to_H.rmse}`);
    assert.ok(mean.rmse_vs_snaive < 1, `${model} beats seasonal naive: ${mean.rmse_vs_snaive}`);
    assert.ok(mean.coverage80 > 0.5, `${model} has intervals: coverage ${mean.coverage80}`);
  }
});

test('backtest --file reads a gzipped Prophet ds,y file split by shares; seasonal-naive is exact on a daily cycle', async (t) => {
  const dir = await tempDir(t, 'prescale-bt-prophet-');
  const rows = ['ds,y'];
  for (let hour = 0; hour < 72; hour++) {
    const ds = new Date(Date.UTC(2024, 0, 1, hour)).toISOString().replace('T', ' ').slice(0, 19);
    rows.push(`${ds},${100 + 50 * Math.sin((2 * Math.PI * (hour % 24)) / 24)}`);
  }
  const path = join(dir, 'daily.csv.gz');
  await writeFile(path, gzipSync(`${rows.join('\n')}\n`));
  const result = await backtest([
    '--file',
    path,
    '--step',
    '1h',
    '--train',
    '0.5',
    '--horizon',
    '3',
    '--model',
    'seasonal-naive',
  ]);
  assert.equal(result.code, 0, result.stderr);
  // 36 test hours, horizon 3, an origin every 2 hours: origins at 0, 2, …, 32
  assert.match(result.stdout, /^dataset daily\.csv\.gz: 17 origins x 3 steps of 3600s$/m);
  assert.match(result.stdout, /^train 2024-01-01T00:00:00Z to 2024-01-02T12:00:00Z, test to 2024-01-04T00:00:00Z$/m);
  assert.match(result.stdout, /seasonal-naive\s+1\.\.3\s+0\.000\s+0\.000\s+0\.000\s/);
});

const badInputs: { name: string; args: string[]; message: RegExp }[] = [
  {
    name: 'no source',
    args: [],
    message: /^prescale: --dataset: required; name a dataset .* or give --file with --step$/,
  },
  {
    name: '--file without --step',
    args: ['--file', 'x.csv'],
    message: /^prescale: --step: required with --file; give the bucket size, e.g\. 1m or 5m$/,
  },
  {
    name: '--file with --dataset',
    args: ['--file', 'x.csv', '--dataset', 'nasa-jul95', '--step', '1m'],
    message: /^prescale: --file: cannot be combined with --dataset or --datasets; give one source$/,
  },
  {
    name: 'a split flag with --dataset',
    args: ['--dataset', 'nasa-jul95', '--train', '0.5'],
    message: /^prescale: --train: applies to --file only; a dataset's split is set in its datasets file$/,
  },
  {
    name: '--train neither a share nor a duration',
    args: ['--file', 'x.csv', '--step', '1m', '--train', '1.5'],
    message: /^prescale: --train: 1\.5 is neither a share between 0 and 1 nor a duration; give e\.g\. 0\.7 or 14d/,
  },
  {
    name: '--step not a duration',
    args: ['--file', 'x.csv', '--step', 'often'],
    message: /^prescale: --step: "often" is not a duration/,
  },
  {
    name: '--horizon 0',
    args: ['--file', 'x.csv', '--step', '1m', '--horizon', '0'],
    message: /^prescale: --horizon: 0 is not a whole number ≥ 1; give a count of steps such as 30/,
  },
  {
    name: 'a missing file',
    args: ['--file', 'no-such.csv', '--step', '1m'],
    message: /^prescale: --file: no-such\.csv: cannot read the trace file: no such file \(ENOENT\); check the path$/,
  },
  {
    // ../shared/bench/datasets.json holds alibaba18-cpu; beside this checkout it must change nothing.
    name: 'a dataset only the stray ../shared knows',
    args: ['--dataset', 'alibaba18-cpu'],
    message: new RegExp(
      `^prescale: --dataset: unknown dataset 'alibaba18-cpu' in ${BUNDLED_DATASETS_PATH.replace(/[.]/g, '\\.')}; known: nasa-jul95$`,
    ),
  },
];
for (const row of badInputs) {
  test(`backtest bad input: one line naming the flag, exit 2, nothing written (${row.name})`, async (t) => {
    const out = join(await tempDir(t, 'prescale-bt-bad-'), 'out');
    const result = await backtest([...row.args, '--model', 'naive', '--out', out]);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], row.message);
    assert.equal(existsSync(out), false);
  });
}

test('the stray-../shared row above is meaningful: ../shared is beside this checkout', () => {
  assert.ok(existsSync(join(sharedRoot, 'bench/datasets.json')));
});
