import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { predictiveAutoscalerCrdYaml } from '../config/crd.js';
import type { WorkloadConfig } from '../config/workload.js';
import type { ScalingDecision } from '../executor/types.js';
import { kubeConfigFor } from '../testing/kube-apiserver/fixtures.js';
import { type KubeApiServer, startKubeApiServer } from '../testing/kube-apiserver/index.js';
import { ManualClock } from '../testing/manual-clock.js';
import { runningWorkload } from '../testing/workload-status-fixture.js';
import { PredictiveAutoscalerController, type WorkloadRunner } from './controller.js';
import { autoscalersTargeting, type FoundAutoscaler, replicasToWrite } from './direct-scaling.js';

// `integration: Direct` through the real controller and client-node against the stand-in API server: the leader
// writes the target's scale with the value the workload publishes, refuses beside another autoscaler and resumes
// when it is gone; a follower writes nothing.

const web = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };

test('autoscalersTargeting: same kind, name and group; a ScaledObject defaults to a Deployment; owned ones apart', () => {
  const found = (
    kind: FoundAutoscaler['kind'],
    name: string,
    target: FoundAutoscaler['target'],
    ownerUids: string[] = [],
  ): FoundAutoscaler => ({ kind, name, target, ownerUids });
  const rows: { name: string; input: FoundAutoscaler; want: 'owned' | 'conflicting' | 'other' }[] = [
    { name: 'a user HPA on the target', input: found('HorizontalPodAutoscaler', 'cpu', web), want: 'conflicting' },
    {
      name: 'an HPA on another Deployment',
      input: found('HorizontalPodAutoscaler', 'x', { ...web, name: 'api' }),
      want: 'other',
    },
    {
      name: 'an HPA on a StatefulSet of the same name',
      input: found('HorizontalPodAutoscaler', 'x', { ...web, kind: 'StatefulSet' }),
      want: 'other',
    },
    {
      name: 'an HPA on a same-named kind of another group',
      input: found('HorizontalPodAutoscaler', 'x', { ...web, apiVersion: 'example.dev/v1' }),
      want: 'other',
    },
    {
      name: 'a ScaledObject naming only the target',
      input: found('ScaledObject', 'so', { name: 'web' }),
      want: 'conflicting',
    },
    {
      name: 'the HPA this resource owned as integration HPA',
      input: found('HorizontalPodAutoscaler', 'web', web, ['uid-1']),
      want: 'owned',
    },
    {
      name: 'an HPA owned by another PredictiveAutoscaler',
      input: found('HorizontalPodAutoscaler', 'other', web, ['uid-2']),
      want: 'conflicting',
    },
  ];
  for (const row of rows) {
    const { owned, conflicting } = autoscalersTargeting(web, 'uid-1', [row.input]);
    const got = owned.length > 0 ? 'owned' : conflicting.length > 0 ? 'conflicting' : 'other';
    assert.equal(got, row.want, row.name);
  }
});

test('replicasToWrite: a planned or reactive value that differs; never "hold" or "nothing observed yet"', () => {
  const decision = (replicas: number, source: ScalingDecision['source']) =>
    ({ replicas, source, reason: '' }) as unknown as ScalingDecision;
  const rows: { name: string; input: [ScalingDecision | null, number]; want: number | null }[] = [
    { name: 'planned, differs', input: [decision(7, 'plan'), 3], want: 7 },
    { name: 'reactive (fallback), differs', input: [decision(2, 'reactive'), 3], want: 2 },
    { name: 'planned, already there', input: [decision(3, 'plan'), 3], want: null },
    { name: 'holding the last published value', input: [decision(1, 'last-published'), 3], want: null },
    { name: 'nothing observed yet (minReplicas)', input: [decision(1, 'min-replicas'), 3], want: null },
    { name: 'no running workload', input: [null, 3], want: null },
  ];
  for (const row of rows) assert.equal(replicasToWrite(...row.input), row.want, row.name);
});

const pas = { group: 'autoscaler.ml.dev', version: 'v1alpha1', plural: 'predictiveautoscalers' } as const;
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const SYNC_PERIOD_MS = 15_000;

