import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { externalScalerLoaderOptions, externalScalerProtoPath } from '../executor/index.js';
import {
  createTargetDeployment,
  installPredictiveAutoscalerCrd,
  writeProcessKubeconfig,
} from '../testing/kube-apiserver/cluster-fixtures.js';
import { kubeConfigFor } from '../testing/kube-apiserver/fixtures.js';
import { type KubeApiServer, startKubeApiServer } from '../testing/kube-apiserver/index.js';
import { type PrescaleRun, prescale, servingPorts } from '../testing/prescale-cli.js';
import { tempDir } from '../testing/temp-dir.js';

// `prescale serve --watch`: the real CLI in its own process takes its workloads from PredictiveAutoscaler resources
// of a (stand-in) API server it reaches through KUBECONFIG and owns their HPAs or ScaledObjects. With
// `--leader-election`, two such processes: one leads and writes the owned objects and status, the other only runs
// the workloads so that its doors answer; when the leader is stopped (SIGTERM, as on a rollout) it releases the
// Lease and the other takes over and writes what changes next.

/** The one call of KEDA's external scaler the test makes. */
interface ScalerClient extends grpc.Client {
  GetMetrics(
    request: object,
    callback: (error: grpc.ServiceError | null, response: { metricValues: { metricValue: number }[] }) => void,
  ): void;
}

let server: KubeApiServer;

before(async () => {
  server = await startKubeApiServer({ namespaces: ['default', 'shop', 'team', 'fleet', 'prescale'] });
  const kc = kubeConfigFor(server.url);
  await installPredictiveAutoscalerCrd(kc);
  await createTargetDeployment(kc, 'shop', 'web');
  await createTargetDeployment(kc, 'team', 'web');
  await createTargetDeployment(kc, 'fleet', 'web');
});

after(() => server.stop());

const pasOf = (namespace: string) => ({
  group: 'autoscaler.ml.dev',
  version: 'v1alpha1',
  plural: 'predictiveautoscalers',
  namespace,
});

/** `prescale serve --watch …` in its own process, its models in `dir/<podName>`, killed when the test ends. */
async function serveWatching(
  t: TestContext,
  dir: string,
  flags: string[],
  podName = 'prescale-0',
): Promise<{ run: PrescaleRun; api: number; keda: number | null }> {
  const configFile = join(dir, `${podName}.yaml`);
  await writeFile(
    configFile,
    stringify({
      prometheus: { url: 'http://127.0.0.1:9', retries: 0 },
      api: { listen: '127.0.0.1:0' },
      keda: { listen: '127.0.0.1:0' },
      externalMetrics: { enabled: false },
      models: { dir: join(dir, podName) },
      loop: { trainer: 'in-process' },
    }),
  );
  const run = prescale(['serve', '--config', configFile, ...flags], {
    ...process.env,
    KUBECONFIG: await writeProcessKubeconfig(dir, server.url),
    POD_NAME: podName,
    POD_NAMESPACE: 'prescale',
    // Where the other replicas reach this one's API with --shards (its port is the API's).
    POD_IP: '127.0.0.1',
  });
  t.after(() => run.child.kill('SIGKILL'));
  const { api, keda } = await servingPorts(run);
  return { run, api, keda };
}

