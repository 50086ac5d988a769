import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { PrescaleError } from '../core/index.js';
import { loadedModules, MODEL_RUNTIMES } from '../testing/loaded-modules.js';
import { repoRoot } from '../testing/paths.js';
import { tempDir } from '../testing/temp-dir.js';
import { minimalWorkload } from '../testing/workload-fixtures.js';
import { defaultServiceConfigYaml, parseServiceConfigYaml } from './service-yaml.js';

test('YAML errors carry the file and line of the culprit', () => {
  const yaml = stringify({ api: { listen: '0.0.0.0:8080' }, workloads: [minimalWorkload({ maxReplicas: 0 })] });
  assert.throws(
    () => parseServiceConfigYaml(yaml, 'prescale.yaml'),
    (error: unknown) => {
      assert.ok(error instanceof PrescaleError);
      assert.equal(error.code, 'invalid-input');
      assert.equal(error.field, 'workloads[0].spec.maxReplicas');
      const line = yaml.split('\n').findIndex((l) => l.includes('maxReplicas')) + 1;
      assert.match(error.message, new RegExp(`^prescale.yaml:${line}: workloads\\[0\\]\\.spec\\.maxReplicas: `));
      return true;
    },
  );
  assert.throws(
    () => parseServiceConfigYaml('api:\n  listen: [unclosed\n', 'bad.yaml'),
    /^PrescaleError: bad\.yaml:\d+: /,
  );
});

test('--print-defaults output parses back into a valid config with every default', () => {
  const text = defaultServiceConfigYaml();
  const config = parseServiceConfigYaml(text, 'defaults.yaml');
  assert.equal(config.workloads.length, 1);
  const [w] = config.workloads;
  assert.equal(w.resource.model, 'auto');
  assert.equal(w.resource.prediction.historySeconds, 14 * 86_400);
  assert.equal(w.resource.prediction.retrainEverySeconds, 86_400);
  assert.equal(w.resource.policy.scaleDown.stabilizationWindowSeconds, 300);
  assert.equal(w.resource.policy.fallback.maxErrorPercent, 35);
  for (const key of ['prometheus:', 'api:', 'keda:', 'externalMetrics:', 'models:', 'loop:', 'workloads:']) {
    assert.ok(text.includes(`\n${key}`), key);
  }
});

test('a file with five problems in three sections reports all five, each with its line and field', () => {
  const lines = [
    'api:',
    '  listen: nowhere',
    'prometheus:',
    '  timeout: 10 seconds',
    'workloads:',
    '  - metadata: {name: My_Web}',
    '    spec:',
    '      targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}',
    '      model: naive',
    '      minReplicas: -1',
    '      capacity: {perPod: 10}',
    '      replicas: 3',
    '',
  ];
  const want = [
    { line: 2, path: 'api.listen', says: 'is not host:port' },
    { line: 4, path: 'prometheus.timeout', says: '"10 seconds" is not a duration' },
    { line: 6, path: 'workloads[0].metadata.name', says: 'is not a valid Kubernetes name' },
    { line: 10, path: 'workloads[0].spec.minReplicas', says: '-1 is below the minimum 0' },
    { line: 12, path: 'workloads[0].spec.replicas', says: 'unknown field' },
  ];
  assert.throws(
    () => parseServiceConfigYaml(lines.join('\n'), 'five.yaml'),
    (error: unknown) => {
      assert.ok(error instanceof PrescaleError && error.code === 'invalid-input');
      const reported = error.message.split('\n');
      assert.equal(reported.length, 5, error.message);
      assert.deepEqual(
        reported.map((l) => Number(/^five\.yaml:(\d+): /.exec(l)?.[1])),
        want.map((w) => w.line),
        'in file order',
      );
      assert.equal(error.field, 'api.listen');
      for (const w of want) {
        const line = reported.find((l) => l.startsWith(`five.yaml:${w.line}: ${w.path}: `));
        assert.ok(line, `no line for ${w.path} at line ${w.line} in:\n${error.message}`);
        assert.ok(line.includes(w.says), line);
      }
      return true;
    },
  );
});

test('reading and validating a YAML config loads neither ONNX Runtime nor TensorFlow', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'prescale.yaml');
  await writeFile(file, defaultServiceConfigYaml());
  const configModule = pathToFileURL(join(repoRoot, 'src/config/service-yaml.ts')).href;
  const registryModule = pathToFileURL(join(repoRoot, 'src/models/registry.ts')).href;
  const trainingModule = pathToFileURL(join(repoRoot, 'src/models/neural/train.ts')).href;
  const [afterConfig, afterRegistry] = await Promise.all([
    loadedModules(
      `const { readFileSync } = await import('node:fs');
const { parseServiceConfigYaml } = await import(${JSON.stringify(configModule)});
const config = parseServiceConfigYaml(readFileSync(process.env.CONFIG_FILE, 'utf8'), 'prescale.yaml');
if (config.workloads.length !== 1) throw new Error('the config did not parse');`,
      { CONFIG_FILE: file },
    ),
    // The probe sees the runtimes when they are loaded: the registry loads ONNX Runtime, training TensorFlow.
    loadedModules(`await import(${JSON.stringify(registryModule)});\nawait import(${JSON.stringify(trainingModule)});`),
  ]);
  assert.deepEqual(
    afterConfig.filter((path) => MODEL_RUNTIMES.test(path)),
    [],
  );
  assert.ok(
    afterRegistry.some((path) => path.includes('onnxruntime')),
    'the probe sees ONNX Runtime once loaded',
  );
  assert.ok(
    afterRegistry.some((path) => path.includes('@tensorflow')),
    'the probe sees TensorFlow once loaded',
  );
});
