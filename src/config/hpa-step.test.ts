import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrescaleError } from '../core/index.js';
import {
  DEFAULT_CONTROLLER_CONFIG,
  DEFAULT_METRICS,
  DEFAULT_SCALE_DOWN_RULES,
  DEFAULT_SCALE_UP_RULES,
} from '../hpa/defaults.js';
import { reconcileHpa } from '../hpa/reconcile.js';
import { checkHpaStepInput, parseHpaStepInput, toHpaStepOutput } from './hpa-step.js';

/** The input example of docs/hpa-step.md with its placeholders filled in. */
function contractExample(): Record<string, unknown> {
  return {
    now: 1000,
    hpa: {
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
        {
          type: 'External',
          external: { metric: { name: 'queue_depth' }, target: { type: 'AverageValue', averageValue: '30' } },
        },
      ],
      behavior: null,
    },
    scale: { specReplicas: 3, statusReplicas: 3 },
    pods: [
      {
        name: 'web-1',
        phase: 'Running',
        ready: true,
        deleting: false,
        startTime: 0,
        readyTransitionTime: 12,
        requests: { cpu: '500m', memory: '256Mi' },
        metrics: {
          cpu: { value: '400m', timestamp: 990, window: 15 },
          memory: { value: '200Mi', timestamp: 990, window: 15 },
        },
      },
    ],
    podsMetrics: {},
    objectMetrics: {},
    externalMetrics: { queue_depth: '120' },
    state: {
      recommendations: [{ timestamp: 985, replicas: 4 }],
      scaleUpEvents: [{ timestamp: 900, replicaChange: 2, outdated: false }],
      scaleDownEvents: [],
    },
    controller: {
      tolerance: 0.1,
      cpuInitializationPeriod: 300,
      initialReadinessDelay: 30,
      downscaleStabilizationWindow: 300,
    },
  };
}

/** Runs one hpa-step call the way the command does: JSON object in, JSON object out. */
function hpaStep(input: unknown): Record<string, unknown> {
  const request = parseHpaStepInput(input);
  return toHpaStepOutput(reconcileHpa(request.observation, request.state, request.nowSeconds));
}

test('the docs/hpa-step.md example: parsed, reconciled and written in the contract shape', () => {
  assert.deepEqual(hpaStep(contractExample()), {
    desiredReplicas: 4,
    rescale: true,
    rescaleReason: 'external metric queue_depth(nil) above target',
    metricProposals: [
      {
        metric: 'cpu',
        replicas: 2,
        valid: true,
        description: 'cpu resource utilization (percentage of request)',
        reason: 'ceil(usage ratio × ready pods)',
        usageRatio: 1.6,
        podCount: 1,
        current: { averageUtilization: 80, averageValue: '400m' },
      },
      {
        metric: 'queue_depth',
        replicas: 4,
        valid: true,
        description: 'external metric queue_depth(nil)',
        reason: 'ceil(value / per-pod target)',
        usageRatio: 120 / 90,
        podCount: null,
        current: { averageValue: '40' },
      },
    ],
    conditions: [
      {
        type: 'AbleToScale',
        status: 'True',
        reason: 'SucceededRescale',
        message: 'the HPA controller was able to update the target scale to 4',
      },
      {
        type: 'ScalingActive',
        status: 'True',
        reason: 'ValidMetricFound',
        message: 'the HPA was able to successfully calculate a replica count from external metric queue_depth(nil)',
      },
      {
        type: 'ScalingLimited',
        status: 'False',
        reason: 'DesiredWithinRange',
        message: 'the desired count is within the acceptable range',
      },
    ],
    state: {
      recommendations: [
        { timestamp: 985, replicas: 4 },
        { timestamp: 1000, replicas: 4 },
      ],
      scaleUpEvents: [{ timestamp: 900, replicaChange: 2, outdated: false }],
      scaleDownEvents: [],
    },
  });
});