/** The service's side: every applied workload runs and publishes the replicas a test plans for it. */
class PlannedRunner implements WorkloadRunner {
  private applied: readonly WorkloadConfig[] = [];
  readonly planned = new Map<string, number>();

  async applyWorkloads(workloads: readonly WorkloadConfig[]) {
    this.applied = workloads;
    return { added: [], updated: [], replaced: [], removed: [] };
  }

  statuses() {
    return this.applied.map((w) => {
      const replicas = this.planned.get(w.resource.name) ?? 1;
      const reason = `${replicas} replicas: forecast q0.8 peak ${replicas * 60}`;
      return runningWorkload({
        name: w.resource.name,
        namespace: w.resource.namespace,
        plan: { decision: { boundBy: 'forecast', reason } } as never,
        published: { ...runningWorkload().published, replicas, source: 'plan', reason },
      });
    });
  }
}

/** Resolves on the next successful reconcile of a key (the controller's `onReconciled`). */
class Reconciles {
  private waiters: { key: string; resolve: () => void }[] = [];
  readonly onReconciled = (key: string, _ms: number, ok: boolean) => {
    if (!ok) return;
    for (const waiter of this.waiters.filter((w) => w.key === key)) waiter.resolve();
    this.waiters = this.waiters.filter((w) => w.key !== key);
  };
  next(key: string): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ key, resolve }));
  }
}

let server: KubeApiServer;
let kc: k8s.KubeConfig;
let apps: k8s.AppsV1Api;
let custom: k8s.CustomObjectsApi;
let autoscaling: k8s.AutoscalingV2Api;

const podTemplate = (app: string) => ({
  selector: { matchLabels: { app } },
  template: {
    metadata: { labels: { app } },
    spec: { containers: [{ name: app, image: app, resources: { requests: { cpu: '500m' } } }] },
  },
});

before(async () => {
  server = await startKubeApiServer({ namespaces: ['shop'] });
  kc = kubeConfigFor(server.url);
  apps = kc.makeApiClient(k8s.AppsV1Api);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
  autoscaling = kc.makeApiClient(k8s.AutoscalingV2Api);
  await kc.makeApiClient(k8s.ApiextensionsV1Api).createCustomResourceDefinition({
    body: k8s.loadYaml(predictiveAutoscalerCrdYaml()) as k8s.V1CustomResourceDefinition,
  });
  for (const name of ['web', 'api']) {
    await apps.createNamespacedDeployment({
      namespace: 'shop',
      body: { metadata: { name }, spec: { replicas: 2, ...podTemplate(name) } },
    });
    await apps.patchNamespacedDeploymentStatus(
      { name, namespace: 'shop', body: { status: { replicas: 2 } } },
      mergePatch,
    );
  }
  await apps.createNamespacedStatefulSet({
    namespace: 'shop',
    body: { metadata: { name: 'db' }, spec: { serviceName: 'db', ...podTemplate('db') } },
  });
});

after(() => server.stop());

function directResource(name: string, targetRef: Record<string, string>, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'autoscaler.ml.dev/v1alpha1',
    kind: 'PredictiveAutoscaler',
    metadata: { name },
    spec: { targetRef, integration: 'Direct', maxReplicas: 20, ...spec },
  };
}

type Status = {
  desiredReplicas?: number;
  currentReplicas?: number;
  lastScaleTime?: string;
  conditions?: { type: string; status: string; reason: string; message: string }[];
};

async function statusOf(name: string): Promise<Status> {
  const object = (await custom.getNamespacedCustomObject({ ...pas, namespace: 'shop', name })) as { status?: Status };
  return object.status ?? {};
}

const readyOf = (status: Status) => status.conditions?.find((c) => c.type === 'Ready');

async function eventsOf(name: string): Promise<string[]> {
  const events = await kc.makeApiClient(k8s.EventsV1Api).listNamespacedEvent({ namespace: 'shop' });
  return events.items.filter((e) => e.regarding?.name === name).map((e) => `${e.type} ${e.reason}`);
}

