import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../testing/paths.js';
import { tempDir } from '../testing/temp-dir.js';

/** Runs `prescale <args>` (bin/prescale.mjs) from the repo root. */
function prescale(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'bin/prescale.mjs'), ...args],
      { cwd: repoRoot },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Three days of a per-minute trace (unix seconds) with two outages left out of the file and one spike. */
function traceCsv(): string {
  const start = 1_700_000_000;
  const rows = ['timestamp,value'];
  for (let i = 0; i < 3 * 1440; i++) {
    if ((i >= 600 && i < 690) || (i >= 2000 && i < 2010)) continue;
    const value = i === 3000 ? 5000 : 200 + 100 * Math.sin((2 * Math.PI * i) / 1440);
    rows.push(`${start + i * 60},${value.toFixed(3)}`);
  }
  return `${rows.join('\n')}\n`;
}

test('prescale eda --file writes the report and prints what it found', async (t) => {
  const dir = await tempDir(t);
  const trace = join(dir, 'trace.csv');
  const out = join(dir, 'eda.html');
  await writeFile(trace, traceCsv());
  const run = await prescale(['eda', '--file', trace, '--step', '1m', '--out', out]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^trace\.csv: 4320 buckets of 1m, 2 gaps \(2\.31 % missing, longest 90m\), 1 anomalies/);
  assert.match(run.stdout, new RegExp(`wrote ${out}\\n$`));
  const html = await readFile(out, 'utf8');
  assert.match(html, /<title>Prescale EDA: trace\.csv<\/title>/);
  assert.match(html, /prescale eda --file .*trace\.csv --step 1m --out .*eda\.html/);
});

test('prescale eda --dataset reads a dataset at its step', async (t) => {
  const dir = await tempDir(t);
  const out = join(dir, 'nasa.html');
  const run = await prescale(['eda', '--dataset', 'nasa-jul95', '--out', out]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^nasa-jul95: 39693 buckets of 1m, 0 gaps .*seasonal periods: 1d \(0\.\d\d\), 7d/);
  assert.match(await readFile(out, 'utf8'), /NASA KSC web server/);
});

const errorRows = [
  { name: 'no source', args: [], stderr: /--dataset: required; name a dataset/ },
  {
    name: 'two sources',
    args: ['--dataset', 'nasa-jul95', '--file', 'x.csv', '--step', '1m'],
    stderr: /--file: cannot be combined with --dataset/,
  },
  { name: '--file without --step', args: ['--file', 'x.csv'], stderr: /--step: required with --file/ },
  {
    name: '--step with a dataset',
    args: ['--dataset', 'nasa-jul95', '--step', '1m'],
    stderr: /--step: applies to --file only/,
  },
  { name: 'bad --step', args: ['--file', 'x.csv', '--step', 'soon'], stderr: /--step: / },
  {
    name: 'unknown dataset',
    args: ['--dataset', 'nope'],
    stderr: /--dataset: unknown dataset 'nope'.*known: nasa-jul95/,
  },
  { name: 'missing file', args: ['--file', 'no-such.csv', '--step', '1m'], stderr: /^prescale: --file: / },
];

for (const row of errorRows) {
  test(`prescale eda refuses ${row.name} with the flag named, writing nothing`, async (t) => {
    const out = join(await tempDir(t), 'eda.html');
    const run = await prescale(['eda', ...row.args, '--out', out]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, row.stderr);
    assert.equal(existsSync(out), false);
  });
}

test('prescale eda without --out names the flag', async () => {
  const run = await prescale(['eda', '--dataset', 'nasa-jul95']);
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, /--out/);
});
