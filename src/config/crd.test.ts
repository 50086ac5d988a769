import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { repoRoot } from '../testing/paths.js';
import { predictiveAutoscalerCrd, predictiveAutoscalerCrdYaml } from './crd.js';
import { parsePredictiveAutoscaler } from './predictive-autoscaler.js';
import { predictiveAutoscalerStatusSchema } from './predictive-autoscaler-status.js';

const CRD_FILE = join(repoRoot, 'k8s/crd/predictiveautoscalers.autoscaler.ml.dev.yaml');

type Node = Record<string, unknown>;

// biome-ignore lint/suspicious/noExplicitAny: the CRD is read field by field
const crd = predictiveAutoscalerCrd() as any;
const version = crd.spec.versions[0];
const openAPIV3Schema: Node = version.schema.openAPIV3Schema;

/** Every schema node with its path, depth first. */
function* nodes(node: Node, path = '$'): Generator<[string, Node]> {
  yield [path, node];
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, Node>)) {
    yield* nodes(child, `${path}.${name}`);
  }
  if (node.items !== undefined) yield* nodes(node.items as Node, `${path}[]`);
}

/**
 * The schema as a JSON Schema validator reads it: OpenAPI 3.0's boolean `exclusiveMinimum`/`exclusiveMaximum`
 * become draft-07 numbers, `x-kubernetes-int-or-string` the two types it allows. The API server reads the first
 * form; Ajv, standing in for it here, the second.
 */
function forAjv(node: Node): Node {
  const out: Node = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, Node>).map(([name, child]) => [name, forAjv(child)]),
      );
    } else if (key === 'items') out.items = forAjv(value as Node);
    else if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') continue;
    else if (key.startsWith('x-kubernetes-')) continue;
    else out[key] = value;
  }
  if (node.exclusiveMinimum === true) out.exclusiveMinimum = node.minimum;
  if (node.exclusiveMinimum === true) delete out.minimum;
  if (node.exclusiveMaximum === true) out.exclusiveMaximum = node.maximum;
  if (node.exclusiveMaximum === true) delete out.maximum;
  if (node['x-kubernetes-int-or-string'] === true) out.type = ['integer', 'string'];
  return out;
}

const ajv = new Ajv({ strict: false, useDefaults: true, validateFormats: false, allErrors: true });
const validateResource = ajv.compile(forAjv(openAPIV3Schema));

