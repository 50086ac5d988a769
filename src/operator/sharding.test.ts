import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import type { WorkloadConfig } from '../config/workload.js';
import type { WorkloadStatus } from '../predictor/workload-status.js';
import { createTargetDeployment, installPredictiveAutoscalerCrd } from '../testing/kube-apiserver/cluster-fixtures.js';
import { kubeConfigFor } from '../testing/kube-apiserver/fixtures.js';
import { type KubeApiServer, startKubeApiServer } from '../testing/kube-apiserver/index.js';
import { ManualClock } from '../testing/manual-clock.js';
import { runningWorkload } from '../testing/workload-status-fixture.js';
import { PredictiveAutoscalerController, type WorkloadRunner } from './controller.js';
import { ShardMembership } from './shard-membership.js';

// Three replicas in one process against the stand-in API server, each its own member Lease, controller and service,
// all on one manual clock (member rounds driven by hand, every 2 s of simulated time): 1,000 PredictiveAutoscalers
// split with none run twice or not at all, each status written by the replica that runs it. Then, on 150 resources
// of another namespace (each handover costs a reconcile, i.e. API requests, per moved resource: 1,000 would make
// this file take minutes on a loaded machine): a replica killed (no more renewals, its Lease left as it was) → the
// two others run and write its share within 30 s, a spec change made meanwhile included; restarted under the same
// pod name → it gets exactly its share back; stopped gracefully (Lease released) → its share moves at the next
// round. The service side records its workload set (the real service's handover, which keeps the saved model, is
// tested in src/predictor/service-workloads.test.ts).

const pas = { group: 'autoscaler.ml.dev', version: 'v1alpha1', plural: 'predictiveautoscalers' } as const;
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/** One replica's service: runs the set it is handed; its published reason names the replica, so statuses tell who wrote them. */
class ShardRunner implements WorkloadRunner {
  /** The running workloads' statuses, by key (built once each: the controller asks for them at every reconcile). */
  private readonly running = new Map<string, WorkloadStatus>();
  readonly handedOver: string[] = [];

  constructor(private readonly replica: string) {}

  async applyWorkloads(workloads: readonly WorkloadConfig[], handedOver: ReadonlySet<string> = new Set()) {
    const wanted = new Map(workloads.map((w) => [`${w.resource.namespace}/${w.resource.name}`, w.resource]));
    for (const key of this.running.keys()) if (!wanted.has(key)) this.running.delete(key);
    for (const [key, { name, namespace }] of wanted) {
      if (this.running.has(key)) continue;
      this.running.set(key, runningWorkload({ name, namespace, published: servedBy(this.replica) } as never));
    }
    this.handedOver.push(...handedOver);
    return { added: [], updated: [], replaced: [], removed: [] };
  }

  statuses() {
    return [...this.running.values()];
  }

  /** The keys it runs, sorted. */
  keys(): string[] {
    return [...this.running.keys()].sort();
  }

  runs(key: string): boolean {
    return this.running.has(key);
  }
}

const servedBy = (replica: string) => ({ replicas: 6, reason: `served by ${replica}` });

interface Replica {
  readonly name: string;
  readonly runner: ShardRunner;
  readonly membership: ShardMembership;
  readonly controller: PredictiveAutoscalerController;
}

let server: KubeApiServer;
let kc: k8s.KubeConfig;
const clock = new ManualClock(Date.parse('2026-12-03T12:00:00Z'));

/** `count` resources `service-0000`… in `namespace`, targeting its Deployment `web`; their keys. */
async function createResources(namespace: string, count: number): Promise<string[]> {
  const keys = Array.from({ length: count }, (_, i) => `${namespace}/service-${String(i).padStart(4, '0')}`);
  await createTargetDeployment(kc, namespace, 'web');
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  for (let i = 0; i < keys.length; i += 50) {
    await Promise.all(
      keys.slice(i, i + 50).map((key) =>
        custom.createNamespacedCustomObject({
          ...pas,
          namespace,
          body: {
            apiVersion: 'autoscaler.ml.dev/v1alpha1',
            kind: 'PredictiveAutoscaler',
            metadata: { name: key.split('/')[1] },
            spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 20 },
          },
        }),
      ),
    );
  }
  return keys;
}

before(async () => {
  server = await startKubeApiServer({ namespaces: ['default', 'fleet', 'small', 'prescale'], historySize: 20_000 });
  kc = kubeConfigFor(server.url);
  await installPredictiveAutoscalerCrd(kc);
});

after(() => server.stop());

async function startReplica(namespace: string, name: string, incarnation = 1): Promise<Replica> {
  const runner = new ShardRunner(name);
  let controller: PredictiveAutoscalerController | null = null;
  const membership = new ShardMembership({
    kubeConfig: kc,
    // One member Lease namespace per test, so the two tests' replicas do not see each other.
    namespace: namespace === 'fleet' ? 'prescale' : 'default',
    podName: name,
    identity: `${name}_${incarnation}`,
    address: `127.0.0.1:${8080 + incarnation}`,
    clock,
    onMembersChanged: () => controller?.requeueAll(),
  });
  controller = new PredictiveAutoscalerController({
    kubeConfig: kc,
    service: runner,
    scalerAddress: 'prescale.prescale:9000',
    namespaces: [namespace],
    clock,
    owns: (key) => membership.owns(key),
  });
  await controller.start();
  return { name, runner, membership, controller };
}

/** One retry period: every live replica renews and observes, reconciles what changed hands, then 2 s pass. */
async function round(replicas: readonly Replica[]): Promise<void> {
  for (const replica of replicas) await replica.membership.renewAndObserve();
  await Promise.all(replicas.map((replica) => replica.controller.idle()));
  await clock.advance(2000);
}

