import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { targetPodQueries } from '../config/predictive-autoscaler.js';
import type { WorkloadConfig } from '../config/workload.js';
import { systemClock } from '../core/index.js';
import { createTargetDeployment, installPredictiveAutoscalerCrd } from '../testing/kube-apiserver/cluster-fixtures.js';
import { kubeConfigFor, kubectlConfigFor } from '../testing/kube-apiserver/fixtures.js';
import { type KubeApiServer, startKubeApiServer } from '../testing/kube-apiserver/index.js';
import { ManualClock } from '../testing/manual-clock.js';
import { tempDir } from '../testing/temp-dir.js';
import { runningWorkload } from '../testing/workload-status-fixture.js';
import { PredictiveAutoscalerController, type WorkloadRunner } from './controller.js';

// The controller against the stand-in API server, through client-node over HTTP: create → owned HPA with an owner
// reference and a status; spec change → updated HPA and observedGeneration; invalid spec → InvalidSpec, the others
// unaffected; delete → the workload leaves the service and the API server collects the HPA.

const pas = { group: 'autoscaler.ml.dev', version: 'v1alpha1', plural: 'predictiveautoscalers' } as const;
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

type Applied = readonly WorkloadConfig[];

/** The service's side: records each workload set it is handed, and lets a test wait for one it expects. */
class RecordingRunner implements WorkloadRunner {
  readonly sets: Applied[] = [];
  /** What the controller asked to keep of the saved models, once it had listed the resources. */
  readonly kept: string[][] = [];

  async pruneSavedModels(keepKeys: ReadonlySet<string>) {
    this.kept.push([...keepKeys].sort());
  }
  private waiters: { until: (set: Applied) => boolean; resolve: () => void }[] = [];

  async applyWorkloads(workloads: Applied) {
    this.sets.push(workloads);
    for (const waiter of this.waiters.filter((w) => w.until(workloads))) waiter.resolve();
    this.waiters = this.waiters.filter((w) => !w.until(workloads));
    return { added: [], updated: [], replaced: [], removed: [] };
  }

  /** Each applied workload runs and publishes 6 replicas on a Prophet forecast (the status fixture). */
  statuses() {
    return (this.sets.at(-1) ?? []).map((w) =>
      runningWorkload({ name: w.resource.name, namespace: w.resource.namespace }),
    );
  }

  /** Resolves once a set for which `until` holds has been applied (at once if the latest one does). */
  next(until: (set: Applied) => boolean): Promise<void> {
    const latest = this.sets.at(-1);
    if (latest !== undefined && until(latest)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ until, resolve }));
  }
}

const names = (set: Applied | undefined) => (set ?? []).map((w) => `${w.resource.namespace}/${w.resource.name}`).sort();
const maxOf = (set: Applied, name: string) => set.find((w) => w.resource.name === name)?.resource.policy.maxReplicas;

let server: KubeApiServer;
let kc: k8s.KubeConfig;

before(async () => {
  server = await startKubeApiServer({ namespaces: ['default', 'shop'] });
  kc = kubeConfigFor(server.url);
  await installPredictiveAutoscalerCrd(kc);
  await createTargetDeployment(kc, 'shop', 'web', { cpu: '500m', memory: '256Mi' });
});

after(() => server.stop());

function resource(name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: 'autoscaler.ml.dev/v1alpha1',
    kind: 'PredictiveAutoscaler',
    metadata: { name },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, ...spec },
  };
}