const deploymentScale = async (name: string) => apps.readNamespacedDeploymentScale({ name, namespace: 'shop' });

test('Direct writes the planned replicas to the scale, refuses beside another HPA or ScaledObject, resumes without it', async (t) => {
  const clock = new ManualClock(Date.parse('2026-12-03T12:00:00Z'));
  const runner = new PlannedRunner();
  const reconciles = new Reconciles();
  const controller = new PredictiveAutoscalerController({
    kubeConfig: kc,
    service: runner,
    scalerAddress: 'prescale.prescale:9000',
    namespaces: ['shop'],
    clock,
    onReconciled: reconciles.onReconciled,
  });
  await controller.start();
  t.after(() => controller.stop());
  /** Lets the controller's refresh of Direct workloads (one sync period) reconcile `web`. */
  const nextSync = async () => {
    const done = reconciles.next('shop/web');
    await clock.advance(SYNC_PERIOD_MS);
    await done;
    await controller.idle();
  };

  // Create: the plan says 7; the Deployment runs 2. The scale is written, and the status says so.
  runner.planned.set('web', 7);
  const created = reconciles.next('shop/web');
  await custom.createNamespacedCustomObject({ ...pas, namespace: 'shop', body: directResource('web', web) });
  await created;
  await controller.idle();
  assert.equal((await deploymentScale('web')).spec?.replicas, 7);
  let status = await statusOf('web');
  assert.deepEqual(
    [status.desiredReplicas, status.currentReplicas, status.lastScaleTime],
    [7, 2, '2026-12-03T12:00:00.000Z'],
  );
  assert.deepEqual([readyOf(status)?.status, readyOf(status)?.reason], ['True', 'Reconciled']);
  await assert.rejects(
    autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'shop' }),
    (error: { code?: number }) => error.code === 404,
    'Direct owns no HPA',
  );
  assert.ok((await eventsOf('web')).includes('Normal DesiredReplicasChanged'));

  // The plan holds at 7: a sync later nothing is written (the Deployment keeps its resourceVersion).
  const unchanged = (await deploymentScale('web')).metadata?.resourceVersion;
  await nextSync();
  assert.equal((await deploymentScale('web')).metadata?.resourceVersion, unchanged);

  // Someone's HPA on the same Deployment: refused, scale untouched although the plan moves to 9.
  await autoscaling.createNamespacedHorizontalPodAutoscaler({
    namespace: 'shop',
    body: { metadata: { name: 'web-cpu' }, spec: { scaleTargetRef: web, minReplicas: 1, maxReplicas: 10 } },
  });
  runner.planned.set('web', 9);
  await nextSync();
  assert.equal((await deploymentScale('web')).spec?.replicas, 7, 'the scale is left to the other autoscaler');
  status = await statusOf('web');
  assert.deepEqual([readyOf(status)?.status, readyOf(status)?.reason], ['False', 'ConflictingAutoscaler']);
  assert.match(readyOf(status)?.message ?? '', /HorizontalPodAutoscaler web-cpu already scales Deployment web/);
  assert.ok((await eventsOf('web')).includes('Warning ConflictingAutoscaler'));

  // The HPA goes: Direct resumes and writes the plan's 9 (a stale write, 409, is retried first).
  await autoscaling.deleteNamespacedHorizontalPodAutoscaler({ name: 'web-cpu', namespace: 'shop' });
  server.injectFailure({ path: /\/deployments\/web\/scale$/, method: 'PUT', code: 409, reason: 'Conflict' });
  await clock.advance(SYNC_PERIOD_MS);
  await controller.idle();
  const retried = reconciles.next('shop/web');
  await clock.advance(5); // the work queue's first retry backoff
  await retried;
  await controller.idle();
  assert.equal((await deploymentScale('web')).spec?.replicas, 9);
  status = await statusOf('web');
  assert.deepEqual([readyOf(status)?.status, status.desiredReplicas], ['True', 9]);
  assert.equal(status.lastScaleTime, new Date(clock.nowMs()).toISOString());
  assert.ok((await eventsOf('web')).includes('Normal ScalingResumed'));

  // A KEDA ScaledObject on it (its target's kind defaults to Deployment): refused again, then resumed.
  await custom.createNamespacedCustomObject({
    group: 'keda.sh',
    version: 'v1alpha1',
    plural: 'scaledobjects',
    namespace: 'shop',
    body: {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'web-queue' },
      spec: { scaleTargetRef: { name: 'web' }, triggers: [] },
    },
  });
  runner.planned.set('web', 4);
  await nextSync();
  assert.equal((await deploymentScale('web')).spec?.replicas, 9);
  assert.match(readyOf(await statusOf('web'))?.message ?? '', /ScaledObject web-queue already scales/);
  await custom.deleteNamespacedCustomObject({
    group: 'keda.sh',
    version: 'v1alpha1',
    plural: 'scaledobjects',
    namespace: 'shop',
    name: 'web-queue',
  });
  await nextSync();
  assert.equal((await deploymentScale('web')).spec?.replicas, 4);
});

