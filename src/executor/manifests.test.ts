// The install in k8s/ is checked here without a cluster (no Kubernetes API server can run on this machine):
// every kustomization is rendered by the real `kubectl kustomize`, and every object it renders is validated
// against the schema of its kind: Kubernetes through kubernetes-models; PredictiveAutoscalers against the
// schema of the CRD the same install applies, as the stand-in API server admits them (pruning, defaults, CEL);
// cert-manager and the Prometheus Operator, which have no model package here, against the fields Prescale's
// install depends on. The schemas catch missing and mistyped fields, not unknown ones; `kubectl apply
// --dry-run=server -k` on a real cluster is the last check. Agreement with the code: manifests-*.test.ts.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { before, test } from 'node:test';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { APIService } from 'kubernetes-models/apiregistration.k8s.io/v1';
import { StatefulSet } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, PersistentVolumeClaim, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parse } from 'yaml';
import { z } from 'zod';
import { predictiveAutoscalerCrd } from '../config/crd.js';
import { admitCustomResource } from '../testing/kube-apiserver/schema.js';
import {
  findKustomizationDirs,
  findObject,
  type KubeObject,
  type KustomizationDirs,
  kustomize,
  renderAll,
} from '../testing/kustomize.js';
import { repoRoot } from '../testing/paths.js';
import { tempDir } from '../testing/temp-dir.js';

type Validator = (object: KubeObject) => void;

/** A kubernetes-models class as a validator. */
function model(Model: new (data: KubeObject) => { validate(): void }): Validator {
  return (object) => new Model(object).validate();
}

