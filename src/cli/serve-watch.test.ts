import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { predictiveAutoscalerCrdYaml } from '../config/crd.js';
import { kubeConfigFor, kubectlConfigFor } from '../testing/kube-apiserver/fixtures.js';
import { type KubeApiServer, startKubeApiServer } from '../testing/kube-apiserver/index.js';
import { prescale } from '../testing/prescale-cli.js';
import { tempDir } from '../testing/temp-dir.js';

// `prescale serve --watch`: the real CLI in its own process takes its workloads from PredictiveAutoscaler resources
// of a (stand-in) API server it reaches through KUBECONFIG, owns their HPAs, and leaves nothing when one is deleted.

let server: KubeApiServer;

before(async () => {
  server = await startKubeApiServer({ namespaces: ['default', 'shop'] });
  const kc = kubeConfigFor(server.url);
  await kc.makeApiClient(k8s.ApiextensionsV1Api).createCustomResourceDefinition({
    body: k8s.loadYaml(predictiveAutoscalerCrdYaml()) as k8s.V1CustomResourceDefinition,
  });
  await kc.makeApiClient(k8s.AppsV1Api).createNamespacedDeployment({
    namespace: 'shop',
    body: {
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'web', resources: { requests: { cpu: '500m' } } }] },
        },
      },
    },
  });
});

after(() => server.stop());

test('prescale serve --watch runs the workloads of PredictiveAutoscalers and owns their HPAs', async (t) => {
  const dir = await tempDir(t);
  const kubeconfig = join(dir, 'kubeconfig');
  // client-node reaches a plain-http server only with TLS verification off (it is not used on http anyway).
  await writeFile(
    kubeconfig,
    kubectlConfigFor(server.url).replace('cluster: {server:', 'cluster: {insecure-skip-tls-verify: true, server:'),
  );
  const configFile = join(dir, 'prescale.yaml');
  await writeFile(
    configFile,
    stringify({
      prometheus: { url: 'http://127.0.0.1:9', retries: 0 },
      api: { listen: '127.0.0.1:0' },
      keda: { listen: '127.0.0.1:0' },
      externalMetrics: { enabled: false },
      models: { dir: join(dir, 'models') },
      loop: { trainer: 'in-process' },
    }),
  );
  const run = prescale(['serve', '--config', configFile, '--watch', 'shop'], {
    ...process.env,
    KUBECONFIG: kubeconfig,
  });
  t.after(() => run.child.kill('SIGKILL'));
  await run.logLine('"watching PredictiveAutoscalers"');

  const kc = kubeConfigFor(server.url);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const pas = { group: 'autoscaler.ml.dev', version: 'v1alpha1', plural: 'predictiveautoscalers', namespace: 'shop' };
  await custom.createNamespacedCustomObject({
    ...pas,
    body: {
      apiVersion: 'autoscaler.ml.dev/v1alpha1',
      kind: 'PredictiveAutoscaler',
      metadata: { name: 'web' },
      spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, integration: 'KEDA' },
    },
  });
  const added = JSON.parse(await run.logLine('"workloads changed"')) as { added: string[] };
  assert.deepEqual(added.added, ['shop/web']);
  await run.logLine('"status written"');
  const scaledObject = (await custom.getNamespacedCustomObject({
    group: 'keda.sh',
    version: 'v1alpha1',
    plural: 'scaledobjects',
    namespace: 'shop',
    name: 'web',
  })) as { spec: { triggers: { type: string }[] }; metadata: { ownerReferences: { kind: string }[] } };
  assert.deepEqual(
    scaledObject.spec.triggers.map((trigger) => trigger.type),
    ['external', 'cpu'],
  );
  assert.equal(scaledObject.metadata.ownerReferences[0].kind, 'PredictiveAutoscaler');

  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0);
});

test('prescale serve --watch refuses a config file that lists workloads, naming the flag', async (t) => {
  const dir = await tempDir(t);
  const configFile = join(dir, 'prescale.yaml');
  await writeFile(
    configFile,
    stringify({
      externalMetrics: { enabled: false },
      workloads: [
        {
          metadata: { name: 'web', namespace: 'shop' },
          spec: {
            targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
            integration: 'KEDA',
            capacity: { perPod: 10 },
            metric: { query: 'up' },
          },
        },
      ],
    }),
  );
  const run = prescale(['serve', '--config', configFile, '--watch']);
  assert.equal(await run.exited, 2);
  assert.match(run.output(), /--watch: .* lists 1 workloads/);
});
