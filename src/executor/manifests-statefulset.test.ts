// The StatefulSet of every rendered install (k8s/ and each overlay) against the code and the rules of the house:
// the container runs the controller with flags the CLI accepts, on a mounted config its parser accepts and that
// lists no workloads; the pod knows its name, namespace and IP (the Leases) and holds its service-account token; the
// ports and probes are the ones it serves, every file it names is mounted; the pod meets the restricted Pod
// Security Standard; two replicas, each with its own models volume (one shared claim with training Jobs), spread across nodes, replaced one at a time;
// and the Service, PodDisruptionBudget and NetworkPolicy select both and open exactly their doors. Schemas:
// manifests.test.ts; the doors' objects: manifests-doors.test.ts.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Command } from 'commander';
import type { RunCommand } from '../cli/run.js';
import { registerServe } from '../cli/serve.js';
import type { ServiceConfig } from '../config/service.js';
import { parseServiceConfigYaml } from '../config/service-yaml.js';
import { findObject, type KubeObject, renderAll } from '../testing/kustomize.js';
import { splitListen } from './listen.js';

interface Install {
  readonly dir: string;
  readonly objects: KubeObject[];
  readonly statefulSet: KubeObject;
  readonly container: KubeObject;
  readonly config: ServiceConfig;
}

let installs: Install[];

/** The config file the StatefulSet mounts, parsed by the service's parser (which throws on any problem). */
function mountedConfig(dir: string, objects: KubeObject[], statefulSet: KubeObject): ServiceConfig {
  const container = statefulSet.spec.template.spec.containers[0];
  const configPath = container.args[container.args.indexOf('--config') + 1];
  const mount = container.volumeMounts.find((m: KubeObject) => configPath.startsWith(`${m.mountPath}/`));
  assert.ok(mount, `${dir}: ${configPath} is not under a volume mount`);
  const volume = statefulSet.spec.template.spec.volumes.find((v: KubeObject) => v.name === mount.name);
  const configMap = findObject(objects, 'ConfigMap', volume.configMap.name);
  const file = configPath.slice(mount.mountPath.length + 1);
  return parseServiceConfigYaml(configMap.data[file], `${dir} ConfigMap ${configMap.metadata.name} ${file}`);
}

/** `prescale <args>` parsed by the real CLI definition of `serve`: the options its action would get. */
async function parseServeArgs(args: readonly string[]): Promise<Record<string, unknown>> {
  let options: Record<string, unknown> | undefined;
  const program = new Command('prescale').exitOverride().configureOutput({ writeErr: () => {} });
  const captureOptions: RunCommand =
    () =>
    async (...actionArgs) => {
      options = actionArgs[0] as Record<string, unknown>;
    };
  registerServe(program, captureOptions);
  await program.parseAsync([...args], { from: 'user' });
  assert.ok(options, `prescale ${args.join(' ')} ran no action`);
  return options;
}

before(async () => {
  installs = [];
  for (const [dir, objects] of await renderAll()) {
    if (dir === 'k8s/crd') continue;
    const statefulSet = findObject(objects, 'StatefulSet', 'prescale');
    const container = statefulSet.spec.template.spec.containers[0];
    installs.push({ dir, objects, statefulSet, container, config: mountedConfig(dir, objects, statefulSet) });
  }
});

test('every install runs the controller: prescale serve --watch --leader-election, flags the CLI accepts', async () => {
  for (const { dir, objects, container } of installs) {
    assert.deepEqual(
      container.args,
      [
        'serve',
        '--config',
        '/etc/prescale/prescale.yaml',
        '--watch',
        '--leader-election',
        '--scaler-address',
        'prescale.prescale.svc:9000',
      ],
      dir,
    );
    const options = await parseServeArgs(container.args);
    assert.equal(options.config, '/etc/prescale/prescale.yaml', dir);
    assert.equal(options.watch, true, `${dir}: all namespaces`);
    assert.equal(options.leaderElection, true, dir);
    // The address written into owned ScaledObjects is this install's Service, port grpc.
    const service = findObject(objects, 'Service', 'prescale');
    const grpc = service.spec.ports.find((p: KubeObject) => p.name === 'grpc');
    assert.equal(options.scalerAddress, `${service.metadata.name}.${service.metadata.namespace}.svc:${grpc.port}`, dir);
  }
  // The test's parser is the CLI's: it refuses a flag serve does not define.
  await assert.rejects(parseServeArgs(['serve', '--config', 'x.yaml', '--leader-elections']), /unknown option/);
});

test('the mounted config parses, lists no workloads (serve refuses them with --watch), named by its content', () => {
  for (const { dir, objects, config } of installs) {
    assert.match(findObject(objects, 'ConfigMap').metadata.name, /^prescale-config-[a-z0-9]{10}$/, dir);
    assert.deepEqual(config.workloads, [], dir);
    assert.equal(config.models.dir, '/var/lib/prescale/models', dir);
  }
});

