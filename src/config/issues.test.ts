import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { PrescaleError } from '../core/index.js';
import { type ConfigIssue, rule, safeParseWithIssues } from '../core/issues.js';
import { parseDurationSeconds } from '../core/units.js';
import { parseDatasetsFile } from '../experiments/datasets.js';
import { parseSimulationConfig } from '../simulator/config.js';
import { durationFix, durationSeconds } from './duration.js';
import { checkHpaStepInput } from './hpa-step.js';
import { safeParsePlanRequest } from './plan-request.js';
import { safeParsePredictiveAutoscaler } from './predictive-autoscaler.js';
import { safeParseServiceConfig } from './service.js';

/** The wording of zod's own messages; none may reach a user. */
const RAW_ZOD =
  /Invalid input|Invalid option|Invalid (string|element|key|URL|union)|Too (small|big)|Unrecognized key|received /;

/** Every leaf path of a JSON document (object keys and list indexes), parents included. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([key, v]) => paths(v, [...prefix, key]))];
}

/** A copy of `base` with `value` at `path` (undefined deletes the field). */
function withValue(base: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

const workload = {
  metadata: { name: 'web' },
  spec: {
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    model: 'ets',
    metric: { query: 'sum(rate(x[1m]))', step: '30s', prometheus: 'http://p:9090' },
    capacity: { perPod: 50 },
    planner: { podStartup: '60s', scaleUp: { maxPodsPerPeriod: 2, period: '15s' }, budget: { maxCores: 4 } },
    fallback: { maxError: 40, staleAfter: '2m' },
    prediction: { history: '7d', quantile: 0.9 },
  },
  queries: { cpu: 'sum(rate(cpu[1m]))' },
  pod: { cpuRequest: '500m', memoryRequest: '1Gi', costPerPodHour: 0.05 },
};

/** The issues a thrown `invalid-input` error lists, one `<path>: <message>` line each (after `header` lines). */
function thrownIssues(parse: () => unknown, header = 0): readonly ConfigIssue[] {
  try {
    parse();
    return [];
  } catch (error) {
    assert.ok(error instanceof PrescaleError, String(error));
    return error.message
      .split('\n')
      .slice(header)
      .map((line) => ({ path: line, message: line }));
  }
}

/** Each entry point with a valid document; every issue it reports is checked. */
const documents: { name: string; base: unknown; issues: (json: unknown) => readonly ConfigIssue[] }[] = [
  {
    name: 'service config',
    base: {
      prometheus: { timeout: '5s' },
      api: { listen: '0.0.0.0:8080' },
      loop: { autoCandidates: ['ets'] },
      workloads: [workload],
    },
    issues: (json) => {
      const result = safeParseServiceConfig(json);
      return result.success ? [] : result.issues;
    },
  },
  {
    name: 'plan request',
    base: {
      nowSeconds: 100,
      forecast: {
        startSeconds: 60,
        step: '1m',
        point: [1, 2],
        intervals: { level: 0.8, lower: [0, 1], upper: [2, 3] },
      },
      current: { replicas: 2, load: 3 },
      workload: { resources: { cpuRequest: '500m' }, usage: { cpuMillicores: [1], load: [1] } },
      policy: { minReplicas: 1, planner: { podStartup: '30s' } },
    },
    issues: (json) => {
      const result = safeParsePlanRequest(json);
      return result.success ? [] : result.issues;
    },
  },
  {
    name: 'PredictiveAutoscaler',
    // Alone, the resource knows nothing of the pod, so no budget (it needs the pod's request or cost).
    base: {
      apiVersion: 'autoscaler.ml.dev/v1alpha1',
      kind: 'PredictiveAutoscaler',
      metadata: workload.metadata,
      spec: { ...workload.spec, planner: { podStartup: '60s', scaleUp: { period: '15s' } } },
    },
    issues: (json) => {
      const result = safeParsePredictiveAutoscaler(json);
      return result.success ? [] : result.issues;
    },
  },
  {
    name: 'simulation config',
    base: { cluster: { pod: { serviceTime: '40ms', requests: { cpu: '1' } } }, policies: { static: { replicas: 3 } } },
    issues: (json) => thrownIssues(() => parseSimulationConfig(json)),
  },

  {
    name: 'hpa-step input (with the HPA spec)',
    base: {
      now: 1000,
      hpa: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 10,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
          { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '10' } } },
          {
            type: 'Object',
            object: {
              describedObject: { kind: 'Ingress', name: 'web' },
              metric: { name: 'hits', selector: { matchLabels: { app: 'web' } } },
              target: { type: 'Value', value: '100' },
            },
          },
        ],
        behavior: {
          scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', tolerance: '0.05' },
          scaleDown: { policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
        },
      },
      scale: { specReplicas: 1, statusReplicas: 1 },
      pods: [
        {
          name: 'web-1',
          phase: 'Running',
          ready: true,
          startTime: 0,
          readyTransitionTime: 12,
          requests: { cpu: '500m' },
          metrics: { cpu: { value: '400m', timestamp: 990, window: 15 } },
        },
      ],
      podsMetrics: { rps: { 'web-1': '12' } },
      objectMetrics: { hits: 90 },
      state: { recommendations: [{ timestamp: 985, replicas: 1 }] },
      controller: { tolerance: 0.1 },
    },
    issues: (json) => {
      const result = checkHpaStepInput(json);
      return result.success ? [] : result.issues;
    },
  },
  {
    name: 'datasets file',
    base: {
      web: {
        file: 'web.csv',
        what: 'requests per minute',
        step_seconds: 60,
        train_start: 0,
        train_end: 6000,
        test_end: 9000,
        horizon_steps: 10,
        origin_every_steps: 5,
        report_h: [1, 10],
      },
    },
    issues: (json) => thrownIssues(() => parseDatasetsFile(json, 'datasets.json'), 1),
  },
];

