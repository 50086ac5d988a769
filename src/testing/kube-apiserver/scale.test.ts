import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { kubeConfigFor, statusOf } from './fixtures.js';
import { type KubeApiServer, startKubeApiServer } from './index.js';

// The stand-in's `/scale` subresource (autoscaling/v1 Scale) for Deployments, StatefulSets and CRDs declaring one,
// through client-node: what Direct scaling and an HPA read and write.

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

describe('stand-in kube-apiserver: the scale subresource', () => {
  let server: KubeApiServer;
  let kc: k8s.KubeConfig;
  let custom: k8s.CustomObjectsApi;

  before(async () => {
    server = await startKubeApiServer();
    kc = kubeConfigFor(server.url);
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
  });
  after(() => server.stop());

  it('maps the Deployment scale subresource to spec.replicas with autoscaling/v1 Scale objects', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
        },
      },
    });
    await apps.patchNamespacedDeploymentStatus(
      { name: 'web', namespace: 'default', body: { status: { replicas: 2 } } },
      mergePatch,
    );
    const scaled = await apps.patchNamespacedDeploymentScale(
      { name: 'web', namespace: 'default', body: { spec: { replicas: 5 } } },
      mergePatch,
    );
    assert.deepEqual(
      [scaled.kind, scaled.spec!.replicas, scaled.status!.replicas, scaled.status!.selector],
      ['Scale', 5, 2, 'app=web'],
    );
    const deployment = await apps.readNamespacedDeployment({ name: 'web', namespace: 'default' });
    assert.deepEqual([deployment.spec!.replicas, deployment.metadata!.generation], [5, 2]);
    const stale = await statusOf(
      apps.replaceNamespacedDeploymentScale({
        name: 'web',
        namespace: 'default',
        body: { metadata: { name: 'web', resourceVersion: '1' }, spec: { replicas: 1 } },
      }),
    );
    assert.equal(stale.reason, 'Conflict');
  });

  it('serves the StatefulSet scale subresource: GET, PUT and PATCH, 409 on a stale resourceVersion either way', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const created = await apps.createNamespacedStatefulSet({
      namespace: 'default',
      body: {
        metadata: { name: 'db' },
        spec: {
          serviceName: 'db',
          selector: { matchLabels: { app: 'db' } },
          template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
        },
      },
    });
    assert.equal(created.spec?.replicas, 1, 'replicas default to 1');
    await apps.patchNamespacedStatefulSetStatus(
      { name: 'db', namespace: 'default', body: { status: { replicas: 1 } } },
      mergePatch,
    );
    const read = await apps.readNamespacedStatefulSetScale({ name: 'db', namespace: 'default' });
    assert.deepEqual(
      [
        read.apiVersion,
        read.kind,
        read.metadata?.uid,
        read.spec?.replicas,
        read.status?.replicas,
        read.status?.selector,
      ],
      ['autoscaling/v1', 'Scale', created.metadata?.uid, 1, 1, 'app=db'],
    );
    const put = await apps.replaceNamespacedStatefulSetScale({
      name: 'db',
      namespace: 'default',
      body: { metadata: { name: 'db', resourceVersion: read.metadata?.resourceVersion }, spec: { replicas: 3 } },
    });
    assert.equal(put.spec?.replicas, 3);
    assert.ok(Number(put.metadata?.resourceVersion) > Number(read.metadata?.resourceVersion));
    const stalePut = await statusOf(
      apps.replaceNamespacedStatefulSetScale({
        name: 'db',
        namespace: 'default',
        body: { metadata: { name: 'db', resourceVersion: read.metadata?.resourceVersion }, spec: { replicas: 9 } },
      }),
    );
    assert.deepEqual([stalePut.code, stalePut.reason], [409, 'Conflict']);
    const stalePatch = await statusOf(
      apps.patchNamespacedStatefulSetScale(
        {
          name: 'db',
          namespace: 'default',
          body: { metadata: { resourceVersion: read.metadata?.resourceVersion }, spec: { replicas: 9 } },
        },
        mergePatch,
      ),
    );
    assert.deepEqual([stalePatch.code, stalePatch.reason], [409, 'Conflict']);
    const patched = await apps.patchNamespacedStatefulSetScale(
      { name: 'db', namespace: 'default', body: { spec: { replicas: 4 } } },
      mergePatch,
    );
    assert.equal(patched.spec?.replicas, 4);
    const statefulSet = await apps.readNamespacedStatefulSet({ name: 'db', namespace: 'default' });
    assert.deepEqual(
      [statefulSet.spec?.replicas, statefulSet.metadata?.generation, statefulSet.status?.replicas],
      [4, 3, 1],
      'only the replica field changed, and the generation with it',
    );
  });

  it('serves the scale subresource of a CRD that declares one, through its replica paths', async () => {
    await kc.makeApiClient(k8s.ApiextensionsV1Api).createCustomResourceDefinition({
      body: k8s.loadYaml<k8s.V1CustomResourceDefinition>(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.dev}
spec:
  group: example.dev
  scope: Namespaced
  names: {plural: widgets, kind: Widget}
  versions:
    - name: v1
      served: true
      storage: true
      subresources:
        status: {}
        scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas, labelSelectorPath: .status.selector}
      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`),
    });
    const widget = { group: 'example.dev', version: 'v1', plural: 'widgets', namespace: 'default', name: 'w' };
    await custom.createNamespacedCustomObject({
      ...widget,
      body: { apiVersion: 'example.dev/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { replicas: 1 } },
    });
    await custom.patchNamespacedCustomObjectStatus(
      { ...widget, body: { status: { replicas: 1, selector: 'app=w' } } },
      mergePatch,
    );
    const scale = (await custom.patchNamespacedCustomObjectScale(
      { ...widget, body: { spec: { replicas: 4 } } },
      mergePatch,
    )) as {
      spec: { replicas: number };
      status: { replicas: number; selector: string };
    };
    assert.deepEqual([scale.spec.replicas, scale.status.replicas, scale.status.selector], [4, 1, 'app=w']);
    const stored = (await custom.getNamespacedCustomObject(widget)) as {
      spec: { replicas: number };
      metadata: { generation: number };
    };
    assert.deepEqual([stored.spec.replicas, stored.metadata.generation], [4, 2]);
    const discovery = await (await fetch(`${server.url}/apis/example.dev/v1`)).json();
    assert.deepEqual(
      discovery.resources.map((r: { name: string }) => r.name),
      ['widgets', 'widgets/status', 'widgets/scale'],
    );
  });
});
