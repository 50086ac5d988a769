// The Deployment of every rendered install (k8s/ and each overlay) against the code and the rules of the house:
// the mounted config parses with the service's own parser, the ports and probes are the ones it serves, every
// file it names is mounted, the pod meets the restricted Pod Security Standard, rollouts never leave zero pods
// and keep the models, and the Service, PodDisruptionBudget and NetworkPolicy select this pod and open exactly
// its doors. Schemas: manifests.test.ts; the doors' objects: manifests-doors.test.ts.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { ServiceConfig } from '../config/service.js';
import { parseServiceConfigYaml } from '../config/service-yaml.js';
import { findObject, type KubeObject, renderAll } from '../testing/kustomize.js';
import { splitListen } from './external-metrics.js';

interface Install {
  readonly dir: string;
  readonly objects: KubeObject[];
  readonly deployment: KubeObject;
  readonly container: KubeObject;
  readonly config: ServiceConfig;
}

let installs: Install[];

/** The config file the Deployment mounts, parsed by the service's parser (which throws on any problem). */
function mountedConfig(dir: string, objects: KubeObject[], deployment: KubeObject): ServiceConfig {
  const container = deployment.spec.template.spec.containers[0];
  const configPath = container.args[container.args.indexOf('--config') + 1];
  const mount = container.volumeMounts.find((m: KubeObject) => configPath.startsWith(`${m.mountPath}/`));
  assert.ok(mount, `${dir}: ${configPath} is not under a volume mount`);
  const volume = deployment.spec.template.spec.volumes.find((v: KubeObject) => v.name === mount.name);
  const configMap = findObject(objects, 'ConfigMap', volume.configMap.name);
  const file = configPath.slice(mount.mountPath.length + 1);
  return parseServiceConfigYaml(configMap.data[file], `${dir} ConfigMap ${configMap.metadata.name} ${file}`);
}

before(async () => {
  installs = [];
  for (const [dir, objects] of await renderAll()) {
    if (dir === 'k8s/crd') continue;
    const deployment = findObject(objects, 'Deployment', 'prescale');
    const container = deployment.spec.template.spec.containers[0];
    installs.push({ dir, objects, deployment, container, config: mountedConfig(dir, objects, deployment) });
  }
});

test('every install runs prescale serve on a config its parser accepts, the ConfigMap named by its content', () => {
  for (const { dir, objects, container, config } of installs) {
    assert.deepEqual(container.args, ['serve', '--config', '/etc/prescale/prescale.yaml'], dir);
    assert.match(findObject(objects, 'ConfigMap').metadata.name, /^prescale-config-[a-z0-9]{10}$/, dir);
    assert.equal(config.models.dir, '/var/lib/prescale/models', dir);
  }
  const workloads = (dir: string) => installs.find((i) => i.dir === dir)?.config.workloads.map((w) => w.resource.name);
  assert.deepEqual(workloads('k8s'), []);
  assert.deepEqual(workloads('k8s/overlays/keda'), ['api']);
  assert.deepEqual(workloads('k8s/overlays/hpa'), ['web']);
  assert.deepEqual(workloads('k8s/overlays/cert-manager'), ['web']);
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

test('every file the config names is under a volume; the serving certificate is the one the doors expect', () => {
  for (const { dir, deployment, container, config } of installs) {
    const mounts: KubeObject[] = container.volumeMounts;
    const volumeOf = (file: string) => {
      const mount = mounts.find((m) => file.startsWith(`${m.mountPath}/`));
      assert.ok(mount, `${dir}: ${file} is not under a volume mount`);
      return deployment.spec.template.spec.volumes.find((v: KubeObject) => v.name === mount.name);
    };
    assert.equal(volumeOf(`${config.models.dir}/x`).persistentVolumeClaim.claimName, 'prescale-models', dir);
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
  for (const { dir, objects, deployment, container } of installs) {
    const pod = deployment.spec.template.spec;
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

test('a rollout starts the new pod before stopping the old, on the node that holds the models volume', () => {
  for (const { dir, objects, deployment } of installs) {
    assert.deepEqual(
      deployment.spec.strategy,
      { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      dir,
    );
    const claim = findObject(objects, 'PersistentVolumeClaim', 'prescale-models');
    assert.deepEqual(claim.spec.accessModes, ['ReadWriteOnce'], dir);
    // A ReadWriteOnce volume attaches to one node: one replica, and the surge pod goes where the old one runs.
    assert.equal(deployment.spec.replicas, 1, dir);
    const [term] = deployment.spec.template.spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    assert.equal(term.topologyKey, 'kubernetes.io/hostname', dir);
    assert.deepEqual(term.labelSelector.matchLabels, deployment.spec.template.metadata.labels, dir);
  }
});

test('the Service, PodDisruptionBudget and NetworkPolicy select the pod and open exactly its doors', () => {
  for (const { dir, objects, deployment, container, config } of installs) {
    const labels = deployment.spec.selector.matchLabels;
    assert.deepEqual(deployment.spec.template.metadata.labels, labels, dir);
    const service = findObject(objects, 'Service', 'prescale');
    assert.deepEqual(service.spec.selector, labels, dir);
    const containerPortNames = container.ports.map((p: KubeObject) => p.name).sort();
    assert.deepEqual(service.spec.ports.map((p: KubeObject) => p.targetPort).sort(), containerPortNames, dir);
    const pdb = findObject(objects, 'PodDisruptionBudget', 'prescale');
    assert.deepEqual(pdb.spec.selector.matchLabels, labels, dir);
    // One replica: a PDB that kept it would block node drains for good.
    assert.ok(pdb.spec.maxUnavailable >= 1, dir);

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
    assert.ok(egress(443), `${dir}: the Kubernetes API`);
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
