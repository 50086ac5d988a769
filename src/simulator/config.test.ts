import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hpaSpecSchema } from '../config/hpa-spec.js';
import { PrescaleError } from '../core/index.js';
import { ownedHpa } from '../executor/owned-objects.js';
import { mergeConfig, parseSimulationConfig, type SIMULATION_DEFAULTS, type SimulationConfig } from './config.js';

test('the defaults parse into the documented world', () => {
  const config = parseSimulationConfig();
  assert.equal(config.cluster.pod.cpuRequestMillicores, 1000);
  assert.equal(config.cluster.pod.memoryRequestBytes, 2 ** 30);
  assert.deepEqual(config.cluster.pod.service, { concurrency: 4, serviceTimeSeconds: 0.04, queueLimit: 100 });
  // 1 core × $0.04 + 1 GiB × $0.005 per hour.
  assert.ok(Math.abs(config.cluster.costPerPodHour - 0.045) < 1e-12);
  // At 70 % of 1000m, less 50m idle, at 10 ms of CPU per request: 65 requests/s per pod.
  assert.ok(Math.abs(config.perPodRate - 65) < 1e-9);
  assert.deepEqual(config.cluster.lifecycle.scheduling, { distribution: 'lognormal', medianSeconds: 2, sigma: 0.5 });
  assert.deepEqual(config.cluster.lifecycle.readiness, { distribution: 'uniform', minSeconds: 10, maxSeconds: 20 });
  assert.deepEqual(config.cluster.metricsServer, { resolutionSeconds: 15, offsetSeconds: 7 });
  assert.deepEqual(config.slo, { latencyP95Seconds: 0.25, maxDropShare: 0.001 });
  // The baseline HPA: CPU 70 %, the default behavior written out (the behavior path), the workload's bounds.
  assert.equal(config.hpa.minReplicas, config.workload.policy.minReplicas);
  assert.equal(config.hpa.maxReplicas, config.workload.policy.maxReplicas);
  assert.deepEqual(config.hpa.metrics, [
    { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
  ]);
  assert.equal(config.hpa.behavior?.scaleDown.stabilizationWindowSeconds, 300);
  assert.deepEqual(config.hpa.behavior?.scaleUp.policies, [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ]);
  assert.equal(config.staticReplicas, 20);
  assert.equal(config.workload.metric.stepSeconds, 60);
});

test('a user file is laid over the defaults; a delay of another kind replaces the default one', () => {
  const config = parseSimulationConfig({
    cluster: { startup: { scheduling: { distribution: 'constant', value: '1s' } }, price: { cpuCoreHour: 0.1 } },
    load: { peakPods: 30 },
    policies: { 'hpa-tuned': { behavior: null }, static: { replicas: 25 } },
  });
  assert.deepEqual(config.cluster.lifecycle.scheduling, { distribution: 'constant', seconds: 1 });
  assert.ok(Math.abs(config.cluster.costPerPodHour - 0.105) < 1e-12);
  assert.equal(config.load.peakPods, 30);
  assert.equal(config.hpaTuned.behavior, null, 'behavior: null selects the legacy path');
  assert.equal(config.staticReplicas, 25);
  const resolved = config.resolved as typeof SIMULATION_DEFAULTS;
  assert.equal(resolved.load.peakPods, 30);
  assert.equal(resolved.cluster.pod.serviceTime, '40ms');
  // What is recorded parses back to the same world.
  assert.deepEqual(parseSimulationConfig(config.resolved).cluster, config.cluster);
});

test('mergeConfig: objects merge, arrays and scalars replace', () => {
  assert.deepEqual(mergeConfig({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] } }), { a: { b: 1, c: [3] }, d: 1 });
});

