// The manifests in k8s/ are checked here without a cluster (no Kubernetes API server can run on this machine):
// each object against the Kubernetes and KEDA JSON schemas (kubernetes-models, @kubernetes-models/keda),
// and all of them against the code: the config they mount parses, ports, names and metric names agree.
// The schemas catch missing and mistyped fields, not unknown ones; `kubectl apply --dry-run=server` on a
// real cluster is the last check.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { APIService } from 'kubernetes-models/apiregistration.k8s.io/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import type { ServiceConfig } from '../config/service.js';
import { parseServiceConfigYaml } from '../config/service-yaml.js';
import { repoRoot } from '../testing/paths.js';
import { DESIRED_REPLICAS_METRIC, EXTERNAL_METRICS_GROUP, splitListen } from './external-metrics.js';

/** Every kind the manifests use, with the model class that validates it. */
const models: Record<string, { validate(): void } & (new (data: object) => { validate(): void })> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'apps/v1/Deployment': Deployment,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'apiregistration.k8s.io/v1/APIService': APIService,
  'apiextensions.k8s.io/v1/CustomResourceDefinition': CustomResourceDefinition,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
} as unknown as Record<string, { validate(): void } & (new (data: object) => { validate(): void })>;

/** A manifest as parsed YAML: free-form, read field by field below. */
// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects of many kinds, checked by the schemas above
type KubeObject = any;

interface Manifest {
  readonly file: string;
  readonly object: KubeObject;
}

let manifests: Manifest[];
let config: ServiceConfig;