test('a follower never writes the scale; once it leads, it scales a StatefulSet', async (t) => {
  const runner = new PlannedRunner();
  const reconciles = new Reconciles();
  let leader = false;
  const controller = new PredictiveAutoscalerController({
    kubeConfig: kc,
    service: runner,
    scalerAddress: 'prescale.prescale:9000',
    namespaces: ['shop'],
    clock: new ManualClock(Date.parse('2026-12-03T12:00:00Z')),
    isLeader: () => leader,
    onReconciled: reconciles.onReconciled,
  });
  await controller.start();
  t.after(() => controller.stop());
  runner.planned.set('db', 5);
  const reconciled = reconciles.next('shop/db');
  await custom.createNamespacedCustomObject({
    ...pas,
    namespace: 'shop',
    body: directResource('db', { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' }),
  });
  await reconciled;
  await controller.idle();
  const scale = () => apps.readNamespacedStatefulSetScale({ name: 'db', namespace: 'shop' });
  assert.equal((await scale()).spec?.replicas, 1, 'a follower leaves the scale alone');
  assert.deepEqual(await statusOf('db'), {}, 'and writes no status');

  leader = true;
  controller.requeueAll();
  await controller.idle();
  assert.equal((await scale()).spec?.replicas, 5);
  assert.equal((await statusOf('db')).desiredReplicas, 5);
});

test('switching an HPA resource to Direct removes the HPA it owned, then scales; back to HPA, the HPA returns', async (t) => {
  const runner = new PlannedRunner();
  const reconciles = new Reconciles();
  const controller = new PredictiveAutoscalerController({
    kubeConfig: kc,
    service: runner,
    scalerAddress: 'prescale.prescale:9000',
    namespaces: ['shop'],
    clock: new ManualClock(Date.parse('2026-12-03T12:00:00Z')),
    onReconciled: reconciles.onReconciled,
  });
  await controller.start();
  t.after(() => controller.stop());
  runner.planned.set('api', 6);
  const api = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' };
  let reconciled = reconciles.next('shop/api');
  await custom.createNamespacedCustomObject({
    ...pas,
    namespace: 'shop',
    body: directResource('api', api, { integration: 'HPA' }),
  });
  await reconciled;
  await controller.idle();
  await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'api', namespace: 'shop' });
  assert.equal((await deploymentScale('api')).spec?.replicas, 2, 'with integration HPA the HPA scales, not Prescale');

  for (const integration of ['Direct', 'HPA']) {
    reconciled = reconciles.next('shop/api');
    await custom.patchNamespacedCustomObject(
      { ...pas, namespace: 'shop', name: 'api', body: { spec: { integration } } },
      mergePatch,
    );
    await reconciled;
    await controller.idle();
    const hpa = autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'api', namespace: 'shop' });
    if (integration === 'Direct') {
      await assert.rejects(hpa, (error: { code?: number }) => error.code === 404);
      assert.equal((await deploymentScale('api')).spec?.replicas, 6);
      assert.equal(readyOf(await statusOf('api'))?.status, 'True', 'its own HPA was no conflict');
    } else {
      assert.equal((await hpa).spec?.maxReplicas, 20);
    }
  }
});
