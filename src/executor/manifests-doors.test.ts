// The doors of the rendered installs against the code: the keda and hpa overlays ship the seed's example as a
// PredictiveAutoscaler, and what the controller's code owns for it (a ScaledObject, an HPA) is valid and reaches
// this install's scaler address and External metric; the minimal resource of docs/operator.md parses as the
// controller parses it; no install ships a hand-written HPA or ScaledObject; the opt-in
// APIService reaches the External Metrics API; cert-manager issues the Secret the pod mounts and injects its CA;
// the ServiceMonitor scrapes the port that serves /metrics; the RBAC grants what the controller and the
// External Metrics API need, to the account the pod runs as. Schemas: manifests.test.ts.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { parse } from 'yaml';
import { PREDICTIVE_AUTOSCALER_API_VERSION } from '../config/predictive-autoscaler.js';
import type { ServiceConfig } from '../config/service.js';
import { parseServiceConfigYaml } from '../config/service-yaml.js';
import { type WorkloadConfig, workloadEntrySchema } from '../config/workload.js';
import { safeParseWithIssues } from '../core/issues.js';
import { findObject, type KubeObject, objectsOfKind, renderAll } from '../testing/kustomize.js';
import { repoRoot } from '../testing/paths.js';
import { DESIRED_REPLICAS_METRIC, EXTERNAL_METRICS_GROUP } from './external-metrics.js';
import { splitListen } from './listen.js';
import { ownedObject } from './owned-objects.js';

let rendered: Map<string, KubeObject[]>;

function install(dir: string): KubeObject[] {
  const objects = rendered.get(dir);
  assert.ok(objects, `${dir} was rendered`);
  return objects;
}

function configOf(objects: KubeObject[]): ServiceConfig {
  return parseServiceConfigYaml(findObject(objects, 'ConfigMap').data['prescale.yaml'], 'prescale.yaml');
}

before(async () => {
  rendered = await renderAll();
});

/** The seed's example PredictiveAutoscaler (docs/operator.md), as the overlays ship it with their door. */
function seedExample(integration: 'HPA' | 'KEDA'): KubeObject {
  return {
    apiVersion: PREDICTIVE_AUTOSCALER_API_VERSION,
    kind: 'PredictiveAutoscaler',
    metadata: { name: 'demo-service', namespace: 'default' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'demo-service' },
      predictionHorizon: '10m',
      model: 'prophet-lstm-hybrid',
      integration,
      metric: { query: 'sum(rate(http_requests_total{namespace="default",service="demo-service"}[1m]))' },
      capacity: { perPod: 50 },
    },
  };
}

/**
 * A resource as the controller parses it (src/operator/controller.ts): with its target's pod requests (by default
 * a target whose pod template gives none), through the one workload-entry schema.
 */