test('API-server and controller defaults: minReplicas 1, CPU 80 %, no behavior, default flags, empty memory', () => {
  const minimal = parseHpaStepInput({ now: 0, hpa: { maxReplicas: 5 }, scale: { specReplicas: 1, statusReplicas: 1 } });
  assert.equal(minimal.observation.hpa.minReplicas, 1);
  assert.deepEqual(minimal.observation.hpa.metrics, DEFAULT_METRICS);
  assert.equal(minimal.observation.hpa.behavior, null);
  assert.deepEqual(minimal.observation.controller, DEFAULT_CONTROLLER_CONFIG);
  assert.deepEqual(minimal.state, { recommendations: [], scaleUpEvents: [], scaleDownEvents: [] });
  assert.deepEqual(minimal.observation.pods, []);
  const emptyMetrics = parseHpaStepInput({
    now: 0,
    hpa: { maxReplicas: 5, metrics: [] },
    scale: { specReplicas: 1, statusReplicas: 1 },
  });
  assert.deepEqual(emptyMetrics.observation.hpa.metrics, DEFAULT_METRICS);
});

test('behavior defaulting: an empty behavior is the documented default; fields merge one by one; policies replace', () => {
  const parse = (behavior: unknown) =>
    parseHpaStepInput({ now: 0, hpa: { maxReplicas: 5, behavior }, scale: { specReplicas: 1, statusReplicas: 1 } })
      .observation.hpa.behavior;
  assert.deepEqual(parse({}), { scaleUp: DEFAULT_SCALE_UP_RULES, scaleDown: DEFAULT_SCALE_DOWN_RULES });
  assert.deepEqual(parse({ scaleDown: { stabilizationWindowSeconds: 60, tolerance: '0.05' } }), {
    scaleUp: DEFAULT_SCALE_UP_RULES,
    scaleDown: { ...DEFAULT_SCALE_DOWN_RULES, stabilizationWindowSeconds: 60, tolerance: 0.05 },
  });
  assert.deepEqual(parse({ scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } })?.scaleUp, {
    ...DEFAULT_SCALE_UP_RULES,
    policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
  });
  assert.equal(parse(null), null);
});

/** Free-form JSON, edited in place by the error rows. */
// biome-ignore lint/suspicious/noExplicitAny: the rows poke at arbitrary depths of a JSON document on purpose.
type JsonDocument = Record<string, any>;

/** A valid input with one change applied. */
function withChange(change: (input: JsonDocument) => void): Record<string, unknown> {
  const input: JsonDocument = contractExample();
  change(input);
  return input;
}