/** Validates a resource as the API server would (defaults applied in place); returns the error paths. */
function validate(resource: Node): string[] {
  validateResource(resource);
  return (validateResource.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

test('the committed CRD is what the workload schema generates (regenerate: npx prescale crd > k8s/crd/…)', () => {
  assert.equal(readFileSync(CRD_FILE, 'utf8'), predictiveAutoscalerCrdYaml());
});

test('the CRD: namespaced, short name pas, status subresource, printer columns', () => {
  assert.equal(crd.metadata.name, 'predictiveautoscalers.autoscaler.ml.dev');
  assert.equal(crd.spec.scope, 'Namespaced');
  assert.deepEqual(crd.spec.names.shortNames, ['pas']);
  assert.equal(version.name, 'v1alpha1');
  assert.deepEqual(version.subresources, { status: {} });
  assert.deepEqual(
    version.additionalPrinterColumns.map((c: { name: string }) => c.name),
    ['Target', 'Mode', 'Model', 'Desired', 'Current', 'Forecast', 'Fallback', 'Age'],
  );
});

test('the schema is structural: a type on every node, no $ref, no anyOf/oneOf/allOf, no additionalProperties', () => {
  const problems: string[] = [];
  for (const [path, node] of nodes(openAPIV3Schema)) {
    if (node.type === undefined && node['x-kubernetes-int-or-string'] !== true) problems.push(`${path}: no type`);
    for (const key of ['$ref', 'anyOf', 'oneOf', 'allOf', 'not', 'additionalProperties', 'nullable']) {
      if (key in node) problems.push(`${path}: ${key}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('defaults are visible in the schema, and the API server’s defaults are the workload schema’s', () => {
  const spec = (openAPIV3Schema.properties as Record<string, Node>).spec.properties as Record<string, Node>;
  assert.equal(spec.minReplicas.default, 1);
  assert.equal(spec.predictionHorizon.default, '10m');
  assert.equal(spec.model.default, 'auto');
  const planner = spec.planner.properties as Record<string, Node>;
  assert.equal((planner.scaleDown.properties as Record<string, Node>).stabilizationWindow.default, '300s');
  // A minimal manifest defaulted by the schema parses to the same workload as the manifest alone.
  const minimal = () => ({
    apiVersion: 'autoscaler.ml.dev/v1alpha1',
    kind: 'PredictiveAutoscaler',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      metric: { query: 'sum(rate(http_requests_total{job="web"}[1m]))' },
      capacity: { perPod: 50 },
    },
  });
  const defaulted = minimal();
  assert.deepEqual(validate(defaulted), []);
  assert.ok(Object.keys(defaulted.spec).length > Object.keys(minimal().spec).length, 'the schema filled defaults');
  assert.deepEqual(parsePredictiveAutoscaler(defaulted), parsePredictiveAutoscaler(minimal()));
});

test('the seed’s example applies as written', () => {
  const seed = {
    apiVersion: 'autoscaler.ml.dev/v1alpha1',
    kind: 'PredictiveAutoscaler',
    metadata: { name: 'ml-based-scaler', namespace: 'default' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'demo-service' },
      predictionHorizon: '10m',
      model: 'prophet-lstm-hybrid',
    },
  };
  assert.deepEqual(validate(structuredClone(seed)), []);
  assert.equal(parsePredictiveAutoscaler(seed).model, 'prophet-lstm');
});

test('what the workload schema refuses by type, enum or range, the CRD refuses too', () => {
  const rows: [string, Node][] = [
    ['minReplicas', { minReplicas: -1 }],
    ['mode', { mode: 'auto' }],
    ['model', { model: 'arima' }],
    ['prediction.quantile', { prediction: { quantile: 1.5 } }],
    ['capacity.targetUtilization', { capacity: { targetUtilization: 0 } }],
    ['targetRef.name', { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'Web_1' } }],
  ];
  for (const [field, change] of rows) {
    const spec = { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, ...change };
    const resource = { apiVersion: 'autoscaler.ml.dev/v1alpha1', kind: 'PredictiveAutoscaler', spec };
    assert.ok(validate(resource).length > 0, `the CRD accepts a bad ${field}`);
    assert.throws(() => parsePredictiveAutoscaler({ metadata: { name: 'web' }, spec }), `zod accepts a bad ${field}`);
  }
});

test('min ≤ max is a CEL rule on the spec', () => {
  const spec = (openAPIV3Schema.properties as Record<string, Node>).spec;
  const rules = spec['x-kubernetes-validations'] as { rule: string; message: string }[];
  assert.deepEqual(
    rules.map((r) => r.rule),
    ['!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas'],
  );
});

test('a status the controller writes validates against the CRD’s status schema; a bad one does not', () => {
  const status = predictiveAutoscalerStatusSchema.parse({
    observedGeneration: 3,
    conditions: [
      {
        type: 'FallbackActive',
        status: 'False',
        reason: 'ForecastTrusted',
        message: 'forecast trusted',
        lastTransitionTime: '2026-12-03T08:00:00Z',
      },
    ],
    currentReplicas: 4,
    desiredReplicas: 6,
    model: { name: 'prophet', trainedAt: '2026-12-03T00:00:00Z', onlineErrorPercent: 12.5 },
    forecast: { generatedAt: '2026-12-03T08:00:00Z', stepSeconds: 60, values: [410, 450], peak: 470 },
  });
  const resource = {
    apiVersion: 'autoscaler.ml.dev/v1alpha1',
    kind: 'PredictiveAutoscaler',
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } },
    status,
  };
  assert.deepEqual(validate(resource), []);
  assert.ok(validate({ ...resource, status: { ...status, desiredReplicas: -1 } }).length > 0);
  const statusNode = (openAPIV3Schema.properties as Record<string, Node>).status.properties as Record<string, Node>;
  assert.equal(statusNode.conditions['x-kubernetes-list-type'], 'map');
});