test('create, change, invalid spec and delete: owned HPA, status, and the service’s workload set', async (t) => {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const autoscaling = kc.makeApiClient(k8s.AutoscalingV2Api);
  const runner = new RecordingRunner();
  const invalidKeys: string[] = [];
  let onInvalid: () => void = () => undefined;
  const invalidSpecLogged = new Promise<void>((resolve) => {
    onInvalid = resolve;
  });
  const controller = new PredictiveAutoscalerController({
    kubeConfig: kc,
    service: runner,
    scalerAddress: 'prescale.prescale:9000',
    namespaces: ['shop'],
    clock: systemClock,
    log: (_level, message, fields) => {
      if (message !== 'invalid spec') return;
      invalidKeys.push(String(fields?.key));
      onInvalid();
    },
  });
  await controller.start();
  t.after(() => controller.stop());

  // Create: the minimal manifest (the default CPU signal; capacity from the pod template's 500m request).
  const created = (await custom.createNamespacedCustomObject({
    ...pas,
    namespace: 'shop',
    body: resource('web', { maxReplicas: 20 }),
  })) as { metadata: { uid: string } };
  await runner.next((set) => maxOf(set, 'web') === 20);
  await controller.idle();
  assert.deepEqual(names(runner.sets.at(-1)), ['shop/web']);
  const hpa = await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'shop' });
  assert.equal(hpa.metadata?.ownerReferences?.[0].uid, created.metadata.uid);
  assert.equal(hpa.metadata?.ownerReferences?.[0].controller, true);
  assert.deepEqual(
    hpa.spec?.metrics?.map((m) => m.type),
    ['External', 'Resource'],
  );
  assert.equal(hpa.spec?.maxReplicas, 20);
  let object = (await custom.getNamespacedCustomObject({ ...pas, namespace: 'shop', name: 'web' })) as {
    status: { observedGeneration: number; conditions: { type: string; status: string }[] };
  };
  assert.equal(object.status.observedGeneration, 1);
  assert.deepEqual(
    object.status.conditions.map((c) => [c.type, c.status]),
    [
      ['InvalidSpec', 'False'],
      ['Ready', 'True'],
      ['ForecastAvailable', 'True'],
      ['FallbackActive', 'False'],
      ['ScalingLimited', 'False'],
    ],
  );
  assert.equal((object.status as { desiredReplicas?: number }).desiredReplicas, 6);
  // kubectl shows the CRD's columns from the status.
  const dir = await tempDir(t);
  await writeFile(join(dir, 'kubeconfig'), kubectlConfigFor(server.url));
  // Asynchronous: the stand-in answers from this process, so a synchronous child would wait on itself.
  const { stdout: table } = await promisify(execFile)('kubectl', [
    '--kubeconfig',
    join(dir, 'kubeconfig'),
    'get',
    'pas',
    '-n',
    'shop',
  ]);
  assert.match(table, /^NAME\s+TARGET\s+MODE\s+MODEL\s+DESIRED\s+CURRENT\s+FORECAST\s+FALLBACK\s+AGE/);
  assert.match(table, /\nweb\s+web\s+Auto\s+prophet\s+6\s+4\s+540\s+False\s+/);

  // Change the spec: the owned HPA follows, the status observes generation 2.
  await custom.patchNamespacedCustomObject(
    { ...pas, namespace: 'shop', name: 'web', body: { spec: { maxReplicas: 40 } } },
    mergePatch,
  );
  await runner.next((set) => maxOf(set, 'web') === 40);
  await controller.idle();
  assert.equal(
    (await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'shop' })).spec?.maxReplicas,
    40,
  );
  object = (await custom.getNamespacedCustomObject({ ...pas, namespace: 'shop', name: 'web' })) as typeof object;
  assert.equal(object.status.observedGeneration, 2);

  // An invalid spec (recovery above the error that triggers fallback: a rule of the workload schema the CRD's
  // schema does not hold) is reported on that resource only.
  await custom.createNamespacedCustomObject({
    ...pas,
    namespace: 'shop',
    body: resource('broken', { fallback: { maxError: 20, recoverBelow: 30 } }),
  });
  await invalidSpecLogged;
  await controller.idle();
  assert.deepEqual(invalidKeys, ['shop/broken']);
  assert.deepEqual(names(runner.sets.at(-1)), ['shop/web'], 'the other workload runs on');
  const broken = (await custom.getNamespacedCustomObject({ ...pas, namespace: 'shop', name: 'broken' })) as {
    status: { conditions: { type: string; status: string; message: string }[] };
  };
  const invalid = broken.status.conditions.find((c) => c.type === 'InvalidSpec');
  assert.equal(invalid?.status, 'True');
  assert.match(invalid?.message ?? '', /spec\.fallback\.recoverBelow/);
  // Events tell what happened: the published replicas of web, the invalid spec of broken.
  const events = await kc.makeApiClient(k8s.EventsV1Api).listNamespacedEvent({ namespace: 'shop' });
  const seen = events.items.map((e) => `${e.regarding?.name} ${e.type} ${e.reason}`);
  assert.ok(seen.includes('web Normal DesiredReplicasChanged'), seen.join(', '));
  assert.ok(seen.includes('broken Warning InvalidSpec'), seen.join(', '));
  assert.equal(seen.filter((e) => e === 'web Normal DesiredReplicasChanged').length, 1, 'a refresh posts nothing new');

  // Delete: the workload leaves the service, and garbage collection removes the owned HPA.
  await custom.deleteNamespacedCustomObject({ ...pas, namespace: 'shop', name: 'web' });
  await runner.next((set) => set.length === 0);
  await controller.idle();
  await assert.rejects(
    autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'shop' }),
    (error: { code?: number }) => error.code === 404,
  );
});

