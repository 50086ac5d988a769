import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { safeParseServiceConfig } from '../config/service.js';
import { PrescaleError } from '../core/index.js';
import { PrescaleService } from '../predictor/index.js';
import { writeProcessKubeconfig } from '../testing/kube-apiserver/cluster-fixtures.js';
import { kubeConfigFor } from '../testing/kube-apiserver/fixtures.js';
import { startKubeApiServer } from '../testing/kube-apiserver/index.js';
import { prescale, servingPorts } from '../testing/prescale-cli.js';
import { tempDir } from '../testing/temp-dir.js';

// `prescale serve` with `loop.trainer: job`: the real CLI builds its JobTrainer from the pod's downward-API
// environment and KUBECONFIG (the stand-in API server), clears the Jobs an earlier run of its pod left, serves, and
// stops on SIGTERM. The Jobs themselves: src/operator/job-trainer.test.ts.

test('prescale serve with loop.trainer: job starts its Job trainer in the pod’s namespace and stops cleanly', async (t) => {
  const server = await startKubeApiServer({ namespaces: ['prescale'] });
  t.after(() => server.stop());
  const leftover = {
    metadata: { name: 'prescale-train-left-1', labels: { 'prescale.ml.dev/replica': 'prescale-0' } },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'train', image: 'x' }] } } },
  };
  const batch = kubeConfigFor(server.url).makeApiClient(k8s.BatchV1Api);
  await batch.createNamespacedJob({ namespace: 'prescale', body: leftover });

  const dir = await tempDir(t);
  const configFile = join(dir, 'prescale.yaml');
  await writeFile(
    configFile,
    stringify({
      api: { listen: '127.0.0.1:0' },
      keda: { listen: '127.0.0.1:0' },
      externalMetrics: { enabled: false },
      models: { dir: join(dir, 'models') },
      loop: { trainer: 'job' },
      training: { job: { image: 'ghcr.io/prescale/prescale:test' } },
    }),
  );
  const run = prescale(['serve', '--config', configFile], {
    ...process.env,
    KUBECONFIG: await writeProcessKubeconfig(dir, server.url),
    POD_NAME: 'prescale-0',
    POD_NAMESPACE: 'prescale',
    POD_UID: '0b7c7a5e-0000-4000-8000-000000000000',
  });
  t.after(() => run.child.kill('SIGKILL'));
  await servingPorts(run);
  assert.deepEqual((await batch.listNamespacedJob({ namespace: 'prescale' })).items, []);
  assert.ok(
    server.requests.some(
      (r) =>
        r.method === 'DELETE' && r.url.startsWith('/apis/batch/v1/namespaces/prescale/jobs?') && /replica/.test(r.url),
    ),
  );
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0, run.output());
});

test('the service alone cannot run loop.trainer: job (it has no Kubernetes client); serve builds that trainer', async () => {
  const parsed = safeParseServiceConfig({ loop: { trainer: 'job' }, training: { job: { image: 'prescale:1' } } });
  assert.ok(parsed.success);
  await assert.rejects(PrescaleService.start(parsed.data), (error: unknown) => {
    assert.ok(error instanceof PrescaleError);
    assert.equal(error.field, 'loop.trainer');
    return true;
  });
});