async function readManifests(dir: string): Promise<Manifest[]> {
  const out: Manifest[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await readManifests(path)));
    else if (entry.name.endsWith('.yaml')) {
      for (const doc of parseAllDocuments(await readFile(path, 'utf8'))) {
        assert.equal(doc.errors.length, 0, `${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
        out.push({ file: path.slice(repoRoot.length + 1), object: doc.toJS() });
      }
    }
  }
  return out;
}

function find(kind: string, name?: string): KubeObject {
  const found = manifests.find(
    (m) => m.object.kind === kind && (name === undefined || m.object.metadata.name === name),
  );
  assert.ok(found, `no ${kind} ${name ?? ''} in k8s/`);
  return found.object;
}

before(async () => {
  manifests = await readManifests(join(repoRoot, 'k8s'));
  const configMap = find('ConfigMap', 'prescale-config');
  config = parseServiceConfigYaml(configMap.data['prescale.yaml'], 'k8s/configmap.yaml prescale.yaml');
});

test('every manifest validates against the Kubernetes or KEDA schema of its kind', () => {
  const kinds = new Set<string>();
  for (const { file, object } of manifests) {
    const key = `${object.apiVersion}/${object.kind}`;
    const Model = models[key];
    assert.ok(Model, `${file}: ${key} has no schema here; add its model class`);
    assert.doesNotThrow(() => new Model(object).validate(), `${file}: ${key} ${object.metadata.name}`);
    kinds.add(object.kind);
  }
  for (const kind of [
    'Deployment',
    'Service',
    'ServiceAccount',
    'ClusterRole',
    'ClusterRoleBinding',
    'APIService',
    'HorizontalPodAutoscaler',
    'ScaledObject',
    'ConfigMap',
  ]) {
    assert.ok(kinds.has(kind), `k8s/ has a ${kind}`);
  }
});

test('the schemas do catch broken manifests (the check is not vacuous)', () => {
  const deployment = structuredClone(find('Deployment', 'prescale'));
  delete deployment.spec.selector;
  assert.throws(() => new Deployment(deployment).validate(), /selector/);
  const hpa = structuredClone(find('HorizontalPodAutoscaler'));
  hpa.spec.maxReplicas = 'forty';
  assert.throws(() => new HorizontalPodAutoscaler(hpa).validate(), /maxReplicas/);
  const so = structuredClone(find('ScaledObject'));
  delete so.spec.triggers;
  assert.throws(() => new ScaledObject(so).validate(), /triggers/);
});

test('the ConfigMap holds a valid service config whose ports the Deployment and Service expose', () => {
  const deployment = find('Deployment', 'prescale');
  const container = deployment.spec.template.spec.containers[0];
  assert.deepEqual(container.args, ['serve', '--config', '/etc/prescale/prescale.yaml']);
  const containerPort = (name: string) => container.ports.find((p: { name: string }) => p.name === name)?.containerPort;
  assert.equal(containerPort('http'), splitListen(config.api.listen).port);
  assert.equal(containerPort('grpc'), splitListen(config.keda.listen).port);
  assert.equal(containerPort('https'), splitListen(config.externalMetrics.listen).port);
  const probe = container.readinessProbe.httpGet;
  assert.deepEqual([probe.path, probe.port], ['/readyz', 'http']);
  assert.equal(container.livenessProbe.httpGet.path, '/healthz');
  // Every file the config names is under a mounted volume.
  const mounts: string[] = container.volumeMounts.map((m: { mountPath: string }) => m.mountPath);
  for (const file of [
    config.externalMetrics.certFile,
    config.externalMetrics.keyFile,
    config.externalMetrics.requestheaderClientCaFile ?? '',
    `${config.models.dir}/x`,
  ]) {
    assert.ok(
      mounts.some((m) => file.startsWith(`${m}/`)),
      `${file} is not under a volume mount`,
    );
  }
  const service = find('Service', 'prescale');
  const targets = service.spec.ports.map((p: { targetPort: string }) => p.targetPort).sort();
  assert.deepEqual(targets, ['grpc', 'http', 'https']);
  assert.deepEqual(service.spec.selector, deployment.spec.selector.matchLabels);
});

test('the APIService routes external.metrics.k8s.io/v1beta1 to the Service port 443', () => {
  const apiService = find('APIService');
  assert.equal(apiService.metadata.name, `v1beta1.${EXTERNAL_METRICS_GROUP}`);
  assert.equal(apiService.spec.group, EXTERNAL_METRICS_GROUP);
  assert.equal(apiService.spec.version, 'v1beta1');
  const service = find('Service', apiService.spec.service.name);
  assert.equal(service.metadata.namespace, apiService.spec.service.namespace);
  const port = service.spec.ports.find((p: { port: number }) => p.port === apiService.spec.service.port);
  assert.equal(port?.targetPort, 'https');
  const binding = find('ClusterRoleBinding');
  assert.deepEqual(binding.subjects, [
    { kind: 'ServiceAccount', name: 'horizontal-pod-autoscaler', namespace: 'kube-system' },
  ]);
  const role = find('ClusterRole', binding.roleRef.name);
  assert.deepEqual(role.rules[0].apiGroups, [EXTERNAL_METRICS_GROUP]);
});

test('the example HPA reads the metric Prescale serves for an HPA workload of the config', () => {
  const hpa = find('HorizontalPodAutoscaler');
  const external = hpa.spec.metrics[0].external;
  assert.equal(external.metric.name, DESIRED_REPLICAS_METRIC);
  assert.deepEqual(external.target, { type: 'AverageValue', averageValue: '1' });
  const workload = config.workloads.find(
    (w) =>
      w.resource.name === external.metric.selector.matchLabels.workload &&
      w.resource.namespace === hpa.metadata.namespace,
  );
  assert.ok(workload, 'the selector names a configured workload in the HPA namespace');
  assert.equal(workload.resource.integration, 'HPA');
  assert.deepEqual(hpa.spec.scaleTargetRef, workload.resource.targetRef);
  assert.equal(hpa.spec.minReplicas, workload.resource.policy.minReplicas);
  assert.equal(hpa.spec.maxReplicas, workload.resource.policy.maxReplicas);
});

test('the example ScaledObject calls the external scaler for a KEDA workload of the config', () => {
  const so = find('ScaledObject');
  const [trigger] = so.spec.triggers;
  assert.equal(trigger.type, 'external');
  assert.equal(trigger.metricType, 'AverageValue');
  const service = find('Service', 'prescale');
  const grpcPort = service.spec.ports.find((p: { name: string }) => p.name === 'grpc').port;
  assert.equal(
    trigger.metadata.scalerAddress,
    `${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local:${grpcPort}`,
  );
  const workload = config.workloads.find(
    (w) => w.resource.name === trigger.metadata.workload && w.resource.namespace === so.metadata.namespace,
  );
  assert.ok(workload, 'the trigger names a configured workload in the ScaledObject namespace');
  assert.equal(workload.resource.integration, 'KEDA');
  assert.equal(so.spec.scaleTargetRef.name, workload.resource.targetRef.name);
  assert.equal(so.spec.minReplicaCount, workload.resource.policy.minReplicas);
  assert.equal(so.spec.maxReplicaCount, workload.resource.policy.maxReplicas);
});
