import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultServiceConfigYaml } from '../config/service-yaml.js';
import { MODEL_RUNTIMES, runListingLoadedModules } from '../testing/loaded-modules.js';
import { tempDir } from '../testing/temp-dir.js';

// The light commands run the real CLI in a fresh process; none may load ONNX Runtime or TensorFlow, which the
// heavy commands load inside their actions only.

const planRequest = {
  nowSeconds: 1000,
  forecast: { startSeconds: 960, step: '60s', point: [1200, 1200, 1200] },
  current: { replicas: 2, utilizationPercent: 70 },
  policy: { maxReplicas: 20, capacity: { perPod: 100 } },
};

const hpaStepInput = {
  now: 1000,
  hpa: { maxReplicas: 10, metrics: [] },
  scale: { specReplicas: 2, statusReplicas: 2 },
};

test('prescale --help, config --validate, plan and hpa-step load neither ONNX Runtime nor TensorFlow', async (t) => {
  const dir = await tempDir(t);
  const files = {
    config: join(dir, 'prescale.yaml'),
    plan: join(dir, 'plan.json'),
    hpaStep: join(dir, 'hpa-step.json'),
  };
  await writeFile(files.config, defaultServiceConfigYaml());
  await writeFile(files.plan, JSON.stringify(planRequest));
  await writeFile(files.hpaStep, JSON.stringify(hpaStepInput));
  const runs: [string[], RegExp][] = [
    [['--help'], /^Usage: prescale/],
    [['config', '--validate', files.config], /: valid; 1 workload/],
    [['plan', files.plan], /"desiredReplicas": 6/],
    [['hpa-step', files.hpaStep], /"desiredReplicas": 2/],
  ];
  for (const [args, output] of runs) {
    const run = await runListingLoadedModules(['src/cli/main.ts', ...args]);
    assert.equal(run.code, 0, `prescale ${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stdout, output, `prescale ${args.join(' ')} did its job`);
    assert.deepEqual(
      run.loaded.filter((path) => MODEL_RUNTIMES.test(path)),
      [],
      `prescale ${args.join(' ')} loaded a model runtime`,
    );
  }
});

test('the probe sees a model runtime once a command loads the models (train, stopping at an unknown dataset)', async () => {
  const run = await runListingLoadedModules([
    'src/cli/main.ts',
    'train',
    '--model',
    'naive',
    '--dataset',
    'no-such-dataset',
    '--out',
    'unused',
  ]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /unknown dataset 'no-such-dataset'/);
  assert.ok(
    run.loaded.some((path) => path.includes('onnxruntime')),
    'train loads ONNX Runtime with the model registry',
  );
});