test('the pod holds its service-account token and knows its name, namespace and IP from the downward API', () => {
  for (const { dir, objects, statefulSet, container, config } of installs) {
    const pod = statefulSet.spec.template.spec;
    assert.equal(pod.automountServiceAccountToken, true, dir);
    findObject(objects, 'ServiceAccount', pod.serviceAccountName);
    const env = Object.fromEntries(container.env.map((e: KubeObject) => [e.name, e.valueFrom?.fieldRef?.fieldPath]));
    // Training Jobs are owned by the replica's pod: it needs its uid too.
    const uid = config.loop.trainer === 'job' ? { POD_UID: 'metadata.uid' } : {};
    assert.deepEqual(
      env,
      { POD_NAME: 'metadata.name', POD_NAMESPACE: 'metadata.namespace', POD_IP: 'status.podIP', ...uid },
      dir,
    );
  }
});

test('container ports are the ports the config listens on; probes ask the API for health and readiness', () => {
  for (const { dir, container, config } of installs) {
    const port = (name: string) => container.ports.find((p: KubeObject) => p.name === name)?.containerPort;
    assert.equal(port('http'), splitListen(config.api.listen).port, dir);
    assert.equal(port('grpc'), splitListen(config.keda.listen).port, dir);
    assert.equal(port('https'), splitListen(config.externalMetrics.listen).port, dir);
    const probe = (name: string) => [container[name].httpGet.path, container[name].httpGet.port];
    assert.deepEqual(probe('startupProbe'), ['/healthz', 'http'], dir);
    assert.deepEqual(probe('livenessProbe'), ['/healthz', 'http'], dir);
    assert.deepEqual(probe('readinessProbe'), ['/readyz', 'http'], dir);
  }
});

test('every file the config names is under a volume; models on the per-replica (or, with Jobs, shared) claim; the serving certificate', () => {
  for (const { dir, objects, statefulSet, container, config } of installs) {
    const mounts: KubeObject[] = container.volumeMounts;
    const mountOf = (file: string) => {
      const mount = mounts.find((m) => file.startsWith(`${m.mountPath}/`));
      assert.ok(mount, `${dir}: ${file} is not under a volume mount`);
      return mount;
    };
    const volumeOf = (file: string) =>
      statefulSet.spec.template.spec.volumes.find((v: KubeObject) => v.name === mountOf(file).name);
    if (config.loop.trainer === 'job') {
      // Training Jobs write the models the replicas read: one ReadWriteMany claim for all, the one the Jobs mount.
      const claimName = volumeOf(`${config.models.dir}/x`).persistentVolumeClaim.claimName;
      assert.equal(claimName, config.training.job.modelsClaim, dir);
      assert.deepEqual(findObject(objects, 'PersistentVolumeClaim', claimName).spec.accessModes, ['ReadWriteMany']);
      assert.equal(statefulSet.spec.volumeClaimTemplates, undefined, dir);
    } else {
      // The models are on the volumeClaimTemplate's volume (no pod volume of that name shadows it).
      const models = mountOf(`${config.models.dir}/x`).name;
      assert.equal(volumeOf(`${config.models.dir}/x`), undefined, dir);
      assert.deepEqual(
        statefulSet.spec.volumeClaimTemplates.map((t: KubeObject) => t.metadata.name),
        [models],
        dir,
      );
    }
    const { externalMetrics } = config;
    if (!externalMetrics.enabled) continue;
    assert.equal(volumeOf(externalMetrics.certFile).secret.secretName, 'prescale-serving-cert', dir);
    assert.equal(volumeOf(externalMetrics.keyFile).secret.secretName, 'prescale-serving-cert', dir);
    assert.ok(externalMetrics.requestheaderClientCaFile, `${dir}: the front-proxy CA keeps other callers out`);
    assert.equal(volumeOf(externalMetrics.requestheaderClientCaFile).configMap.name, 'prescale-front-proxy-ca', dir);
  }
  const enabled = installs.filter((i) => i.config.externalMetrics.enabled).map((i) => i.dir);
  assert.deepEqual(enabled, [
    'k8s/overlays/cert-manager',
    'k8s/overlays/external-metrics-apiservice',
    'k8s/overlays/hpa',
  ]);
});

test('the pod meets the restricted Pod Security Standard and asks for resources within limits', () => {
  for (const { dir, objects, statefulSet, container } of installs) {
    const pod = statefulSet.spec.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true, dir);
    assert.ok(pod.securityContext.runAsUser > 0, dir);
    assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault', dir);
    assert.equal(pod.hostNetwork ?? false, false, dir);
    for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
      assert.deepEqual(
        c.securityContext,
        {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        },
        dir,
      );
    }
    // The root filesystem is read-only: the only writable paths are volumes.
    assert.ok(
      container.volumeMounts.some((m: KubeObject) => m.mountPath === '/tmp'),
      dir,
    );
    for (const resource of ['cpu', 'memory']) {
      assert.ok(container.resources.requests[resource], `${dir}: ${resource} request`);
      assert.ok(container.resources.limits[resource], `${dir}: ${resource} limit`);
    }
    assert.equal(
      findObject(objects, 'Namespace', 'prescale').metadata.labels['pod-security.kubernetes.io/enforce'],
      'restricted',
    );
  }
});

