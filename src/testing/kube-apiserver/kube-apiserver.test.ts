import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { kubeConfigFor, predictiveAutoscalerCrdYaml, statusOf } from './fixtures.js';
import { type KubeApiServer, startKubeApiServer } from './index.js';

const pas = { group: 'autoscaler.ml.dev', version: 'v1alpha1', plural: 'predictiveautoscalers', namespace: 'default' };
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const applyPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply);

function pasBody(name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { apiVersion: 'autoscaler.ml.dev/v1alpha1', kind: 'PredictiveAutoscaler', metadata: { name }, spec, ...extra };
}

const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };

describe('stand-in kube-apiserver driven by @kubernetes/client-node', () => {
  let server: KubeApiServer;
  let kc: k8s.KubeConfig;
  let custom: k8s.CustomObjectsApi;
  let core: k8s.CoreV1Api;

  before(async () => {
    server = await startKubeApiServer({ historySize: 50 });
    kc = kubeConfigFor(server.url);
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
    core = kc.makeApiClient(k8s.CoreV1Api);
    const crd = k8s.loadYaml<k8s.V1CustomResourceDefinition>(predictiveAutoscalerCrdYaml);
    await kc.makeApiClient(k8s.ApiextensionsV1Api).createCustomResourceDefinition({ body: crd });
  });
  after(() => server.stop());

  it('serves discovery with subresources after the main resource', async () => {
    const apps = await (await fetch(`${server.url}/apis/apps/v1`)).json();
    assert.deepEqual(
      apps.resources.map((r: { name: string }) => r.name),
      [
        'deployments',
        'deployments/status',
        'deployments/scale',
        'statefulsets',
        'statefulsets/status',
        'statefulsets/scale',
      ],
    );
    assert.deepEqual(apps.resources[2], {
      name: 'deployments/scale',
      singularName: '',
      namespaced: true,
      verbs: ['get', 'patch', 'update'],
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
    });
    const crdGroup = await (await fetch(`${server.url}/apis/autoscaler.ml.dev/v1alpha1`)).json();
    assert.deepEqual(crdGroup.resources[0].shortNames, ['pas']);
    const groups = await (await fetch(`${server.url}/apis`)).json();
    assert.ok(groups.groups.some((g: { name: string }) => g.name === 'autoscaler.ml.dev'));
  });

  it('creates, reads, updates with optimistic concurrency and reports 404/409 as Status objects', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { generateName: 'cfg-' }, data: { a: '1' } },
    });
    const name = created.metadata!.name!;
    assert.match(name, /^cfg-[a-z0-9]{5}$/);
    assert.ok(created.metadata!.uid && created.metadata!.resourceVersion && created.metadata!.creationTimestamp);
    const updated = await core.replaceNamespacedConfigMap({
      name,
      namespace: 'default',
      body: { ...created, data: { a: '2' } },
    });
    assert.ok(Number(updated.metadata!.resourceVersion) > Number(created.metadata!.resourceVersion));
    const stale = await statusOf(
      core.replaceNamespacedConfigMap({ name, namespace: 'default', body: { ...created, data: { a: '3' } } }),
    );
    assert.equal(stale.code, 409);
    assert.equal(stale.reason, 'Conflict');
    assert.match(stale.message, /the object has been modified/);
    const duplicate = await statusOf(
      core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name } } }),
    );
    assert.deepEqual(
      [duplicate.code, duplicate.reason, duplicate.message],
      [409, 'AlreadyExists', `configmaps "${name}" already exists`],
    );
    const missing = await statusOf(core.readNamespacedConfigMap({ name: 'nope', namespace: 'default' }));
    assert.deepEqual(missing.details, { name: 'nope', kind: 'configmaps' });
    const merged = await core.patchNamespacedConfigMap(
      { name, namespace: 'default', body: { data: { b: 'x' } } },
      mergePatch,
    );
    assert.deepEqual(merged.data, { a: '2', b: 'x' });
  });

  it('rejects a stale update of a Lease, so two candidates cannot both win', async () => {
    const leases = kc.makeApiClient(k8s.CoordinationV1Api);
    const now = new k8s.V1MicroTime('2025-06-01T12:00:00.123Z');
    const lease = await leases.createNamespacedLease({
      namespace: 'default',
      body: {
        metadata: { name: 'leader' },
        spec: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: now, renewTime: now },
      },
    });
    const raw = await (
      await fetch(`${server.url}/apis/coordination.k8s.io/v1/namespaces/default/leases/leader`)
    ).json();
    assert.equal(raw.spec.renewTime, '2025-06-01T12:00:00.123000Z');
    await leases.replaceNamespacedLease({
      name: 'leader',
      namespace: 'default',
      body: { ...lease, spec: { ...lease.spec, holderIdentity: 'b' } },
    });
    const loser = await statusOf(
      leases.replaceNamespacedLease({
        name: 'leader',
        namespace: 'default',
        body: { ...lease, spec: { ...lease.spec, holderIdentity: 'c' } },
      }),
    );
    assert.equal(loser.reason, 'Conflict');
    const millisecondsOnly = await fetch(`${server.url}/apis/coordination.k8s.io/v1/namespaces/default/leases`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'ms' }, spec: { renewTime: '2025-06-01T12:00:00.123Z' } }),
    });
    assert.equal(loser.code, 409);
    assert.equal(millisecondsOnly.status, 422);
    assert.equal((await millisecondsOnly.json()).details.causes[0].field, 'spec.renewTime');
  });

  it('enforces events.k8s.io/v1 create rules: MicroTime eventTime, type, reporting fields', async () => {
    const events = kc.makeApiClient(k8s.EventsV1Api);
    const event = {
      metadata: { name: 'web.1842a6f0c3b1d2e4' },
      regarding: { kind: 'PredictiveAutoscaler', name: 'web', namespace: 'default' },
      reason: 'ScaledUp',
      action: 'Scale',
      note: 'scaled deployment/web from 3 to 5',
      type: 'Normal',
      reportingController: 'autoscaler.ml.dev/prescale',
      reportingInstance: 'prescale-0',
      eventTime: new k8s.V1MicroTime('2025-06-01T12:03:00Z'),
    };
    const created = await events.createNamespacedEvent({ namespace: 'default', body: event });
    assert.equal(created.reason, 'ScaledUp');
    const invalid = await statusOf(
      events.createNamespacedEvent({
        namespace: 'default',
        body: { ...event, metadata: { name: 'web.2' }, type: 'Info', reportingInstance: undefined },
      }),
    );
    assert.deepEqual(invalid.details.causes.map((c) => c.field).sort(), ['reportingInstance', 'type']);
  });

  it('validates custom resources against the CRD schema: defaults, pruning, enums, required, CEL', async () => {
    const created = (await custom.createNamespacedCustomObject({
      ...pas,
      body: pasBody('web', { targetRef: target, unknownField: 1, planner: { anything: true } }),
    })) as { spec: Record<string, unknown> };
    assert.deepEqual(created.spec, {
      targetRef: target,
      minReplicas: 1,
      maxReplicas: 10,
      mode: 'Auto',
      predictionHorizon: '10m',
      planner: { anything: true },
    });
    const invalid = await statusOf(
      custom.createNamespacedCustomObject({ ...pas, body: pasBody('bad', { mode: 'Fast', minReplicas: 0 }) }),
    );
    assert.equal(invalid.code, 422);
    assert.equal(invalid.reason, 'Invalid');
    assert.deepEqual(invalid.details.causes.map((c) => `${c.field} ${c.reason}`).sort(), [
      'spec.minReplicas FieldValueInvalid',
      'spec.mode FieldValueNotSupported',
      'spec.targetRef FieldValueRequired',
    ]);
    assert.match(invalid.message, /^PredictiveAutoscaler\.autoscaler\.ml\.dev "bad" is invalid: \[/);
    const cel = await statusOf(
      custom.createNamespacedCustomObject({
        ...pas,
        body: pasBody('bad', { targetRef: target, minReplicas: 5, maxReplicas: 2 }),
      }),
    );
    assert.equal(
      cel.message,
      'PredictiveAutoscaler.autoscaler.ml.dev "bad" is invalid: spec: Invalid value: "object": minReplicas must be less than or equal to maxReplicas',
    );
    const guarded = await statusOf(
      custom.createNamespacedCustomObject({ ...pas, body: pasBody('bad', { targetRef: target, budgetCores: -1 }) }),
    );
    assert.equal(guarded.details.causes[0].message, 'Invalid value: "object": budgetCores must be positive');
    const pattern = await statusOf(
      custom.createNamespacedCustomObject({ ...pas, body: pasBody('bad', { targetRef: target, model: 'X!' }) }),
    );
    assert.equal(pattern.details.causes[0].field, 'spec.model');
    const strategic = await statusOf(
      custom.patchNamespacedCustomObject(
        { ...pas, name: 'web', body: { spec: { minReplicas: 2 } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
      ),
    );
    assert.equal(strategic.code, 415);
  });

  it('keeps status and generation apart: spec changes bump generation, /status writes do not', async () => {
    const created = (await custom.createNamespacedCustomObject({
      ...pas,
      body: pasBody('gen', { targetRef: target }, { status: { desiredReplicas: 9 } }),
    })) as { metadata: { generation: number }; status?: unknown };
    assert.equal(created.metadata.generation, 1);
    assert.equal(created.status, undefined);
    const spec = (await custom.patchNamespacedCustomObject({
      ...pas,
      name: 'gen',
      body: [{ op: 'replace', path: '/spec/maxReplicas', value: 20 }],
    })) as { metadata: { generation: number } };
    assert.equal(spec.metadata.generation, 2);
    const status = (await custom.patchNamespacedCustomObjectStatus(
      {
        ...pas,
        name: 'gen',
        body: { status: { observedGeneration: 2, desiredReplicas: 4 }, spec: { maxReplicas: 99 } },
      },
      mergePatch,
    )) as { metadata: { generation: number }; spec: { maxReplicas: number }; status: unknown };
    assert.deepEqual([status.metadata.generation, status.spec.maxReplicas], [2, 20]);
    assert.deepEqual(status.status, { observedGeneration: 2, desiredReplicas: 4 });
    const ignored = (await custom.patchNamespacedCustomObject(
      { ...pas, name: 'gen', body: { status: { desiredReplicas: 100 } } },
      mergePatch,
    )) as { metadata: { generation: number }; status: { desiredReplicas: number } };
    assert.deepEqual([ignored.metadata.generation, ignored.status.desiredReplicas], [2, 4]);
  });

  it('server-side apply: a second manager conflicts with 409 unless it forces', async () => {
    const apply = (manager: string, minReplicas: number, force?: boolean) =>
      custom.patchNamespacedCustomObject(
        { ...pas, name: 'ssa', fieldManager: manager, force, body: pasBody('ssa', { targetRef: target, minReplicas }) },
        applyPatch,
      );
    const first = (await apply('prescale', 2)) as {
      metadata: { managedFields: { manager: string; operation: string }[] };
    };
    assert.deepEqual(
      first.metadata.managedFields.map((m) => `${m.manager}/${m.operation}`),
      ['prescale/Apply'],
    );
    const clash = await statusOf(apply('someone-else', 3));
    assert.equal(clash.code, 409);
    assert.equal(clash.message, 'Apply failed with 1 conflict: conflict with "prescale": .spec.minReplicas');
    assert.equal(clash.details.causes[0].reason, 'FieldManagerConflict');
    const forced = (await apply('someone-else', 3, true)) as { spec: { minReplicas: number } };
    assert.equal(forced.spec.minReplicas, 3);
    const noFieldManager = await statusOf(
      custom.patchNamespacedCustomObject({ ...pas, name: 'ssa', body: {} }, applyPatch),
    );
    assert.match(noFieldManager.message, /fieldManager: Required value: is required for apply patch/);
  });

  it('garbage-collects owned objects and holds objects with finalizers until they are removed', async () => {
    const owner = (await custom.createNamespacedCustomObject({
      ...pas,
      body: pasBody(
        'owner',
        { targetRef: target },
        { metadata: { name: 'owner', finalizers: ['autoscaler.ml.dev/cleanup'] } },
      ),
    })) as { metadata: { uid: string } };
    const hpas = kc.makeApiClient(k8s.AutoscalingV2Api);
    await hpas.createNamespacedHorizontalPodAutoscaler({
      namespace: 'default',
      body: {
        metadata: {
          name: 'owner-prescale',
          ownerReferences: [
            {
              apiVersion: 'autoscaler.ml.dev/v1alpha1',
              kind: 'PredictiveAutoscaler',
              name: 'owner',
              uid: owner.metadata.uid,
              controller: true,
            },
          ],
        },
        spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 10 },
      },
    });
    const deleting = (await custom.deleteNamespacedCustomObject({ ...pas, name: 'owner' })) as {
      metadata: { deletionTimestamp?: string };
    };
    assert.ok(deleting.metadata.deletionTimestamp);
    await hpas.readNamespacedHorizontalPodAutoscaler({ name: 'owner-prescale', namespace: 'default' });
    await custom.patchNamespacedCustomObject(
      { ...pas, name: 'owner', body: { metadata: { finalizers: null } } },
      mergePatch,
    );
    assert.equal((await statusOf(custom.getNamespacedCustomObject({ ...pas, name: 'owner' }))).code, 404);
    assert.equal(
      (await statusOf(hpas.readNamespacedHorizontalPodAutoscaler({ name: 'owner-prescale', namespace: 'default' })))
        .code,
      404,
    );
  });
  it('answers the rest of the error catalogue and injected failures as the real server would', async () => {
    const raw = async (method: string, url: string, body: unknown, contentType = 'application/json') => {
      const response = await fetch(`${server.url}${url}`, {
        method,
        headers: { 'Content-Type': contentType },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      assert.equal(
        response.headers.get('content-type')?.split(';')[0],
        response.status === 429 ? 'text/plain' : 'application/json',
      );
      return { code: response.status, body: response.status === 429 ? await response.text() : await response.json() };
    };
    const item = '/apis/autoscaler.ml.dev/v1alpha1/namespaces/default/predictiveautoscalers/catalogue';
    await custom.createNamespacedCustomObject({ ...pas, body: pasBody('catalogue', { targetRef: target }) });
    const unversioned = await raw('PUT', item, pasBody('catalogue', { targetRef: target }));
    assert.deepEqual([unversioned.code, unversioned.body.details.causes[0].field], [422, 'metadata.resourceVersion']);
    const unknownType = await raw('PATCH', item, {}, 'application/yaml');
    assert.equal(unknownType.code, 415);
    const failedTest = await raw(
      'PATCH',
      item,
      [{ op: 'test', path: '/spec/mode', value: 'ForecastOnly' }],
      'application/json-patch+json',
    );
    assert.equal(failedTest.code, 422);
    const noNamespace = await raw('POST', '/api/v1/namespaces/absent/configmaps', { metadata: { name: 'x' } });
    assert.deepEqual([noNamespace.code, noNamespace.body.message], [404, 'namespaces "absent" not found']);
    const badSelector = await raw('GET', '/api/v1/namespaces/default/configmaps?fieldSelector=spec.x%3D1', undefined);
    assert.equal(badSelector.code, 400);
    const unknownResource = await raw('GET', '/apis/apps/v1/namespaces/default/replicasets', undefined);
    assert.equal(unknownResource.code, 404);

    server.injectFailure({ path: item, method: 'GET', code: 409, reason: 'Conflict', times: 2 });
    assert.equal((await statusOf(custom.getNamespacedCustomObject({ ...pas, name: 'catalogue' }))).reason, 'Conflict');
    assert.equal((await statusOf(custom.getNamespacedCustomObject({ ...pas, name: 'catalogue' }))).code, 409);
    await custom.getNamespacedCustomObject({ ...pas, name: 'catalogue' });
    server.injectFailure({ path: item, code: 429 });
    const throttled = await raw('GET', item, undefined);
    assert.deepEqual(throttled, { code: 429, body: 'Too many requests, please try again later.' });

    const deleted = (await custom.deleteNamespacedCustomObject({ ...pas, name: 'catalogue' })) as Record<
      string,
      unknown
    >;
    assert.deepEqual([deleted.kind, deleted.status], ['Status', 'Success']);
  });

  it('stops serving the resources of a deleted CRD', async () => {
    await kc
      .makeApiClient(k8s.ApiextensionsV1Api)
      .deleteCustomResourceDefinition({ name: 'predictiveautoscalers.autoscaler.ml.dev' });
    const groups = await (await fetch(`${server.url}/apis`)).json();
    assert.ok(!groups.groups.some((g: { name: string }) => g.name === 'autoscaler.ml.dev'));
    assert.equal((await statusOf(custom.listNamespacedCustomObject({ ...pas }))).code, 404);
  });
});