const errorRows: { name: string; input: unknown; want: { path: string; message: RegExp }[] }[] = [
  {
    name: 'maxReplicas missing',
    input: withChange((i) => delete i.hpa.maxReplicas),
    want: [{ path: 'hpa.maxReplicas', message: /^required; give a number$/ }],
  },
  {
    name: 'minReplicas 0 (scale to zero)',
    input: withChange((i) => (i.hpa.minReplicas = 0)),
    want: [
      { path: 'hpa.minReplicas', message: /scale to zero, HPAScaleToZero, is not emulated\); set minReplicas ≥ 1$/ },
    ],
  },
  {
    name: 'minReplicas above maxReplicas',
    input: withChange((i) => (i.hpa.minReplicas = 12)),
    want: [
      { path: 'hpa.minReplicas', message: /^12 is above maxReplicas \(10\); lower minReplicas or raise maxReplicas$/ },
    ],
  },
  {
    name: 'unknown metric source type',
    input: withChange((i) => (i.hpa.metrics[0] = { type: 'Prometheus' })),
    want: [
      {
        path: 'hpa.metrics[0].type',
        message: /^"Prometheus" is not a metric source type; use Resource, Pods, Object, External$/,
      },
    ],
  },
  {
    name: 'ContainerResource is not emulated',
    input: withChange((i) => (i.hpa.metrics[0] = { type: 'ContainerResource', containerResource: {} })),
    want: [{ path: 'hpa.metrics[0].type', message: /not emulated; use a Resource metric/ }],
  },
  {
    name: 'a Value target on a Resource metric',
    input: withChange((i) => (i.hpa.metrics[0].resource.target = { type: 'Value', value: '1' })),
    want: [
      {
        path: 'hpa.metrics[0].resource.target.type',
        message: /^"Value" is not a target type for Resource metrics; use Utilization or AverageValue$/,
      },
    ],
  },
  {
    name: 'AverageValue target without averageValue, with a stray averageUtilization',
    input: withChange((i) => (i.hpa.metrics[1].external.target = { type: 'AverageValue', averageUtilization: 50 })),
    want: [
      {
        path: 'hpa.metrics[1].external.target.averageUtilization',
        message: /^is set but type is AverageValue; remove it/,
      },
      {
        path: 'hpa.metrics[1].external.target.averageValue',
        message: /^is required when type is AverageValue; add it$/,
      },
    ],
  },
  {
    name: 'a zero target',
    input: withChange((i) => (i.hpa.metrics[1].external.target.averageValue = '0')),
    want: [
      {
        path: 'hpa.metrics[1].external.target.averageValue',
        message: /^must be greater than 0; give a positive quantity/,
      },
    ],
  },
  {
    name: 'a malformed quantity',
    input: withChange((i) => (i.pods[0].requests.cpu = '5 cores')),
    want: [{ path: 'pods[0].requests.cpu', message: /^"5 cores" is not a Kubernetes quantity; write e\.g\./ }],
  },
  {
    name: 'a quantity of the wrong JSON type',
    input: withChange((i) => (i.externalMetrics.queue_depth = true)),
    want: [{ path: 'externalMetrics.queue_depth', message: /^expected a quantity, got true; write e\.g\./ }],
  },
  {
    name: 'an empty policy list',
    input: withChange((i) => (i.hpa.behavior = { scaleDown: { policies: [] } })),
    want: [
      {
        path: 'hpa.behavior.scaleDown.policies',
        message: /^must specify at least one policy; add one or leave policies out/,
      },
    ],
  },
  {
    name: 'policy period above 1800 s and window above 3600 s',
    input: withChange(
      (i) =>
        (i.hpa.behavior = {
          scaleUp: { stabilizationWindowSeconds: 4000, policies: [{ type: 'Pods', value: 4, periodSeconds: 1801 }] },
        }),
    ),
    want: [
      {
        path: 'hpa.behavior.scaleUp.stabilizationWindowSeconds',
        message: /^4000 is above the maximum 3600; use a value ≤ 3600$/,
      },
      {
        path: 'hpa.behavior.scaleUp.policies[0].periodSeconds',
        message: /^1801 is above the maximum 1800; use a value ≤ 1800$/,
      },
    ],
  },
  {
    name: 'unknown selectPolicy',
    input: withChange((i) => (i.hpa.behavior = { scaleUp: { selectPolicy: 'Sometimes' } })),
    want: [
      {
        path: 'hpa.behavior.scaleUp.selectPolicy',
        message: /^"Sometimes" is not one of "Max", "Min", "Disabled"; use one of them$/,
      },
    ],
  },
  {
    name: 'negative tolerance',
    input: withChange((i) => (i.hpa.behavior = { scaleUp: { tolerance: '-0.1' } })),
    want: [{ path: 'hpa.behavior.scaleUp.tolerance', message: /is not a tolerance; give a quantity ≥ 0/ }],
  },
  {
    name: 'duplicate pod names',
    input: withChange((i) => i.pods.push({ ...i.pods[0] })),
    want: [{ path: 'pods[1].name', message: /^"web-1" repeats pods\[0\]\.name; give every pod a unique name$/ }],
  },
  {
    name: 'a Ready pod without readyTransitionTime',
    input: withChange((i) => delete i.pods[0].readyTransitionTime),
    want: [{ path: 'pods[0].readyTransitionTime', message: /^is required when ready is true/ }],
  },
  {
    name: 'a cpu sample without timestamp',
    input: withChange((i) => delete i.pods[0].metrics.cpu.timestamp),
    want: [{ path: 'pods[0].metrics.cpu.timestamp', message: /^is required for cpu samples/ }],
  },
  {
    name: 'unknown pod phase',
    input: withChange((i) => (i.pods[0].phase = 'Unknown')),
    want: [
      {
        path: 'pods[0].phase',
        message: /^"Unknown" is not one of "Pending", "Running", "Succeeded", "Failed"; use one of them$/,
      },
    ],
  },
  {
    name: 'a misspelled field',
    input: withChange((i) => (i.hpa.maxReplica = 3)),
    want: [{ path: 'hpa.maxReplica', message: /^unknown field; remove it or fix its spelling/ }],
  },
  {
    name: 'state recorded after now',
    input: withChange((i) => (i.state.recommendations[0].timestamp = 1015)),
    want: [
      {
        path: 'state.recommendations[0].timestamp',
        message: /^1015 is after now \(1000\); feed state into a later reconcile$/,
      },
    ],
  },
  {
    // The cross-field rules used to run on the missing objects and crash with a TypeError.
    name: 'hpa missing, and a pod that is not an object',
    input: withChange((i) => {
      delete i.hpa;
      i.pods[0] = null;
    }),
    want: [
      { path: 'hpa', message: /^required; give an object$/ },
      { path: 'pods[0]', message: /^expected an object, got null; give an object$/ },
    ],
  },
  {
    name: 'now missing, and not an object at all',
    input: 42,
    want: [{ path: '(root)', message: /^expected an object, got 42; give an object$/ }],
  },
];

