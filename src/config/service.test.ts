import assert from 'node:assert/strict';
import { test } from 'node:test';
import { minimalWorkload } from '../testing/workload-fixtures.js';
import { SERVICE_DEFAULTS, safeParseServiceConfig } from './service.js';

/** `minimalWorkload` with the argument order these tables use: entry fields first, then spec fields. */
const workload = (overrides: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) =>
  minimalWorkload(spec, overrides);

test('an empty config is valid and gets every default', () => {
  const result = safeParseServiceConfig({});
  assert.ok(result.success);
  const c = result.data;
  assert.equal(c.prometheus.url, SERVICE_DEFAULTS.prometheus.url);
  assert.equal(c.prometheus.timeoutSeconds, 10);
  assert.equal(c.api.listen, '0.0.0.0:8080');
  assert.equal(c.keda.listen, '0.0.0.0:9000');
  assert.equal(c.externalMetrics.listen, '0.0.0.0:6443');
  assert.equal(c.loop.contextWindowSeconds, 86_400);
  assert.equal(c.loop.accuracyWindowSeconds, 3600);
  assert.deepEqual(c.workloads, []);
});

test('a workload entry is a PredictiveAutoscaler: the CRD minimal manifest is accepted with its defaults', () => {
  const manifest = {
    apiVersion: 'autoscaler.ml.dev/v1alpha1',
    kind: 'PredictiveAutoscaler',
    metadata: { name: 'ml-based-scaler' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'demo-service' },
      predictionHorizon: '10m',
      model: 'naive',
    },
    pod: { cpuRequest: '500m' },
  };
  const result = safeParseServiceConfig({ workloads: [manifest] });
  assert.ok(result.success, JSON.stringify(!result.success && result.issues));
  const [w] = result.data.workloads;
  assert.equal(w.resource.name, 'ml-based-scaler');
  assert.equal(w.resource.namespace, 'default');
  assert.equal(w.resource.predictionHorizonSeconds, 600);
  assert.equal(w.resource.metric.stepSeconds, 30);
  assert.equal(w.resource.integration, 'HPA');
  assert.equal(w.loadIsCpuCores, true, 'the default metric is CPU cores');
  assert.equal(w.podResources.cpuRequestMillicores, 500);
  assert.equal(w.resource.policy.fallback.staleAfterSeconds, 90, '3 × step');
  assert.deepEqual(w.queries, { cpu: null, memory: null, latency: null, replicas: null });
});

test('service-only blocks: queries and pod quantities are parsed', () => {
  const result = safeParseServiceConfig({
    workloads: [
      workload({
        queries: { cpu: 'sum(rate(cpu[1m]))', replicas: 'kube_deployment_status_replicas' },
        pod: { cpuRequest: '250m', memoryRequest: '1Gi', costPerPodHour: 0.05 },
      }),
    ],
  });
  assert.ok(result.success, JSON.stringify(!result.success && result.issues));
  const [w] = result.data.workloads;
  assert.equal(w.queries.cpu, 'sum(rate(cpu[1m]))');
  assert.equal(w.queries.replicas, 'kube_deployment_status_replicas');
  assert.equal(w.podResources.cpuRequestMillicores, 250);
  assert.equal(w.podResources.memoryRequestBytes, 2 ** 30);
  assert.equal(w.costPerPodHour, 0.05);
});