/** Every resource's status reason and observed generation, by key. */
async function statusesOf(namespace: string): Promise<Map<string, { reason?: string; observedGeneration?: number }>> {
  const list = (await kc.makeApiClient(k8s.CustomObjectsApi).listNamespacedCustomObject({ ...pas, namespace })) as {
    items: { metadata: { name: string }; status?: { reason?: string; observedGeneration?: number } }[];
  };
  return new Map(list.items.map((item) => [`${namespace}/${item.metadata.name}`, item.status ?? {}]));
}

/** Asserts that the replicas run every key exactly once, and that each status names the replica that runs it. */
async function assertSplit(keys: readonly string[], replicas: readonly Replica[]): Promise<void> {
  const owners = new Map<string, string[]>();
  for (const replica of replicas) {
    for (const key of replica.runner.keys()) owners.set(key, [...(owners.get(key) ?? []), replica.name]);
  }
  assert.deepEqual(
    keys.filter((key) => owners.get(key)?.length !== 1),
    [],
    'every workload is run by exactly one replica',
  );
  const statuses = await statusesOf(keys[0].split('/')[0]);
  const wrong = keys.filter((key) => statuses.get(key)?.reason !== servedBy(owners.get(key)?.[0] ?? '').reason);
  assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} statuses not written by the workload's runner`);
}

const shareOf = (replica: Replica) => replica.runner.keys();

/** Starts three replicas and runs the rounds they need to join (each waits two before owning anything). */
async function threeReplicas(namespace: string): Promise<Replica[]> {
  const replicas: Replica[] = [];
  for (const name of ['prescale-0', 'prescale-1', 'prescale-2']) replicas.push(await startReplica(namespace, name));
  for (let i = 0; i < 3; i++) await round(replicas);
  return replicas;
}

async function stopAll(replicas: readonly Replica[]): Promise<void> {
  for (const replica of replicas) {
    await replica.controller.stop();
    await replica.membership.abandon();
  }
}

test('three replicas split 1,000 workloads: each runs and writes its third (±15 %), none is run twice or not at all', async (t) => {
  const keys = await createResources('fleet', 1000);
  const replicas = await threeReplicas('fleet');
  t.after(() => stopAll(replicas));
  await assertSplit(keys, replicas);
  const shares = replicas.map(shareOf);
  for (const share of shares) {
    assert.ok(Math.abs(share.length - keys.length / 3) <= 0.15 * (keys.length / 3), `${shares.map((s) => s.length)}`);
  }
  // Renewals go on: nothing moves.
  await round(replicas);
  assert.deepEqual(replicas.map(shareOf), shares);
});

test('one replica killed → its share is run and written by the others within 30 s; restarted → it takes its share back; stopped → its share moves at the next round', async (t) => {
  const keys = await createResources('small', 150);
  let replicas = await threeReplicas('small');
  t.after(() => stopAll(replicas));
  await assertSplit(keys, replicas);
  const shares = replicas.map(shareOf);

  // prescale-2 crashes: its controller is gone, its Lease still names it.
  const [a, b, killed] = replicas;
  const killedAtMs = clock.nowMs();
  await killed.membership.abandon();
  await killed.controller.stop();
  replicas = [a, b];
  // Meanwhile resources of its share change: the new owners must write those statuses too.
  const changed = shares[2].slice(0, 10);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  for (const key of changed) {
    const [namespace, name] = key.split('/');
    await custom.patchNamespacedCustomObject(
      { ...pas, namespace, name, body: { spec: { maxReplicas: 30 } } },
      mergePatch,
    );
  }
  while (shareOf(a).length + shareOf(b).length < keys.length && clock.nowMs() - killedAtMs < 60_000) {
    await round(replicas);
    // Until the killed replica's Lease has expired its share is run by nobody, never by two.
    const owned = new Set([...shareOf(a), ...shareOf(b)]);
    if (owned.size < keys.length) assert.ok(shares[2].every((key) => !owned.has(key)));
  }
  const reownedMs = clock.nowMs() - killedAtMs;
  assert.ok(reownedMs >= 15_000, `not before its Lease expired (${reownedMs / 1000} s)`);
  assert.ok(reownedMs <= 30_000, `reowned ${reownedMs / 1000} s after the kill`);
  await assertSplit(keys, replicas);
  assert.ok(
    shares[0].every((key) => a.runner.runs(key)) && shares[1].every((key) => b.runner.runs(key)),
    'the survivors keep their own shares: only the killed one’s moves',
  );
  assert.ok(shareOf(a).length > shares[0].length && shareOf(b).length > shares[1].length, 'both take a part');
  const statuses = await statusesOf('small');
  assert.deepEqual(
    changed.map((key) => statuses.get(key)?.observedGeneration),
    changed.map(() => 2),
    'the spec changes made while their owner was dead are in the statuses',
  );

  // Restarted under the same pod name (a new process): once joined, exactly its old share comes back to it, handed
  // over by the two others.
  const restarted = await startReplica('small', 'prescale-2', 2);
  replicas = [a, b, restarted];
  for (let i = 0; i < 3; i++) await round(replicas);
  assert.deepEqual(replicas.map(shareOf), shares);
  assert.deepEqual([...a.runner.handedOver, ...b.runner.handedOver].sort(), shares[2]);
  await assertSplit(keys, replicas);

  // A graceful stop (SIGTERM): the controller stops, then the Lease is released; the others see it at once.
  await restarted.controller.stop();
  await restarted.membership.stop();
  replicas = [a, b];
  await round(replicas);
  assert.equal(shareOf(a).length + shareOf(b).length, keys.length, 'reowned within one retry period');
  await assertSplit(keys, replicas);
});