test("a minimal manifest with its own load metric is valid: the target pods' CPU and memory are read to learn capacity", async (t) => {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const runner = new RecordingRunner();
  const controller = new PredictiveAutoscalerController({
    kubeConfig: kc,
    service: runner,
    scalerAddress: 'prescale.prescale:9000',
    namespaces: ['shop'],
    clock: systemClock,
  });
  const existing = (await custom.listNamespacedCustomObject({ ...pas, namespace: 'shop' })) as {
    items: { metadata: { name: string } }[];
  };
  await controller.start();
  t.after(() => controller.stop());
  assert.deepEqual(
    runner.kept,
    [existing.items.map((item) => `shop/${item.metadata.name}`).sort()],
    'once listed, the saved models of resources that are gone are deleted',
  );
  await custom.createNamespacedCustomObject({
    ...pas,
    namespace: 'shop',
    body: resource('requests', { metric: { query: 'sum(rate(http_requests_total{app="web"}[1m]))' } }),
  });
  await runner.next((set) => names(set).includes('shop/requests'));
  await controller.idle();
  const workload = runner.sets.at(-1)?.find((w) => w.resource.name === 'requests');
  assert.deepEqual(workload?.queries, {
    ...targetPodQueries('shop', 'web'),
    latency: null,
    replicas: null,
  });
  assert.equal(workload?.resource.capacityPerPod, null, 'learned from the CPU history, not required');
  await custom.deleteNamespacedCustomObject({ ...pas, namespace: 'shop', name: 'requests' });
  await runner.next((set) => set.length === 0);
});

test('a reset watch is restarted after its backoff and relists, losing no change; a 409 on a write is retried', async (t) => {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const runner = new RecordingRunner();
  const clock = new ManualClock(Date.parse('2026-12-03T00:00:00Z'));
  const warnings: string[] = [];
  const controller = new PredictiveAutoscalerController({
    kubeConfig: kc,
    service: runner,
    scalerAddress: 'prescale.prescale:9000',
    namespaces: ['shop'],
    clock,
    log: (level, message) => {
      if (level === 'warn') warnings.push(message);
    },
  });
  await controller.start();
  t.after(() => controller.stop());
  await server.untilWatching();

  // The connection breaks: client-node's informer stops; a resource created meanwhile is not seen yet.
  server.dropWatches('reset');
  await clock.whenSleeping(2); // the status refresh's period, and now the watch's restart backoff
  assert.deepEqual(warnings, ['watch failed; restarting']);
  await custom.createNamespacedCustomObject({
    ...pas,
    namespace: 'shop',
    body: resource('api', { maxReplicas: 12, integration: 'KEDA' }),
  });
  assert.equal(
    runner.sets.some((set) => names(set).includes('shop/api')),
    false,
  );
  // The status write of its first reconcile meets a conflict: the key goes back on the queue with a backoff.
  server.injectFailure({
    path: /\/predictiveautoscalers\/api\/status$/,
    method: 'PATCH',
    code: 409,
    reason: 'Conflict',
  });
  // After the restart backoff (1 s) the informer relists and finds it.
  await clock.advance(1000);
  await runner.next((set) => maxOf(set, 'api') === 12);
  await controller.idle();
  assert.ok(warnings.includes('reconcile failed; retrying'), warnings.join(', '));
  await clock.advance(5);
  await controller.idle();
  const api = (await custom.getNamespacedCustomObject({ ...pas, namespace: 'shop', name: 'api' })) as {
    status?: { observedGeneration: number };
  };
  assert.equal(api.status?.observedGeneration, 1, 'the retried reconcile wrote the status');
});

test('a follower runs the workload but writes nothing; once it leads, it owns the HPA and writes the status', async (t) => {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const autoscaling = kc.makeApiClient(k8s.AutoscalingV2Api);
  const runner = new RecordingRunner();
  let leader = false;
  const controller = new PredictiveAutoscalerController({
    kubeConfig: kc,
    service: runner,
    scalerAddress: 'prescale.prescale:9000',
    namespaces: ['shop'],
    clock: systemClock,
    isLeader: () => leader,
  });
  await controller.start();
  t.after(() => controller.stop());
  await custom.createNamespacedCustomObject({ ...pas, namespace: 'shop', body: resource('lead', { maxReplicas: 9 }) });
  await runner.next((set) => maxOf(set, 'lead') === 9);
  await controller.idle();
  await assert.rejects(
    autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'lead', namespace: 'shop' }),
    (error: { code?: number }) => error.code === 404,
    'a follower owns nothing',
  );
  const before = (await custom.getNamespacedCustomObject({ ...pas, namespace: 'shop', name: 'lead' })) as {
    status?: unknown;
  };
  assert.equal(before.status, undefined, 'and writes no status');

  leader = true;
  controller.requeueAll();
  await controller.idle();
  const hpa = await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'lead', namespace: 'shop' });
  assert.equal(hpa.spec?.maxReplicas, 9);
  const after = (await custom.getNamespacedCustomObject({ ...pas, namespace: 'shop', name: 'lead' })) as {
    status?: { observedGeneration?: number };
  };
  assert.equal(after.status?.observedGeneration, 1);
});
