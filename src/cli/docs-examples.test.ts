import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, stringify } from 'yaml';
import { repoRoot } from '../testing/paths.js';
import { tempDir } from '../testing/temp-dir.js';

// The examples of docs/hpa-step.md and docs/workload-format.md run here through the real CLI, so the docs
// show what the commands do.

/** Runs `prescale <args>` (bin/prescale.mjs) from the repo root with `stdin`. */
function prescale(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(repoRoot, 'bin/prescale.mjs'), ...args],
      { cwd: repoRoot },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin);
  });
}

const hpaStepDoc = readFileSync(join(repoRoot, 'docs/hpa-step.md'), 'utf8');
const hpaStepExamples = [
  ...hpaStepDoc.matchAll(
    /<!-- hpa-step example: ([\w-]+) -->\s*```json\n([\s\S]*?)\n```[\s\S]*?<!-- output -->\s*```json\n([\s\S]*?)\n```/g,
  ),
].map(([, name, input, output]) => ({ name, input, output: JSON.parse(output) as unknown }));

test('docs/hpa-step.md has its two worked examples', () => {
  assert.deepEqual(
    hpaStepExamples.map((example) => example.name),
    ['scale-up', 'scale-down-stabilized'],
  );
});

for (const example of hpaStepExamples) {
  test(`docs/hpa-step.md example ${example.name}: the CLI prints the output shown`, async () => {
    const result = await prescale(['hpa-step'], example.input);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), example.output);
  });
}

test('docs/hpa-step.md: the second example feeds back the state the first printed', () => {
  const [first, second] = hpaStepExamples;
  assert.deepEqual(JSON.parse(second.input).state, (first.output as { state: unknown }).state);
});

test('docs/hpa-step.md error example: the lines shown, exit 2', async () => {
  const match = /```console\n\$ echo '(.*)' \| prescale hpa-step\n([\s\S]*?)\n```/.exec(hpaStepDoc);
  assert.ok(match, 'the error example is in the doc');
  const result = await prescale(['hpa-step'], match[1]);
  assert.equal(result.code, 2);
  assert.equal(result.stderr.trimEnd(), match[2]);
});

const workloadDoc = readFileSync(join(repoRoot, 'docs/workload-format.md'), 'utf8');
const workloadExamples = [
  ...workloadDoc.matchAll(/```yaml\n([\s\S]*?)\n```\s*<!-- (workload|service) example: ([\w-]+) -->/g),
].map(([, yaml, kind, name]) => ({ name, kind, document: parse(yaml) as Record<string, unknown> }));

test('docs/workload-format.md has its three examples', () => {
  assert.deepEqual(
    workloadExamples.map((example) => example.name),
    ['minimal', 'full', 'in-prescale-yaml'],
  );
});

for (const example of workloadExamples) {
  test(`docs/workload-format.md example ${example.name} is a valid workload`, async (t) => {
    // A resource goes into a service config as its one workload; the pod's request and cost are what the
    // operator would read from the target (the budget fields of the full example need them).
    const config =
      example.kind === 'service'
        ? example.document
        : { workloads: [{ ...example.document, pod: { cpuRequest: '500m', costPerPodHour: 0.1 } }] };
    const path = join(await tempDir(t, 'prescale-docs-'), 'prescale.yaml');
    await writeFile(path, stringify(config));
    const result = await prescale(['config', '--validate', path]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /: valid; 1 workload: /);
  });
}
