import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
let workDir: string;

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'prescale-hpa-step-'));
});
after(async () => {
  await rm(workDir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (`node --import tsx src/cli/main.ts hpa-step …`) from the repo root. */
function prescale(args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'hpa-step', ...args],
      { cwd: repoRoot },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin ?? '');
  });
}

async function writeJson(name: string, value: unknown): Promise<string> {
  const path = join(workDir, name);
  await writeFile(path, JSON.stringify(value));
  return path;
}

/** The Kubernetes docs' scale-down example at `replicas`: an External per-pod metric whose raw proposal is 10. */
function docsExample(now: number, replicas: number, state?: unknown): Record<string, unknown> {
  return {
    now,
    hpa: {
      maxReplicas: 100,
      metrics: [
        { type: 'External', external: { metric: { name: 'q' }, target: { type: 'AverageValue', averageValue: '1' } } },
      ],
      behavior: {
        scaleDown: {
          stabilizationWindowSeconds: 0,
          policies: [
            { type: 'Pods', value: 4, periodSeconds: 60 },
            { type: 'Percent', value: 10, periodSeconds: 60 },
          ],
        },
      },
    },
    scale: { specReplicas: replicas, statusReplicas: replicas },
    externalMetrics: { q: '10' },
    ...(state === undefined ? {} : { state }),
  };
}

test('prescale hpa-step <file>: one reconcile of a CPU HPA, JSON out, exit 0', async () => {
  const pods = [400, 350, 300].map((milli, i) => ({
    name: `web-${i}`,
    phase: 'Running',
    ready: true,
    startTime: 0,
    readyTransitionTime: 12,
    requests: { cpu: '500m' },
    metrics: { cpu: { value: `${milli}m`, timestamp: 990, window: 15 } },
  }));
  const file = await writeJson('cpu.json', {
    now: 1000,
    hpa: {
      maxReplicas: 10,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      ],
    },
    scale: { specReplicas: 3, statusReplicas: 3 },
    pods,
  });
  const run = await prescale([file]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  const output = JSON.parse(run.stdout);
  assert.equal(output.desiredReplicas, 5);
  assert.equal(output.rescale, true);
  assert.deepEqual(output.metricProposals[0].current, { averageUtilization: 70, averageValue: '350m' });
  assert.deepEqual(
    output.conditions.map((c: { type: string; reason: string }) => `${c.type}:${c.reason}`),
    ['AbleToScale:SucceededRescale', 'ScalingActive:ValidMetricFound', 'ScalingLimited:DesiredWithinRange'],
  );
  assert.deepEqual(output.state.recommendations, [
    { timestamp: 1000, replicas: 3 },
    { timestamp: 1000, replicas: 5 },
  ]);
});

test('prescale hpa-step reproduces the Kubernetes docs scale-down sequence when each output state is fed to the next call (stdin)', async () => {
  let replicas = 80;
  let state: unknown;
  const desired: number[] = [];
  for (const now of [0, 15, 45, 60, 75]) {
    const run = await prescale([], JSON.stringify(docsExample(now, replicas, state)));
    assert.equal(run.code, 0, run.stderr);
    const output = JSON.parse(run.stdout);
    replicas = output.desiredReplicas;
    state = output.state;
    desired.push(replicas);
  }
  assert.deepEqual(desired, [72, 72, 72, 64, 64]);
});

test('prescale hpa-step on bad input: exit 2, nothing on stdout, every problem named with its field', async () => {
  const file = await writeJson('bad.json', {
    now: 0,
    hpa: {
      minReplicas: 3,
      metrics: [
        { type: 'Resource', resource: { name: 'gpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      ],
    },
    scale: { specReplicas: 2, statusReplicas: 2 },
  });
  const run = await prescale([file]);
  assert.equal(run.code, 2);
  assert.equal(run.stdout, '');
  const lines = run.stderr.trimEnd().split('\n');
  assert.deepEqual(lines, [
    'prescale: hpa.maxReplicas: required; give a number',
    'hpa.metrics[0].resource.name: "gpu" is not one of "cpu", "memory"; use one of them',
  ]);
});

test('prescale hpa-step on text that is not JSON, or a file that does not exist: exit 2 naming the source', async () => {
  const broken = join(workDir, 'broken.json');
  await writeFile(broken, '{"now": 1,');
  const notJson = await prescale([broken]);
  assert.equal(notJson.code, 2);
  assert.match(
    notJson.stderr,
    new RegExp(
      `^prescale: ${broken.replaceAll('.', '\\.')}: not valid JSON: it ends early at line 1, column 11; fix the syntax\\n$`,
    ),
  );
  const missing = await prescale([join(workDir, 'absent.json')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /absent\.json: cannot read it: no such file \(ENOENT\); check the path/);
});