test('prescale serve --watch runs the workloads of PredictiveAutoscalers and owns their HPAs', async (t) => {
  const { run } = await serveWatching(t, await tempDir(t), ['--watch', 'shop']);
  await run.logLine('"watching PredictiveAutoscalers"');

  const kc = kubeConfigFor(server.url);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  await custom.createNamespacedCustomObject({
    ...pasOf('shop'),
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

test('two replicas with --leader-election: one leads and writes; stopped, it hands over to the other', async (t) => {
  const dir = await tempDir(t);
  const flags = ['--watch', 'team', '--leader-election'];
  const first = await serveWatching(t, dir, flags, 'prescale-0');
  await first.run.logLine('"became leader"');
  const second = await serveWatching(t, dir, flags, 'prescale-1');
  await second.run.logLine('"watching PredictiveAutoscalers"');

  const kc = kubeConfigFor(server.url);
  const leases = kc.makeApiClient(k8s.CoordinationV1Api);
  const holder = async () =>
    (await leases.readNamespacedLease({ name: 'prescale-leader', namespace: 'prescale' })).spec?.holderIdentity ?? '';
  assert.match(await holder(), /^prescale-0_/);

  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  await custom.createNamespacedCustomObject({
    ...pasOf('team'),
    body: {
      apiVersion: 'autoscaler.ml.dev/v1alpha1',
      kind: 'PredictiveAutoscaler',
      metadata: { name: 'web' },
      spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, integration: 'HPA' },
    },
  });
  // Both run the workload (both doors answer); only the leader writes its HPA and status.
  await first.run.logLine('"status written"');
  await second.run.logLine('"workloads changed"');
  const autoscaling = kc.makeApiClient(k8s.AutoscalingV2Api);
  const hpa = await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'team' });
  assert.equal(hpa.spec?.maxReplicas, 10);
  for (const { api } of [first, second]) {
    const { workloads } = (await (await fetch(`http://127.0.0.1:${api}/v1/workloads`)).json()) as {
      workloads: { name: string }[];
    };
    assert.deepEqual(
      workloads.map((w) => w.name),
      ['web'],
    );
  }
  assert.doesNotMatch(second.run.output(), /"status written"|"became leader"/, 'the follower writes nothing');

  // A rollout stops the leader: it releases the Lease, the follower leads at its next try (2 s) and its doors
  // never stopped answering.
  first.run.child.kill('SIGTERM');
  assert.equal(await first.run.exited, 0);
  assert.doesNotMatch(await holder(), /^prescale-0_/, 'released on SIGTERM (free, or already taken)');
  await second.run.logLine('"became leader"');
  assert.match(await holder(), /^prescale-1_/);
  const { workloads } = (await (await fetch(`http://127.0.0.1:${second.api}/v1/workloads`)).json()) as {
    workloads: unknown[];
  };
  assert.equal(workloads.length, 1);

  // The new leader writes what changes next.
  await custom.patchNamespacedCustomObject(
    { ...pasOf('team'), name: 'web', body: { spec: { maxReplicas: 7 } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  await second.run.logLine('"observedGeneration":2');
  const updated = await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'team' });
  assert.equal(updated.spec?.maxReplicas, 7);

  second.run.child.kill('SIGTERM');
  assert.equal(await second.run.exited, 0);
});

test('--leader-election without --watch is refused, naming the flag', async (t) => {
  const dir = await tempDir(t);
  const configFile = join(dir, 'prescale.yaml');
  await writeFile(configFile, stringify({ externalMetrics: { enabled: false } }));
  const run = prescale(['serve', '--config', configFile, '--leader-election']);
  assert.equal(await run.exited, 2);
  assert.match(run.output(), /--leader-election: .*add --watch/);
});

test("two replicas with --shards: each runs and writes its share; either one's KEDA scaler answers for all", async (t) => {
  const dir = await tempDir(t);
  const flags = ['--watch', 'fleet', '--shards'];
  const first = await serveWatching(t, dir, flags, 'prescale-0');
  const second = await serveWatching(t, dir, flags, 'prescale-1');
  const bothMembers = '"members":["prescale-0","prescale-1"]';
  await Promise.all([first.run.logLine(bothMembers), second.run.logLine(bothMembers)]);

  const kc = kubeConfigFor(server.url);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const names = ['w0', 'w1', 'w2', 'w3', 'w4', 'w5'];
  for (const name of names) {
    await custom.createNamespacedCustomObject({
      ...pasOf('fleet'),
      body: {
        apiVersion: 'autoscaler.ml.dev/v1alpha1',
        kind: 'PredictiveAutoscaler',
        metadata: { name },
        spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, integration: 'KEDA' },
      },
    });
  }
  // Each status is written once, by one of the two.
  for (const name of names) {
    await Promise.any([first, second].map(({ run }) => run.logLine(`"key":"fleet/${name}","observedGeneration":1`)));
  }
  const shares = await Promise.all(
    [first, second].map(async ({ api }) => {
      const { workloads } = (await (await fetch(`http://127.0.0.1:${api}/v1/workloads`)).json()) as {
        workloads: { name: string; replicas: number }[];
      };
      return workloads;
    }),
  );
  assert.deepEqual(
    shares
      .flat()
      .map((w) => w.name)
      .sort(),
    names,
    'every workload runs on exactly one replica',
  );
  assert.ok(
    shares.every((share) => share.length > 0),
    `both take a share (${shares.map((s) => s.length)})`,
  );

  // Each replica's KEDA scaler answers for the other's workloads with the owner's value.
  const definition = protoLoader.loadSync(externalScalerProtoPath, externalScalerLoaderOptions);
  const Scaler = (
    grpc.loadPackageDefinition(definition) as unknown as {
      externalscaler: { ExternalScaler: new (address: string, credentials: grpc.ChannelCredentials) => ScalerClient };
    }
  ).externalscaler.ExternalScaler;
  for (const [i, { keda }] of [first, second].entries()) {
    const client = new Scaler(`127.0.0.1:${keda}`, grpc.credentials.createInsecure());
    t.after(() => client.close());
    for (const workload of shares[1 - i]) {
      const value = await new Promise<number>((resolve, reject) =>
        client.GetMetrics(
          {
            scaledObjectRef: { name: workload.name, namespace: 'fleet', scalerMetadata: { workload: workload.name } },
            metricName: `s0-prescale-${workload.name}`,
          },
          (error, response) => (error ? reject(error) : resolve(response.metricValues[0].metricValue)),
        ),
      );
      assert.equal(value, workload.replicas, `${workload.name} through the replica that does not run it`);
    }
  }

  // A rollout stops one: it releases its Lease and the other counts itself alone at its next try.
  first.run.child.kill('SIGTERM');
  assert.equal(await first.run.exited, 0);
  await second.run.logLine('"members":["prescale-1"]');
  second.run.child.kill('SIGTERM');
  assert.equal(await second.run.exited, 0);
});

test('--shards without --watch, or with --leader-election, is refused, naming the flag', async (t) => {
  const dir = await tempDir(t);
  const configFile = join(dir, 'prescale.yaml');
  await writeFile(configFile, stringify({ externalMetrics: { enabled: false } }));
  const alone = prescale(['serve', '--config', configFile, '--shards']);
  assert.equal(await alone.exited, 2);
  assert.match(alone.output(), /--shards: .*add --watch/);
  const both = prescale(['serve', '--config', configFile, '--watch', '--shards', '--leader-election']);
  assert.equal(await both.exited, 2);
  assert.match(both.output(), /--shards: .*drop --leader-election/);
});