for (const row of errorRows) {
  test(`invalid input is reported with its field and a fix: ${row.name}`, () => {
    const checked = checkHpaStepInput(row.input);
    assert.ok(!checked.success);
    assert.equal(checked.issues.length, row.want.length, JSON.stringify(checked.issues));
    row.want.forEach((want, index) => {
      assert.equal(checked.issues[index].path, want.path);
      assert.match(checked.issues[index].message, want.message);
    });
    assert.throws(
      () => parseHpaStepInput(row.input),
      (error) => error instanceof PrescaleError && error.code === 'invalid-input' && error.field === row.want[0].path,
    );
  });
}

test('every issue is reported in one pass, one line each, the first naming the field', () => {
  const input = withChange((i) => {
    delete i.now;
    i.hpa.minReplicas = 20;
    i.scale.specReplicas = -1;
    i.pods[0].requests.cpu = 'lots';
    delete i.pods[0].readyTransitionTime;
    i.extra = true;
  });
  assert.throws(
    () => parseHpaStepInput(input),
    (error) => {
      assert.ok(error instanceof PrescaleError);
      assert.equal(error.field, 'now');
      assert.deepEqual(
        error.message.split('\n').map((line) => line.slice(0, line.indexOf(':'))),
        [
          'now',
          'hpa.minReplicas',
          'scale.specReplicas',
          'pods[0].requests.cpu',
          'pods[0].readyTransitionTime',
          'extra',
        ],
      );
      for (const line of error.message.split('\n')) assert.match(line, /^[^:]+: .+; .+$/);
      return true;
    },
  );
});

test('default scale-up policies through the JSON contract: explicit default behavior from 2 → 6 and from 10 → 20', () => {
  const step = (current: number) =>
    hpaStep({
      now: 100,
      hpa: {
        maxReplicas: 100,
        metrics: [
          {
            type: 'External',
            external: { metric: { name: 'q' }, target: { type: 'AverageValue', averageValue: '1' } },
          },
        ],
        behavior: {},
      },
      scale: { specReplicas: current, statusReplicas: current },
      externalMetrics: { q: '90' },
    });
  assert.deepEqual([step(2).desiredReplicas, step(10).desiredReplicas], [6, 20]);
  // From 0 the controller never reaches the rate rules: without scale-to-zero it stands still (ScalingDisabled).
  const fromZero = step(0);
  assert.equal(fromZero.desiredReplicas, 0);
  assert.deepEqual(
    (fromZero.conditions as { reason: string }[]).map((c) => c.reason),
    ['SucceededGetScale', 'ScalingDisabled'],
  );
});

test('the Kubernetes docs scale-down example through the JSON contract, feeding each output state into the next input', () => {
  let replicas = 80;
  let state: unknown;
  const desired: number[] = [];
  for (let now = 0; now <= 120; now += 15) {
    const output = hpaStep({
      now,
      hpa: {
        maxReplicas: 100,
        metrics: [
          {
            type: 'External',
            external: { metric: { name: 'q' }, target: { type: 'AverageValue', averageValue: '1' } },
          },
        ],
        behavior: {
          scaleDown: {
            stabilizationWindowSeconds: 0,
            policies: [
              { type: 'Pods', value: 4, periodSeconds: 60 },
              { type: 'Percent', value: 10, periodSeconds: 60 },
            ],
          },
        },
      },
      scale: { specReplicas: replicas, statusReplicas: replicas },
      externalMetrics: { q: '10' },
      ...(state === undefined ? {} : { state }),
    });
    replicas = output.desiredReplicas as number;
    state = output.state;
    desired.push(replicas);
  }
  assert.deepEqual(desired, [72, 72, 72, 72, 64, 64, 64, 64, 57]);
});
