import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { PrescaleError } from '../core/index.js';
import { UNKNOWN_POD } from './pod.js';
import {
  PREDICTIVE_AUTOSCALER_DEFAULTS,
  parsePredictiveAutoscaler,
  predictiveAutoscalerSpecSchema,
  safeParsePredictiveAutoscaler,
} from './predictive-autoscaler.js';

/** The minimal manifest of the project's original plan (docs/workload-format.md). */
const minimal = {
  apiVersion: 'autoscaler.ml.dev/v1alpha1',
  kind: 'PredictiveAutoscaler',
  metadata: { name: 'ml-based-scaler' },
  spec: {
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'demo-service' },
    predictionHorizon: '10m',
    model: 'prophet-lstm-hybrid',
  },
};

test('the minimal manifest is accepted as it is, with the documented defaults', () => {
  const parsed = parsePredictiveAutoscaler(minimal);
  assert.equal(parsed.name, 'ml-based-scaler');
  assert.equal(parsed.namespace, 'default');
  assert.equal(parsed.model, 'prophet-lstm', 'prophet-lstm-hybrid is another name for prophet-lstm');
  assert.equal(parsed.integration, 'HPA');
  assert.equal(parsed.predictionHorizonSeconds, 600);
  assert.equal(parsed.metric.stepSeconds, 30);
  assert.equal(
    parsed.metric.query,
    'sum(rate(container_cpu_usage_seconds_total{namespace="default",pod=~"demo-service-.*",container!=""}[1m]))',
  );
  assert.equal(parsed.metric.isDefaultCpuQuery, true);
  assert.equal(parsed.metric.reactiveRate, 'Irate', 'the seed manifest gets the faster reactive floor');
  assert.equal(parsed.capacityPerPod, null);
  assert.deepEqual(parsed.prediction, {
    historySeconds: 14 * 86400,
    retrainEverySeconds: 86400,
    reselectEverySeconds: 604800,
    filterAnomalies: false,
  });
  const p = parsed.policy;
  assert.deepEqual([p.minReplicas, p.maxReplicas, p.mode, p.quantile], [1, 10, 'Auto', 0.9]);
  assert.deepEqual([p.headroomPercent, p.podStartupSeconds, p.targetUtilizationPercent], [0, 60, 70]);
  assert.deepEqual(p.scaleUp, {
    stabilizationWindowSeconds: 0,
    maxPodsPerPeriod: 4,
    maxPercentPerPeriod: 100,
    periodSeconds: 15,
  });
  assert.deepEqual(p.scaleDown, {
    stabilizationWindowSeconds: 300,
    maxPodsPerPeriod: null,
    maxPercentPerPeriod: 100,
    periodSeconds: 15,
  });
  assert.equal(p.reactiveFloor, true);
  // fallback.staleAfter defaults to 3 × metric.step.
  assert.equal(p.fallback.staleAfterSeconds, 90);
  assert.equal(p.fallback.maxErrorPercent, PREDICTIVE_AUTOSCALER_DEFAULTS.spec.fallback.maxError);
});

test('every field of the spec table is read, durations converted to seconds', () => {
  const parsed = parsePredictiveAutoscaler({
    ...minimal,
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      ...minimal.spec,
      minReplicas: 2,
      maxReplicas: 40,
      mode: 'ForecastOnly',
      integration: 'KEDA',
      model: 'ets',
      metric: {
        query: 'sum(rate(http_requests_total[1m]))',
        prometheus: 'http://prometheus:9090',
        step: '1m',
        reactiveRate: 'Step',
      },
      capacity: { perPod: 65, targetUtilization: 60 },
      prediction: { history: '7d', retrainEvery: '12h', quantile: 0.9 },
      planner: { headroomPercent: 0, podStartup: '45s', scaleDown: { stabilizationWindow: '10m' } },
      fallback: { maxError: 50, staleAfter: '5m' },
      resources: { recommend: false },
    },
  });
  assert.equal(parsed.namespace, 'shop');
  assert.equal(parsed.integration, 'KEDA');
  assert.deepEqual(parsed.metric, {
    query: 'sum(rate(http_requests_total[1m]))',
    prometheus: 'http://prometheus:9090',
    stepSeconds: 60,
    isDefaultCpuQuery: false,
    reactiveRate: 'Step',
  });
  assert.equal(parsed.capacityPerPod, 65);
  assert.deepEqual(parsed.prediction, {
    historySeconds: 7 * 86400,
    retrainEverySeconds: 43200,
    reselectEverySeconds: 604800,
    filterAnomalies: false,
  });
  assert.equal(parsed.policy.mode, 'ForecastOnly');
  assert.equal(parsed.policy.quantile, 0.9);
  assert.equal(parsed.policy.targetUtilizationPercent, 60);
  assert.equal(parsed.policy.podStartupSeconds, 45);
  assert.equal(parsed.policy.scaleDown.stabilizationWindowSeconds, 600);
  assert.equal(parsed.policy.fallback.staleAfterSeconds, 300);
  assert.equal(parsed.resources.recommend, false);
});