for (const doc of documents) {
  test(`${doc.name}: any wrong value anywhere gets Prescale's words (problem; fix), never a raw zod message`, () => {
    assert.deepEqual(doc.issues(JSON.parse(JSON.stringify(doc.base))), [], 'the base document is valid');
    const where = paths(JSON.parse(JSON.stringify(doc.base)));
    fc.assert(
      fc.property(fc.constantFrom(...where), fc.oneof(fc.jsonValue(), fc.constant(undefined)), (path, value) => {
        for (const issue of doc.issues(withValue(JSON.parse(JSON.stringify(doc.base)), path, value))) {
          assert.doesNotMatch(issue.message, RAW_ZOD, `${issue.path}: ${issue.message}`);
          assert.ok(issue.message.includes('; '), `"${issue.message}" has no fix`);
        }
      }),
      { numRuns: 400 },
    );
  });
}

const ranges: [number, number][] = [
  [0, 3600],
  [1, 1800],
  [60, 86_400],
  [3600, 365 * 86_400],
  [0.0001, 60],
  [0.001, 600],
  [10, 600],
  [0, 10],
];
for (const [min, max] of ranges) {
  test(`a duration hint offers only durations inside its range (${min}s–${max}s)`, () => {
    const fix = durationFix(min, max);
    const [, low, high, examples] = /^write a duration between (\S+) and (\S+), like (.+)$/.exec(fix) ?? [];
    assert.ok(examples, fix);
    assert.equal(parseDurationSeconds(low), min);
    assert.equal(parseDurationSeconds(high), max);
    for (const example of examples.split(' or ')) {
      const seconds = parseDurationSeconds(example);
      assert.ok(seconds >= min && seconds <= max, `${example} outside ${fix}`);
    }
    const field = durationSeconds(min, max);
    const outside = safeParseWithIssues(field, max + 1);
    assert.ok(!outside.success && outside.issues[0].message === `${max + 1} is out of range; ${fix}`);
  });
}

test('a rule runs when the fields it reads parsed, whatever else failed, and not when they failed', () => {
  const schema = z.strictObject({ min: z.number(), max: z.number(), name: z.string() }).check(
    rule<{ min: number; max: number }>([['min'], ['max']], (v, report) => {
      if (v.min > v.max) report(['min'], `${v.min} is above max (${v.max}); lower min`);
    }),
  );
  const bothWrong = safeParseWithIssues(schema, { min: 3, max: 2, name: 7, typo: 1 });
  assert.deepEqual(!bothWrong.success && bothWrong.issues.map((i) => i.path), ['name', 'typo', 'min']);
  const minUnreadable = safeParseWithIssues(schema, { min: 'x', max: 2, name: 'a' });
  assert.deepEqual(!minUnreadable.success && minUnreadable.issues.map((i) => i.path), ['min']);
  const notAnObject = safeParseWithIssues(schema, 5);
  assert.deepEqual(!notAnObject.success && notAnObject.issues.map((i) => i.path), ['(root)']);
});