/** A zod schema of the fields the install relies on, as a validator (other fields pass through). */
function fields(schema: z.ZodType): Validator {
  return (object) => {
    const result = schema.safeParse(object);
    if (!result.success)
      throw new Error(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  };
}

const name = z.string().min(1);
const metadata = z.looseObject({ name, namespace: name });
const issuerRef = z.looseObject({ kind: z.enum(['Issuer', 'ClusterIssuer']), name });

/** cert-manager.io/v1 and monitoring.coreos.com/v1: the fields cert-manager and the Prometheus Operator read. */
const certManagerCertificate = z.looseObject({
  metadata,
  spec: z.looseObject({
    secretName: name,
    issuerRef,
    isCA: z.boolean().optional(),
    commonName: name.optional(),
    dnsNames: z.array(name).min(1).optional(),
    duration: z
      .string()
      .regex(/^\d+h$/)
      .optional(),
    renewBefore: z
      .string()
      .regex(/^\d+h$/)
      .optional(),
  }),
});
const certManagerIssuer = z.looseObject({
  metadata,
  spec: z.union([
    z.strictObject({ selfSigned: z.strictObject({}) }),
    z.strictObject({ ca: z.strictObject({ secretName: name }) }),
  ]),
});
const serviceMonitor = z.looseObject({
  metadata,
  spec: z.looseObject({
    selector: z.looseObject({ matchLabels: z.record(z.string(), z.string()) }),
    endpoints: z
      .array(z.looseObject({ port: name, path: z.string().startsWith('/'), interval: z.string().regex(/^\d+s$/) }))
      .min(1),
  }),
});

const prometheusRule = z.looseObject({
  metadata,
  spec: z.looseObject({
    groups: z
      .array(
        z.looseObject({
          name,
          rules: z
            .array(z.union([z.looseObject({ record: name, expr: name }), z.looseObject({ alert: name, expr: name })]))
            .min(1),
        }),
      )
      .min(1),
  }),
});

/** Whether every field of `part` is in `whole` with the same value (`whole` may hold more: defaults). */
function contains(whole: unknown, part: unknown): boolean {
  if (typeof part !== 'object' || part === null) return whole === part;
  if (typeof whole !== 'object' || whole === null) return false;
  return Object.entries(part).every(([k, v]) => contains((whole as Record<string, unknown>)[k], v));
}

/** The generated CRD, which the base applies unchanged (tested below). */
const crd: KubeObject = predictiveAutoscalerCrd();

/**
 * A PredictiveAutoscaler as the API server admits it under the CRD's schema: no validation cause, CEL rules
 * included, and nothing pruned (a misspelt field would be dropped silently by a real server).
 */
const predictiveAutoscaler: Validator = (object) => {
  const { object: admitted, causes } = admitCustomResource(crd.spec.versions[0].schema.openAPIV3Schema, object);
  if (causes.length > 0) throw new Error(causes.map((c) => `${c.field}: ${c.message}`).join('; '));
  if (!contains(admitted, object)) throw new Error('the CRD schema pruned fields of it: unknown or misspelt fields');
};

/** Every kind the install uses, with what validates it. */
const validators: Record<string, Validator> = {
  'v1/Namespace': model(Namespace),
  'v1/ServiceAccount': model(ServiceAccount),
  'v1/Service': model(Service),
  'v1/ConfigMap': model(ConfigMap),
  'v1/PersistentVolumeClaim': model(PersistentVolumeClaim),
  'apps/v1/StatefulSet': model(StatefulSet),
  'policy/v1/PodDisruptionBudget': model(PodDisruptionBudget),
  'networking.k8s.io/v1/NetworkPolicy': model(NetworkPolicy),
  'rbac.authorization.k8s.io/v1/ClusterRole': model(ClusterRole),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': model(ClusterRoleBinding),
  'rbac.authorization.k8s.io/v1/Role': model(Role),
  'rbac.authorization.k8s.io/v1/RoleBinding': model(RoleBinding),
  'apiextensions.k8s.io/v1/CustomResourceDefinition': model(CustomResourceDefinition),
  'apiregistration.k8s.io/v1/APIService': model(APIService),
  'autoscaler.ml.dev/v1alpha1/PredictiveAutoscaler': predictiveAutoscaler,
  'cert-manager.io/v1/Certificate': fields(certManagerCertificate),
  'cert-manager.io/v1/Issuer': fields(certManagerIssuer),
  'monitoring.coreos.com/v1/ServiceMonitor': fields(serviceMonitor),
  'monitoring.coreos.com/v1/PrometheusRule': fields(prometheusRule),
};

const key = (o: KubeObject) => `${o.apiVersion}/${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

let dirs: KustomizationDirs;
let rendered: Map<string, KubeObject[]>;

before(async () => {
  dirs = await findKustomizationDirs();
  rendered = await renderAll();
});

test('k8s/ is installable with kubectl apply -k: it renders the base, and every overlay renders', () => {
  assert.deepEqual(dirs.kustomizations, [
    'k8s',
    'k8s/base',
    'k8s/crd',
    'k8s/overlays/cert-manager',
    'k8s/overlays/external-metrics-apiservice',
    'k8s/overlays/hpa',
    'k8s/overlays/keda',
    'k8s/overlays/prometheusrule',
    'k8s/overlays/servicemonitor',
    'k8s/overlays/training-jobs',
  ]);
  assert.deepEqual(dirs.components, ['k8s/components/prometheusrule', 'k8s/components/servicemonitor']);
  assert.deepEqual(rendered.get('k8s'), rendered.get('k8s/base'));
});

test('every rendered object of every kustomization validates against the schema of its kind', () => {
  for (const [dir, objects] of rendered) {
    const seen = new Set<string>();
    for (const object of objects) {
      const validate = validators[`${object.apiVersion}/${object.kind}`];
      assert.ok(validate, `${dir}: ${key(object)} has no schema here; add its validator`);
      assert.doesNotThrow(() => validate(object), `${dir}: ${key(object)}`);
      assert.ok(!seen.has(key(object)), `${dir}: ${key(object)} twice`);
      seen.add(key(object));
    }
  }
});

test('the schema checks do catch broken objects (the check is not vacuous)', () => {
  const objects = rendered.get('k8s/overlays/cert-manager') ?? [];
  const broken = (kind: string, objectName: string | undefined, change: (o: KubeObject) => void) => {
    const object = structuredClone(findObject(objects, kind, objectName));
    change(object);
    return () => validators[`${object.apiVersion}/${kind}`](object);
  };
  assert.throws(
    broken('StatefulSet', 'prescale', (s) => delete s.spec.selector),
    /selector/,
  );
  assert.throws(
    broken('StatefulSet', 'prescale', (s) => (s.spec.volumeClaimTemplates[0].spec.accessModes = 'ReadWriteOnce')),
    /accessModes/,
  );
  assert.throws(
    broken('PredictiveAutoscaler', 'demo-service', (p) => (p.spec.model = 'gpt')),
    /spec\.model/,
  );
  assert.throws(
    broken('PredictiveAutoscaler', 'demo-service', (p) => Object.assign(p.spec, { minReplicas: 5, maxReplicas: 2 })),
    /minReplicas/,
  );
  assert.throws(
    broken('PredictiveAutoscaler', 'demo-service', (p) => (p.spec.predictionHorizont = '10m')),
    /pruned/,
  );
  assert.throws(
    broken('PodDisruptionBudget', 'prescale', (p) => (p.spec.maxUnavailable = true)),
    /maxUnavailable/,
  );
  assert.throws(
    broken('Certificate', 'prescale-serving-cert', (c) => delete c.spec.secretName),
    /spec\.secretName/,
  );
  assert.throws(
    broken('Issuer', 'prescale-ca', (i) => (i.spec.ca = {})),
    /spec/,
  );
  const monitor = structuredClone(findObject(rendered.get('k8s/overlays/servicemonitor') ?? [], 'ServiceMonitor'));
  monitor.spec.endpoints[0].path = 'metrics';
  assert.throws(() => validators['monitoring.coreos.com/v1/ServiceMonitor'](monitor), /endpoints\.0\.path/);
});

test('the base holds the whole default install, and nothing that claims a cluster-wide API', () => {
  const kinds = new Set((rendered.get('k8s/base') ?? []).map((o) => o.kind));
  assert.deepEqual([...kinds].sort(), [
    'ClusterRole',
    'ClusterRoleBinding',
    'ConfigMap',
    'CustomResourceDefinition',
    'Namespace',
    'NetworkPolicy',
    'PodDisruptionBudget',
    'Role',
    'RoleBinding',
    'Service',
    'ServiceAccount',
    'StatefulSet',
  ]);
  // The APIService replaces any other External Metrics API of the cluster: only the opt-in overlays hold it.
  const withApiService = [...rendered].filter(([, objects]) => objects.some((o) => o.kind === 'APIService'));
  assert.deepEqual(
    withApiService.map(([dir]) => dir),
    ['k8s/overlays/cert-manager', 'k8s/overlays/external-metrics-apiservice'],
  );
});

test('the base installs the CRD file unchanged, and that file is what the code generates', async () => {
  const crd = findObject(rendered.get('k8s/base') ?? [], 'CustomResourceDefinition');
  const file = parse(await readFile(join(repoRoot, 'k8s/crd/predictiveautoscalers.autoscaler.ml.dev.yaml'), 'utf8'));
  assert.deepEqual(crd, file);
  assert.deepEqual(crd, JSON.parse(JSON.stringify(predictiveAutoscalerCrd())));
});

test('each overlay keeps every object of what it builds on and adds its own', () => {
  const names = (dir: string) =>
    new Set((rendered.get(dir) ?? []).filter((o) => o.kind !== 'ConfigMap').map((o) => key(o)));
  const adds = (dir: string, on: string, expected: string[]) => {
    const base = names(on);
    const own = [...names(dir)].filter((k) => !base.has(k));
    assert.deepEqual(own.sort(), expected.sort(), dir);
    for (const k of base) assert.ok(names(dir).has(k), `${dir} lost ${k}`);
  };
  const example = 'autoscaler.ml.dev/v1alpha1/PredictiveAutoscaler default/demo-service';
  adds('k8s/overlays/keda', 'k8s/base', [example]);
  adds('k8s/overlays/hpa', 'k8s/base', [example]);
  adds('k8s/overlays/external-metrics-apiservice', 'k8s/overlays/hpa', [
    'apiregistration.k8s.io/v1/APIService /v1beta1.external.metrics.k8s.io',
  ]);
  adds('k8s/overlays/cert-manager', 'k8s/overlays/external-metrics-apiservice', [
    'cert-manager.io/v1/Issuer prescale/prescale-selfsigned',
    'cert-manager.io/v1/Certificate prescale/prescale-ca',
    'cert-manager.io/v1/Issuer prescale/prescale-ca',
    'cert-manager.io/v1/Certificate prescale/prescale-serving-cert',
  ]);
  adds('k8s/overlays/servicemonitor', 'k8s/base', ['monitoring.coreos.com/v1/ServiceMonitor prescale/prescale']);
  adds('k8s/overlays/prometheusrule', 'k8s/base', ['monitoring.coreos.com/v1/PrometheusRule prescale/prescale']);
  adds('k8s/overlays/training-jobs', 'k8s/base', [
    'v1/PersistentVolumeClaim prescale/prescale-models',
    'rbac.authorization.k8s.io/v1/Role prescale/prescale:training-jobs',
    'rbac.authorization.k8s.io/v1/RoleBinding prescale/prescale:training-jobs',
  ]);
});

test('every component adds to any install: all of them on the widest overlay render and validate', async (t) => {
  const dir = await tempDir(t);
  const from = (path: string) => relative(dir, join(repoRoot, path));
  await writeFile(
    join(dir, 'kustomization.yaml'),
    [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      `  - ${from('k8s/overlays/cert-manager')}`,
      'components:',
      ...dirs.components.map((c) => `  - ${from(c)}`),
    ].join('\n'),
  );
  const objects = await kustomize(dir);
  const widest = rendered.get('k8s/overlays/cert-manager') ?? [];
  assert.equal(objects.length, widest.length + dirs.components.length);
  for (const object of objects) validators[`${object.apiVersion}/${object.kind}`](object);
  findObject(objects, 'ServiceMonitor', 'prescale');
  findObject(objects, 'PrometheusRule', 'prescale');
});