const errorRows: { name: string; input: unknown; want: { path: string; text: string }[] }[] = [
  {
    name: 'unknown top-level field',
    input: { promethus: { url: 'http://x:9090' } },
    want: [{ path: 'promethus', text: 'unknown field' }],
  },
  {
    name: 'bad URL and bad duration, both reported',
    input: { prometheus: { url: 'not a url', timeout: '10 seconds' } },
    want: [
      { path: 'prometheus.url', text: 'is not a URL' },
      { path: 'prometheus.timeout', text: 'write a duration between 1s and 5m, like 30s or 1m' },
    ],
  },
  {
    name: 'listen without a port',
    input: { api: { listen: 'localhost' } },
    want: [{ path: 'api.listen', text: 'host:port' }],
  },
  {
    name: 'the planner rules of the shared shape, with the spec path',
    input: { workloads: [workload({}, { minReplicas: 12, maxReplicas: 10 })] },
    want: [{ path: 'workloads[0].spec.minReplicas', text: 'above spec.maxReplicas (10)' }],
  },
  {
    name: 'Direct integration belongs to the operator',
    input: { workloads: [workload({}, { integration: 'Direct' })] },
    want: [{ path: 'workloads[0].spec.integration', text: 'operator' }],
  },
  {
    name: 'an auto candidate that is not a model',
    input: { loop: { autoCandidates: ['naive', 'arima'] }, workloads: [workload({}, { model: 'auto' })] },
    want: [{ path: 'loop.autoCandidates[1]', text: '"arima" is not one of "ceemdan-denoise", "ceemdan-ets", "ets"' }],
  },
  {
    name: 'auto as its own candidate',
    input: { loop: { autoCandidates: ['auto', 'naive'] }, workloads: [workload({}, { model: 'auto' })] },
    want: [{ path: 'loop.autoCandidates[0]', text: 'auto cannot be its own candidate' }],
  },
  {
    name: 'capacity that cannot be derived',
    input: { workloads: [workload({}, { capacity: {} })] },
    want: [{ path: 'workloads[0].spec.capacity.perPod', text: 'give queries.cpu' }],
  },
  {
    name: 'capacity that cannot be derived, beside an unrelated bad field of the spec',
    input: { workloads: [workload({}, { capacity: {}, predictionHorizon: 'soon' })] },
    want: [
      { path: 'workloads[0].spec.predictionHorizon', text: '"soon" is not a duration' },
      { path: 'workloads[0].spec.capacity.perPod', text: 'give queries.cpu' },
    ],
  },
  {
    name: 'an unknown block in a workload',
    input: { workloads: [workload({ querys: {} })] },
    want: [{ path: 'workloads[0].querys', text: 'unknown field' }],
  },
  {
    name: 'an empty PromQL',
    input: { workloads: [workload({ queries: { cpu: '  ' } })] },
    want: [{ path: 'workloads[0].queries.cpu', text: 'empty' }],
  },
  {
    name: 'a bad pod quantity',
    input: { workloads: [workload({ pod: { cpuRequest: 'half a core' } })] },
    want: [{ path: 'workloads[0].pod.cpuRequest', text: 'not a Kubernetes quantity' }],
  },
  {
    name: 'the same workload twice',
    input: { workloads: [workload(), workload()] },
    want: [{ path: 'workloads[1].metadata.name', text: 'already workloads[0]' }],
  },
  {
    name: 'a door that a workload needs is off',
    input: { keda: { enabled: false }, workloads: [workload({}, { integration: 'KEDA' })] },
    want: [{ path: 'workloads[0].spec.integration', text: 'keda.enabled is false' }],
  },
  {
    name: 'two doors on one port',
    input: { keda: { listen: '0.0.0.0:8080' } },
    want: [{ path: 'keda.listen', text: 'also api.listen' }],
  },
  {
    name: 'a served model named like a workload',
    input: { models: { serve: [{ name: 'web', path: '/m/web.json' }] }, workloads: [workload()] },
    want: [{ path: 'workloads[0].metadata.name', text: 'also a models.serve name' }],
  },
];

for (const row of errorRows) {
  test(`refused with the field named: ${row.name}`, () => {
    const result = safeParseServiceConfig(row.input);
    assert.equal(result.success, false);
    if (result.success) return;
    assert.deepEqual(
      result.issues.map((i) => i.path),
      row.want.map((w) => w.path),
    );
    for (const [i, w] of row.want.entries()) {
      assert.ok(result.issues[i].message.includes(w.text), result.issues[i].message);
    }
  });
}
