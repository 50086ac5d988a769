import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PrescaleError } from '../core/index.js';
import { planRequestText } from './plan.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
let workDir: string;

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'prescale-plan-'));
});
after(async () => {
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
});

/** Runs the real CLI (`node --import tsx src/cli/main.ts plan …`) from the repo root. */
function prescale(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'plan', ...args],
      { cwd: repoRoot },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin ?? '');
  });
}

/** 2 replicas at target, a forecast rising to 1200 (14 replicas wanted, ramped to 6). */
const request = {
  nowSeconds: 1000,
  forecast: { startSeconds: 960, step: '60s', point: [1200, 1200, 1200] },
  current: { replicas: 2, utilizationPercent: 70 },
  policy: { maxReplicas: 20, capacity: { perPod: 100 } },
};

test('prescale plan <file>: prints the plan as JSON and exits 0; its state feeds the next decision', async () => {
  const path = join(workDir, 'request.json');
  await writeFile(path, JSON.stringify(request));
  const first = await prescale([path]);
  assert.equal(first.code, 0, first.stderr);
  const plan = JSON.parse(first.stdout);
  assert.equal(plan.decision.desiredReplicas, 6);
  assert.equal(plan.decision.boundBy, 'scale-up-limit');
  // The next decision 15 s later, from 6 replicas with the returned state: the ramp goes on to 12.
  const next = planRequestText(
    JSON.stringify({
      ...request,
      nowSeconds: 1015,
      current: { replicas: 6, utilizationPercent: 70 },
      state: plan.state,
    }),
    'next',
  );
  assert.equal(JSON.parse(next).decision.desiredReplicas, 12);
});

test('prescale plan (stdin): an invalid request exits 2 naming every bad field', async () => {
  const bad = { ...request, policy: { maxReplicas: 0, mode: 'auto', capacity: { perPod: 100 } } };
  const run = await prescale([], JSON.stringify(bad));
  assert.equal(run.code, 2);
  assert.equal(run.stdout, '');
  assert.equal(
    run.stderr,
    'prescale: policy.maxReplicas: 0 is below the minimum 1; use a value ≥ 1\n' +
      'policy.mode: "auto" is not one of "Auto", "ForecastOnly"; use one of them\n',
  );
});

test('planRequestText: --now replaces the request time', () => {
  // At 1200 s the forecast (960 + 3 × 60 = 1140) has ended: it is stale and too short, so the plan falls back.
  const out = JSON.parse(planRequestText(JSON.stringify(request), 'request.json', 1200));
  assert.equal(out.decision.fallback.active, true);
  assert.deepEqual(
    out.decision.fallback.reasons.map((reason: { cause: string }) => reason.cause),
    ['forecast-stale'],
  );
});

test('planRequestText: text that is not JSON is malformed-file naming the source', () => {
  assert.throws(
    () => planRequestText('{"nowSeconds": ', 'request.json'),
    (error: unknown) =>
      error instanceof PrescaleError &&
      error.code === 'malformed-file' &&
      error.field === 'request.json' &&
      error.message.startsWith('request.json: not valid JSON'),
  );
});

test('planRequestText: a capacity that cannot be learned is not-enough-data naming the history', () => {
  const thin = {
    ...request,
    policy: { maxReplicas: 20 },
    workload: { resources: { cpuRequest: '500m' }, usage: { load: [1, 2], cpuMillicores: [10, 20] } },
  };
  assert.throws(
    () => planRequestText(JSON.stringify(thin), 'thin.json'),
    (error: unknown) =>
      error instanceof PrescaleError && error.code === 'not-enough-data' && error.field === 'workload.usage',
  );
});
