import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../testing/paths.js';
import { tempDir } from '../testing/temp-dir.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (`node --import tsx src/cli/main.ts config …`) from the repo root. */
function prescaleConfig(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'config', ...args],
      { cwd: repoRoot },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('prescale config --print-defaults prints YAML that --validate accepts', async (t) => {
  const dir = await tempDir(t);
  const printed = await prescaleConfig(['--print-defaults']);
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(printed.stdout, /^# Prescale service configuration/);
  const file = join(dir, 'prescale.yaml');
  await writeFile(file, printed.stdout);
  const validated = await prescaleConfig(['--validate', file]);
  assert.equal(validated.code, 0, validated.stderr);
  assert.equal(validated.stdout, `${file}: valid; 1 workload: default/demo-service (model auto, HPA)\n`);
});

test('prescale config --validate lists every problem with its line and exits 2', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'bad.yaml');
  await writeFile(
    file,
    [
      'api:',
      '  listen: nowhere',
      'workloads:',
      '  - metadata: {name: web}',
      '    spec:',
      '      targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}',
      '      model: naive',
      '      minReplicas: 5',
      '      maxReplicas: 2',
      '      capacity: {perPod: 10}',
      '',
    ].join('\n'),
  );
  const run = await prescaleConfig(['--validate', file]);
  assert.equal(run.code, 2);
  assert.equal(run.stdout, '');
  const lines = run.stderr.trim().split('\n');
  assert.match(lines[0], new RegExp(`^prescale: ${file}:2: api\\.listen: is not host:port`));
  assert.match(
    lines[1],
    new RegExp(`^${file}:8: workloads\\[0\\]\\.spec\\.minReplicas: 5 is above spec\\.maxReplicas \\(2\\)`),
  );
  assert.equal(lines.length, 2);
});

test('prescale config without an option says what to pass', async () => {
  const run = await prescaleConfig([]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /pass --print-defaults or --validate FILE/);
});