test('two replicas, each with its own ReadWriteOnce models volume (but with Jobs), kept, spread across nodes, replaced in turn', () => {
  for (const { dir, statefulSet, config } of installs) {
    const { spec } = statefulSet;
    assert.equal(spec.replicas, 2, dir);
    // With training Jobs the models are on one shared claim instead (the test above).
    if (config.loop.trainer !== 'job') {
      const [claim] = spec.volumeClaimTemplates;
      assert.deepEqual(claim.spec.accessModes, ['ReadWriteOnce'], dir);
      assert.ok(claim.spec.resources.requests.storage, dir);
      // Scaling down or deleting the StatefulSet keeps the trained models for the replica that comes back.
      assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' }, dir);
    }
    // One pod at a time: the other serves while one is replaced.
    assert.equal(spec.updateStrategy.type, 'RollingUpdate', dir);
    assert.equal(spec.updateStrategy.rollingUpdate?.maxUnavailable ?? 1, 1, dir);
    const affinity = spec.template.spec.affinity;
    assert.equal(affinity.podAffinity, undefined, dir);
    const [term] = affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
    assert.equal(affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution, undefined, dir);
    assert.equal(term.podAffinityTerm.topologyKey, 'kubernetes.io/hostname', dir);
    assert.deepEqual(term.podAffinityTerm.labelSelector.matchLabels, spec.template.metadata.labels, dir);
  }
});

test('the Service, PodDisruptionBudget and NetworkPolicy select both replicas and open exactly their doors', () => {
  for (const { dir, objects, statefulSet, container, config } of installs) {
    const labels = statefulSet.spec.selector.matchLabels;
    assert.deepEqual(statefulSet.spec.template.metadata.labels, labels, dir);
    const service = findObject(objects, 'Service', 'prescale');
    // The selector names no single pod (statefulset.kubernetes.io/pod-name): the doors answer on either replica.
    assert.deepEqual(service.spec.selector, labels, dir);
    assert.equal(statefulSet.spec.serviceName, service.metadata.name, dir);
    const containerPortNames = container.ports.map((p: KubeObject) => p.name).sort();
    assert.deepEqual(service.spec.ports.map((p: KubeObject) => p.targetPort).sort(), containerPortNames, dir);
    const pdb = findObject(objects, 'PodDisruptionBudget', 'prescale');
    assert.deepEqual(pdb.spec.selector.matchLabels, labels, dir);
    // One of the two always serves through a drain, and a drain can still move the other.
    assert.equal(pdb.spec.minAvailable, 1, dir);
    assert.ok(pdb.spec.minAvailable < statefulSet.spec.replicas, dir);

    const policy = findObject(objects, 'NetworkPolicy', 'prescale');
    assert.deepEqual(policy.spec.podSelector.matchLabels, labels, dir);
    assert.deepEqual(policy.spec.policyTypes, ['Ingress', 'Egress'], dir);
    const ingressPorts = policy.spec.ingress.flatMap((rule: KubeObject) => rule.ports.map((p: KubeObject) => p.port));
    assert.deepEqual(ingressPorts.sort(), containerPortNames, dir);
    const egress = (port: number, protocol = 'TCP') =>
      policy.spec.egress.some((rule: KubeObject) =>
        rule.ports.some((p: KubeObject) => p.port === port && p.protocol === protocol),
      );
    assert.ok(egress(53, 'UDP') && egress(53, 'TCP'), `${dir}: DNS`);
    assert.ok(egress(443) && egress(6443), `${dir}: the Kubernetes API (Service and API servers)`);
    // With --shards, a door forwards to the replica that owns the workload: its API port, on the same pods only.
    const peers = policy.spec.egress.find((rule: KubeObject) => rule.ports.some((p: KubeObject) => p.port === 'http'));
    assert.deepEqual(peers?.to, [{ podSelector: { matchLabels: labels } }], `${dir}: the other replicas' API`);
    const prometheus = new URL(config.prometheus.url);
    const prometheusPort = Number(prometheus.port || (prometheus.protocol === 'https:' ? 443 : 80));
    assert.ok(egress(prometheusPort), `${dir}: Prometheus at ${config.prometheus.url}`);
    const prometheusRule = policy.spec.egress.find((rule: KubeObject) =>
      rule.ports.some((p: KubeObject) => p.port === prometheusPort),
    );
    // The config's Prometheus is <service>.<namespace>.svc: the rule admits that namespace.
    const prometheusNamespace = prometheus.hostname.split('.')[1];
    assert.equal(
      prometheusRule.to[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'],
      prometheusNamespace,
      dir,
    );
  }
});