const invalid: { name: string; input: unknown; want: { path: string; says: string }[] }[] = [
  {
    name: 'min above max, a bad duration, an unknown field and an out-of-range quantile, all at once',
    input: {
      ...minimal,
      spec: {
        ...minimal.spec,
        minReplicas: 12,
        maxReplicas: 10,
        predictionHorizon: 'soon',
        replicas: 3,
        prediction: { quantile: 2 },
      },
    },
    want: [
      { path: 'spec.predictionHorizon', says: 'write a duration' },
      { path: 'spec.replicas', says: 'unknown field' },
      { path: 'spec.prediction.quantile', says: '0.99' },
      { path: 'spec.minReplicas', says: 'above spec.maxReplicas (10)' },
    ],
  },
  {
    name: 'missing targetRef',
    input: { metadata: { name: 'x' }, spec: {} },
    want: [{ path: 'spec.targetRef', says: '' }],
  },
  {
    name: 'an unknown model',
    input: { ...minimal, spec: { ...minimal.spec, model: 'arima' } },
    want: [{ path: 'spec.model', says: '' }],
  },
  {
    name: 'a name Kubernetes refuses',
    input: { ...minimal, metadata: { name: 'My_Scaler' } },
    want: [{ path: 'metadata.name', says: 'lowercase' }],
  },
  {
    name: 'a typo inside prediction',
    input: { ...minimal, spec: { ...minimal.spec, prediction: { histroy: '7d' } } },
    want: [{ path: 'spec.prediction.histroy', says: 'unknown field' }],
  },
];

for (const row of invalid) {
  test(`invalid resource: ${row.name}`, () => {
    const result = safeParsePredictiveAutoscaler(row.input);
    assert.equal(result.success, false);
    if (result.success) return;
    for (const want of row.want) {
      const issue = result.issues.find((i) => i.path === want.path);
      assert.ok(issue, `no issue at ${want.path}: ${JSON.stringify(result.issues)}`);
      assert.ok(issue.message.includes(want.says), issue.message);
    }
    assert.throws(
      () => parsePredictiveAutoscaler(row.input, UNKNOWN_POD, 'pa.yaml'),
      (error: unknown) =>
        error instanceof PrescaleError &&
        error.code === 'invalid-input' &&
        error.field === result.issues[0].path &&
        error.message.startsWith(`pa.yaml: ${result.issues[0].path}: `),
    );
  });
}

test('budget fields are checked against what is known of the pod', () => {
  const withBudget = { ...minimal, spec: { ...minimal.spec, planner: { budget: { maxCostPerHour: 2 } } } };
  const unknownCost = safeParsePredictiveAutoscaler(withBudget);
  assert.equal(unknownCost.success, false);
  const known = safeParsePredictiveAutoscaler(withBudget, { ...UNKNOWN_POD, costPerPodHour: 0.05 });
  assert.equal(known.success, true);
  if (known.success) assert.equal(known.data.policy.budget.maxCostPerHour, 2);
});

test('a bad name does not hide the spec: every problem of the resource at once', () => {
  const result = safeParsePredictiveAutoscaler({
    ...minimal,
    metadata: { name: 'My_Scaler' },
    spec: { ...minimal.spec, minReplicas: -1, metric: { step: 'often' } },
  });
  assert.equal(result.success, false);
  if (result.success) return;
  assert.deepEqual(result.issues.map((i) => i.path).sort(), ['metadata.name', 'spec.metric.step', 'spec.minReplicas']);
});

/** Every node of a JSON Schema that describes a value, with its path. */
function schemaNodes(node: Record<string, unknown>, path = 'spec'): { path: string; node: Record<string, unknown> }[] {
  const properties = (node.properties ?? {}) as Record<string, Record<string, unknown>>;
  return [
    { path, node },
    ...Object.entries(properties).flatMap(([key, child]) => schemaNodes(child, `${path}.${key}`)),
  ];
}

test('the spec schema is structural: its JSON Schema types every field and shows the defaults', () => {
  const jsonSchema = z.toJSONSchema(predictiveAutoscalerSpecSchema, { io: 'input' }) as Record<string, unknown>;
  const nodes = schemaNodes(jsonSchema);
  for (const { path, node } of nodes) assert.ok(node.type !== undefined, `${path} has no type`);
  const at = (path: string) => nodes.find((n) => n.path === path)?.node;
  assert.deepEqual(at('spec.predictionHorizon')?.type, ['string', 'number'], 'durations are strings or seconds');
  assert.equal(at('spec.predictionHorizon')?.default, PREDICTIVE_AUTOSCALER_DEFAULTS.spec.predictionHorizon);
  assert.equal(at('spec.minReplicas')?.default, PREDICTIVE_AUTOSCALER_DEFAULTS.spec.minReplicas);
  assert.equal(at('spec.planner.scaleDown.stabilizationWindow')?.default, '300s');
  assert.ok((at('spec.model')?.enum as string[] | undefined)?.includes('prophet-lstm-hybrid'));
  assert.deepEqual(jsonSchema.required, ['targetRef']);
});
