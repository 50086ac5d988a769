import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { kubectlConfigFor, predictiveAutoscalerCrdYaml } from './fixtures.js';
import { type KubeApiServer, startKubeApiServer } from './index.js';

const execFileAsync = promisify(execFile);

/** The seed's example manifest, as a user would apply it. */
const seedExample = `apiVersion: autoscaler.ml.dev/v1alpha1
kind: PredictiveAutoscaler
metadata:
  name: ml-based-scaler
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: demo-service
  predictionHorizon: 10m
  model: prophet-lstm-hybrid
`;

describe('kubectl against the stand-in', () => {
  let server: KubeApiServer;
  let nowMs = Date.parse('2025-06-01T12:00:00Z');
  let dir: string;
  let calls = 0;
  /** Runs kubectl with a fresh discovery cache each time (kubectl caches it per server under $HOME/.kube/cache). */
  const kubectl = async (...args: string[]) => {
    calls++;
    const { stdout } = await execFileAsync(
      'kubectl',
      ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, `cache-${calls}`), ...args],
      { env: { ...process.env, HOME: dir } },
    );
    return stdout;
  };

  before(async () => {
    server = await startKubeApiServer({ clock: { nowMs: () => nowMs } });
    dir = await mkdtemp(join(tmpdir(), 'prescale-kubectl-'));
    await writeFile(join(dir, 'kubeconfig'), kubectlConfigFor(server.url));
    await writeFile(join(dir, 'crd.yaml'), predictiveAutoscalerCrdYaml);
    await writeFile(join(dir, 'pas.yaml'), seedExample);
  });
  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies the CRD and the seed example server-side and prints the printer columns', async () => {
    assert.match(
      await kubectl('apply', '--server-side', '--validate=false', '-f', join(dir, 'crd.yaml')),
      /customresourcedefinition.apiextensions.k8s.io\/predictiveautoscalers.autoscaler.ml.dev serverside-applied/,
    );
    assert.match(
      await kubectl('apply', '--server-side', '--validate=false', '-f', join(dir, 'pas.yaml')),
      /predictiveautoscaler.autoscaler.ml.dev\/ml-based-scaler serverside-applied/,
    );
    const apply = server.requests.find(
      (r) => r.method === 'PATCH' && r.url.includes('/predictiveautoscalers/ml-based-scaler'),
    );
    assert.equal(apply?.contentType, 'application/apply-patch+yaml');
    const status = await fetch(
      `${server.url}/apis/autoscaler.ml.dev/v1alpha1/namespaces/default/predictiveautoscalers/ml-based-scaler/status`,
      {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({
          status: { desiredReplicas: 5, conditions: [{ type: 'FallbackActive', status: 'False' }] },
        }),
      },
    );
    assert.equal(status.status, 200);
    nowMs += 5 * 60 * 1000;
    const table = await kubectl('get', 'pas', '-n', 'default');
    assert.deepEqual(
      table
        .trim()
        .split('\n')
        .map((line) => line.split(/\s+/)),
      [
        ['NAME', 'TARGET', 'MODE', 'DESIRED', 'FALLBACK', 'AGE'],
        ['ml-based-scaler', 'demo-service', 'Auto', '5', 'False', '5m'],
      ],
    );
    const wide = await kubectl('get', 'predictiveautoscalers', '-o', 'wide', '-A');
    assert.deepEqual(wide.trim().split('\n')[1].split(/\s+/), [
      'default',
      'ml-based-scaler',
      'demo-service',
      'Auto',
      '5',
      'prophet-lstm-hybrid',
      'False',
      '5m',
    ]);
    const yaml = await kubectl(
      'get',
      'pas',
      'ml-based-scaler',
      '-o',
      'jsonpath={.spec.maxReplicas} {.metadata.managedFields[0].manager}',
    );
    assert.equal(yaml, '10 kubectl');
  });
});