const invalid: { name: string; input: unknown; want: string[] }[] = [
  { name: 'unknown field', input: { cluster: { pods: {} } }, want: ['config: cluster.pods: unknown field'] },
  {
    name: 'bad duration and negative price',
    input: { cluster: { pod: { serviceTime: 'fast' }, price: { cpuCoreHour: -1 } } },
    want: ['config: cluster.pod.serviceTime: ', 'config: cluster.price.cpuCoreHour: '],
  },
  {
    name: 'uniform delay with min above max',
    input: { cluster: { startup: { readiness: { distribution: 'uniform', min: '30s', max: '10s' } } } },
    want: ['config: cluster.startup.readiness.min: is above max'],
  },
  {
    name: 'an invalid workload names its path under workload',
    input: { workload: { spec: { minReplicas: 60 } } },
    want: ['config: workload.spec.minReplicas: 60 is above spec.maxReplicas (50)'],
  },
  {
    name: 'an invalid HPA spec names its path under policies',
    input: { policies: { hpa: { behavior: { scaleUp: { selectPolicy: 'Sometimes' } } } } },
    want: ['config: policies.hpa.behavior.scaleUp.selectPolicy: "Sometimes" is not one of "Max", "Min", "Disabled"'],
  },
  {
    name: 'a bad workload does not hide bad cluster fields: all reported at once',
    input: {
      workload: { spec: { minReplicas: 60 } },
      cluster: { pod: { serviceTime: 'fast', requests: { cpu: '2 cores' } } },
    },
    want: [
      'config: workload.spec.minReplicas: 60 is above spec.maxReplicas (50)',
      'config: cluster.pod.requests.cpu: "2 cores" is not a Kubernetes quantity',
      'config: cluster.pod.serviceTime: "fast" is not a duration; write a duration between 0.0001 and 1m',
    ],
  },
  {
    name: 'a target the pod cannot reach',
    input: { cluster: { pod: { cpuIdle: '800m' } } },
    want: ['config: cluster.pod.cpuIdle: '],
  },
];

for (const row of invalid) {
  test(`invalid config: ${row.name}`, () => {
    assert.throws(
      () => parseSimulationConfig(row.input),
      (error: unknown) => {
        assert.ok(error instanceof PrescaleError && error.code === 'invalid-input');
        for (const line of row.want) assert.ok(error.message.includes(line), `${error.message}\n  lacks ${line}`);
        return true;
      },
    );
  });
}

test("the HPA in front of Prescale is the operator's: ownedHpa's metrics and behavior, the user's changes laid over", () => {
  const ofOperator = (config: SimulationConfig) =>
    hpaSpecSchema.parse(ownedHpa({ name: 'web', namespace: 'default', uid: 'u' }, config.workload).spec);
  const defaults = parseSimulationConfig();
  assert.deepEqual(defaults.prescale.hpa, ofOperator(defaults));
  // External at an AverageValue of 1 (1000 milli) and CPU at the workload's target, in the operator's order.
  assert.deepEqual(
    defaults.prescale.hpa?.metrics.map((m) => m.type),
    ['External', 'Resource'],
  );
  assert.deepEqual(defaults.prescale.hpa?.metrics[1], {
    type: 'Resource',
    resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
  });
  assert.equal(defaults.prescale.hpa?.behavior?.scaleDown.stabilizationWindowSeconds, 0);
  assert.equal(defaults.prescale.hpa?.behavior?.scaleUp.tolerance, 0);
  // The CPU metric follows capacity.targetUtilization, as the operator's does.
  const at60 = parseSimulationConfig({ workload: { spec: { capacity: { targetUtilization: 60 } } } });
  assert.deepEqual(at60.prescale.hpa, ofOperator(at60));
  assert.deepEqual(at60.prescale.hpa?.metrics[1], {
    type: 'Resource',
    resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } },
  });
  // A user's change is laid over it: a list replaces (External only), an object merges (one window).
  const externalOnly = parseSimulationConfig({
    policies: { prescale: { hpa: { metrics: [operatorExternalMetric(defaults)] } } },
  });
  assert.deepEqual(
    externalOnly.prescale.hpa?.metrics.map((m) => m.type),
    ['External'],
  );
  const window = parseSimulationConfig({
    policies: { prescale: { hpa: { behavior: { scaleDown: { stabilizationWindowSeconds: 300 } } } } },
  });
  assert.equal(window.prescale.hpa?.behavior?.scaleDown.stabilizationWindowSeconds, 300);
  assert.deepEqual(window.prescale.hpa?.metrics, defaults.prescale.hpa?.metrics);
  assert.equal(window.prescale.hpa?.behavior?.scaleUp.tolerance, 0);
});

/** The External metric of the operator's HPA manifest, as a user would copy it into a config. */
function operatorExternalMetric(config: SimulationConfig): unknown {
  const spec = ownedHpa({ name: 'web', namespace: 'default', uid: 'u' }, config.workload).spec as {
    metrics: unknown[];
  };
  return spec.metrics[0];
}

test('policies.prescale.forecast: on by default, false runs Prescale without a model (the no-forecast ablation)', () => {
  assert.equal(parseSimulationConfig({}).prescale.forecast, true);
  assert.equal(parseSimulationConfig({ policies: { prescale: { forecast: false } } }).prescale.forecast, false);
});