function parseAsController(example: KubeObject, pod: Record<string, string> = {}): WorkloadConfig {
  const parsed = safeParseWithIssues(workloadEntrySchema, {
    metadata: { name: example.metadata.name, namespace: example.metadata.namespace },
    spec: example.spec,
    pod,
  });
  assert.ok(parsed.success, parsed.success ? '' : parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  return parsed.data;
}

/** What the controller of this install would own for its example: built by the controller's own code. */
function ownedByController(objects: KubeObject[]): { example: KubeObject; owned: KubeObject } {
  const example = findObject(objects, 'PredictiveAutoscaler');
  const args: string[] = findObject(objects, 'StatefulSet', 'prescale').spec.template.spec.containers[0].args;
  const scalerAddress = args[args.indexOf('--scaler-address') + 1];
  const owner = { name: example.metadata.name, namespace: example.metadata.namespace, uid: 'uid-1' };
  const owned = ownedObject(owner, parseAsController(example).resource, scalerAddress);
  assert.ok(owned, `${example.spec.integration} owns an object`);
  return { example, owned };
}

test('the keda and hpa overlays ship the seed’s example as a PredictiveAutoscaler the controller reads', () => {
  for (const [dir, integration] of [
    ['k8s/overlays/keda', 'KEDA'],
    ['k8s/overlays/hpa', 'HPA'],
  ] as const) {
    const example = findObject(install(dir), 'PredictiveAutoscaler');
    assert.deepEqual(example, seedExample(integration), dir);
    const workload = parseAsController(example).resource;
    assert.equal(workload.integration, integration, dir);
    assert.equal(workload.model, 'prophet-lstm', `${dir}: prophet-lstm-hybrid is the hybrid's other name`);
  }
});

test('the minimal resource of docs/operator.md parses as the controller parses it, given a CPU request', async () => {
  const doc = await readFile(join(repoRoot, 'docs/operator.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## The resource'));
  const yaml = /```yaml\n([\s\S]*?)\n```/.exec(section)?.[1];
  assert.ok(yaml, 'docs/operator.md has a YAML resource under "The resource"');
  const minimal = parse(yaml);
  assert.equal(minimal.kind, 'PredictiveAutoscaler');
  const workload = parseAsController(minimal, { cpuRequest: '100m' });
  assert.equal(workload.resource.integration, 'KEDA');
  assert.equal(workload.loadIsCpuCores, true, 'the default CPU signal');
  // Without a CPU request in the target's pod template the default capacity cannot be derived.
  assert.throws(() => parseAsController(minimal), /capacity\.perPod/);
});

test('no install ships a hand-written HPA or ScaledObject: the controller creates and owns them', () => {
  for (const [dir, objects] of rendered) {
    const handWritten = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject');
    assert.deepEqual(
      handWritten.map((o) => `${o.kind} ${o.metadata.name}`),
      [],
      dir,
    );
  }
});

test('for the keda example the controller owns a valid ScaledObject calling this install’s scaler', () => {
  const objects = install('k8s/overlays/keda');
  assert.equal(configOf(objects).keda.enabled, true);
  const { example, owned } = ownedByController(objects);
  assert.doesNotThrow(() => new ScaledObject(owned).validate());
  const so = owned as KubeObject;
  assert.equal(so.metadata.ownerReferences[0].name, example.metadata.name);
  assert.deepEqual(so.spec.scaleTargetRef.name, example.spec.targetRef.name);
  const trigger = so.spec.triggers.find((t: KubeObject) => t.type === 'external');
  const [host, port] = trigger.metadata.scalerAddress.split(':');
  const service = findObject(objects, 'Service', 'prescale');
  assert.equal(host, `${service.metadata.name}.${service.metadata.namespace}.svc`);
  const grpc = service.spec.ports.find((p: KubeObject) => p.port === Number(port));
  assert.equal(grpc?.targetPort, 'grpc');
  const container = findObject(objects, 'StatefulSet', 'prescale').spec.template.spec.containers[0];
  const grpcContainerPort = container.ports.find((p: KubeObject) => p.name === 'grpc').containerPort;
  assert.equal(grpcContainerPort, splitListen(configOf(objects).keda.listen).port);
});

test('for the hpa example the controller owns a valid HPA on the External metric this install serves', () => {
  const objects = install('k8s/overlays/hpa');
  assert.equal(configOf(objects).externalMetrics.enabled, true);
  const { example, owned } = ownedByController(objects);
  assert.doesNotThrow(() => new HorizontalPodAutoscaler(owned).validate());
  const hpa = owned as KubeObject;
  assert.equal(hpa.metadata.ownerReferences[0].name, example.metadata.name);
  assert.deepEqual(hpa.spec.scaleTargetRef, example.spec.targetRef);
  const external = hpa.spec.metrics.find((m: KubeObject) => m.type === 'External').external;
  assert.equal(external.metric.name, DESIRED_REPLICAS_METRIC);
  assert.equal(external.metric.selector.matchLabels.workload, example.metadata.name);
});

test('the opt-in APIService routes external.metrics.k8s.io/v1beta1 to the port the config serves it on', () => {
  for (const dir of ['k8s/overlays/external-metrics-apiservice', 'k8s/overlays/cert-manager']) {
    const objects = install(dir);
    const apiService = findObject(objects, 'APIService');
    assert.equal(apiService.metadata.name, `v1beta1.${EXTERNAL_METRICS_GROUP}`);
    assert.equal(apiService.spec.group, EXTERNAL_METRICS_GROUP);
    assert.equal(apiService.spec.version, 'v1beta1');
    assert.equal(apiService.spec.insecureSkipTLSVerify ?? false, false, `${dir}: TLS is verified`);
    const service = findObject(objects, 'Service', apiService.spec.service.name);
    assert.equal(service.metadata.namespace, apiService.spec.service.namespace);
    const port = service.spec.ports.find((p: KubeObject) => p.port === apiService.spec.service.port);
    assert.equal(port?.targetPort, 'https');
    const container = findObject(objects, 'StatefulSet', 'prescale').spec.template.spec.containers[0];
    const https = container.ports.find((p: KubeObject) => p.name === 'https').containerPort;
    assert.equal(https, splitListen(configOf(objects).externalMetrics.listen).port);
  }
});

test('cert-manager issues the Secret the pod mounts, for the names the aggregator dials, and injects its CA', () => {
  const objects = install('k8s/overlays/cert-manager');
  const apiService = findObject(objects, 'APIService');
  const [namespace, certificateName] = apiService.metadata.annotations['cert-manager.io/inject-ca-from'].split('/');
  const serving = findObject(objects, 'Certificate', certificateName);
  assert.equal(serving.metadata.namespace, namespace);
  const { service } = apiService.spec;
  assert.ok(serving.spec.dnsNames.includes(`${service.name}.${service.namespace}.svc`));
  const volumes = findObject(objects, 'StatefulSet', 'prescale').spec.template.spec.volumes;
  const mounted = volumes.find((v: KubeObject) => v.secret?.secretName === serving.spec.secretName);
  assert.ok(mounted, `the pod mounts ${serving.spec.secretName}`);
  // The chain resolves: serving ← CA Issuer ← CA Certificate (isCA) ← self-signed Issuer, all in one namespace.
  const issuer = (ref: KubeObject) => {
    assert.equal(ref.kind, 'Issuer');
    const found = findObject(objects, 'Issuer', ref.name);
    assert.equal(found.metadata.namespace, namespace);
    return found;
  };
  const caIssuer = issuer(serving.spec.issuerRef);
  const ca = objectsOfKind(objects, 'Certificate').find((c) => c.spec.secretName === caIssuer.spec.ca.secretName);
  assert.ok(ca, `a Certificate issues ${caIssuer.spec.ca.secretName}`);
  assert.equal(ca.spec.isCA, true);
  assert.deepEqual(issuer(ca.spec.issuerRef).spec, { selfSigned: {} });
});

test('the ServiceMonitor scrapes /metrics on the Service port of the HTTP API', () => {
  const objects = install('k8s/overlays/servicemonitor');
  const monitor = findObject(objects, 'ServiceMonitor', 'prescale');
  const service = findObject(objects, 'Service', 'prescale');
  assert.equal(monitor.metadata.namespace, service.metadata.namespace);
  for (const [label, value] of Object.entries(monitor.spec.selector.matchLabels)) {
    assert.equal(service.metadata.labels[label], value);
  }
  const [endpoint] = monitor.spec.endpoints;
  assert.equal(endpoint.path, '/metrics');
  const port = service.spec.ports.find((p: KubeObject) => p.name === endpoint.port);
  const container = findObject(objects, 'StatefulSet', 'prescale').spec.template.spec.containers[0];
  const target = container.ports.find((p: KubeObject) => p.name === port.targetPort).containerPort;
  assert.equal(target, splitListen(configOf(objects).api.listen).port);
});

/** Whether the rules grant the verb on apiGroup/resource. */
function grants(rules: KubeObject[], apiGroup: string, resource: string, verb: string): boolean {
  return rules.some(
    (r) =>
      r.apiGroups.includes(apiGroup) &&
      (r.resources.includes(resource) || r.resources.includes('*')) &&
      (r.verbs.includes(verb) || r.verbs.includes('*')),
  );
}

/** The rules bound to the ServiceAccount by kind of binding (ClusterRoleBinding or RoleBinding) in a namespace. */
function rulesOf(objects: KubeObject[], account: KubeObject, bindingKind: string, namespace?: string): KubeObject[] {
  return objectsOfKind(objects, bindingKind)
    .filter((b) => namespace === undefined || b.metadata.namespace === namespace)
    .filter((b) =>
      b.subjects.some(
        (s: KubeObject) =>
          s.kind === 'ServiceAccount' && s.name === account.metadata.name && s.namespace === account.metadata.namespace,
      ),
    )
    .flatMap((b) => objectsOfKind(objects, b.roleRef.kind).filter((r) => r.metadata.name === b.roleRef.name))
    .flatMap((role) => role.rules);
}

test('the RBAC grants the controller what it will do, to the account the pod runs as, and no more', () => {
  const objects = install('k8s');
  const pod = findObject(objects, 'StatefulSet', 'prescale').spec.template.spec;
  const account = findObject(objects, 'ServiceAccount', pod.serviceAccountName);
  const cluster = rulesOf(objects, account, 'ClusterRoleBinding');
  const crd = findObject(objects, 'CustomResourceDefinition');
  const [group] = PREDICTIVE_AUTOSCALER_API_VERSION.split('/');
  assert.equal(crd.spec.group, group);
  const plural = crd.spec.names.plural;
  const all = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
  const expected: [string, string, string[]][] = [
    [group, plural, ['get', 'list', 'watch', 'update', 'patch']],
    [group, `${plural}/status`, ['get', 'update', 'patch']],
    ['events.k8s.io', 'events', ['create', 'patch']],
    ['autoscaling', 'horizontalpodautoscalers', all],
    ['keda.sh', 'scaledobjects', all],
    ['apps', 'deployments', ['get', 'list', 'watch']],
    ['apps', 'statefulsets', ['get', 'list', 'watch']],
    ['apps', 'deployments/scale', ['get', 'update', 'patch']],
    ['apps', 'statefulsets/scale', ['get', 'update', 'patch']],
    ['', 'pods', ['get', 'list']],
  ];
  for (const [apiGroup, resource, verbs] of expected) {
    for (const verb of verbs) assert.ok(grants(cluster, apiGroup, resource, verb), `${verb} ${apiGroup}/${resource}`);
  }
  // Nothing cluster-wide beyond that (and the delegation of the External Metrics API): no secrets, no writes to pods.
  assert.ok(!grants(cluster, '', 'secrets', 'get'));
  assert.ok(!grants(cluster, '', 'pods', 'delete'));
  assert.ok(!grants(cluster, 'coordination.k8s.io', 'leases', 'update'), 'leases only in its own namespace');
  const own = rulesOf(objects, account, 'RoleBinding', account.metadata.namespace);
  for (const verb of ['get', 'list', 'create', 'update']) assert.ok(grants(own, 'coordination.k8s.io', 'leases', verb));
});

test('the External Metrics API bindings: the HPA controller may read it, Prescale may delegate auth', () => {
  const objects = install('k8s');
  const reader = objectsOfKind(objects, 'ClusterRoleBinding').find((b) =>
    b.subjects.some((s: KubeObject) => s.name === 'horizontal-pod-autoscaler' && s.namespace === 'kube-system'),
  );
  assert.ok(reader, 'the HPA controller is bound');
  const role = findObject(objects, 'ClusterRole', reader.roleRef.name);
  assert.deepEqual(role.rules[0].apiGroups, [EXTERNAL_METRICS_GROUP]);
  const binds = (kind: string, roleName: string, namespace?: string) =>
    objectsOfKind(objects, kind).some(
      (b) =>
        b.roleRef.name === roleName &&
        b.metadata.namespace === namespace &&
        b.subjects.some((s: KubeObject) => s.name === 'prescale' && s.namespace === 'prescale'),
    );
  assert.ok(binds('ClusterRoleBinding', 'system:auth-delegator'));
  assert.ok(binds('RoleBinding', 'extension-apiserver-authentication-reader', 'kube-system'));
});
