import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { PrescaleError } from '../core/index.js';
import { parsePlanRequest, safeParsePlanRequest } from './plan-request.js';
import { PLAN_POLICY_DEFAULTS } from './policy.js';

const MI = 1024 * 1024;

/** The smallest valid request: a time, the current replicas and one metric, a capacity. */
const minimal = () => ({
  nowSeconds: 1000,
  current: { replicas: 3, utilizationPercent: 70 },
  policy: { capacity: { perPod: 100 } },
});

/** A full valid request to mutate. */
const full = () => ({
  nowSeconds: 1000,
  forecast: {
    startSeconds: 960,
    step: '1m',
    point: [100, 200, 300],
    intervals: { level: 0.8, lower: [90, 180, 270], upper: [110, 220, 330] },
    recentErrorPercent: 12,
  },
  current: { replicas: 3, readyReplicas: 3, utilizationPercent: 70, load: 250 },
  workload: {
    resources: { cpuRequest: '500m', cpuLimit: '1', memoryRequest: '512Mi', memoryLimit: '1Gi' },
    costPerPodHour: 0.04,
    usage: { cpuMillicores: [100, 200], memoryBytes: [300 * MI], load: [10, 20] },
    oomMemoryBytes: [400 * MI],
  },
  policy: {
    minReplicas: 2,
    maxReplicas: 20,
    mode: 'ForecastOnly',
    prediction: { quantile: 0.9 },
    capacity: { perPod: 120, targetUtilization: 60 },
    planner: {
      headroomPercent: 15,
      podStartup: '90s',
      scaleUp: { stabilizationWindow: '30s', maxPodsPerPeriod: 2, period: '1m' },
      scaleDown: { stabilizationWindow: '10m', maxPercentPerPeriod: 50, period: 60 },
      reactiveFloor: false,
      tolerance: 0.05,
      budget: { maxCores: 8, maxCostPerHour: 1 },
      slo: { maxLoadPerPod: 150 },
      syncPeriod: '30s',
    },
    fallback: { maxError: 25, recoverBelow: 15, staleAfter: '5m', recoverAfter: '10m' },
    resources: { recommend: true, apply: true },
  },
});

test('parse: the minimal request gets the PredictiveAutoscaler defaults, durations in seconds', () => {
  const input = parsePlanRequest(minimal());
  const p = input.policy;
  assert.deepEqual(
    [p.minReplicas, p.maxReplicas, p.mode, p.quantile, p.headroomPercent, p.podStartupSeconds, p.reactiveFloor],
    [1, 10, 'Auto', 0.9, 0, 60, true],
  );
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
  assert.deepEqual(p.fallback, {
    maxErrorPercent: 35,
    recoverBelowPercent: 28,
    staleAfterSeconds: 90,
    recoverAfterSeconds: 120,
  });
  assert.deepEqual(p.budget, { maxCores: null, maxCostPerHour: null });
  assert.equal(p.targetUtilizationPercent, 70);
  assert.equal(p.syncPeriodSeconds, 15);
  assert.equal(input.forecast, null);
  assert.deepEqual(input.current, { replicas: 3, readyReplicas: 3, utilizationPercent: 70, load: null });
  assert.deepEqual(input.resources, { recommend: true, apply: false });
  assert.deepEqual(input.state.recommendations, []);
});

test('parse: PLAN_POLICY_DEFAULTS is itself a valid policy and equals the defaults', () => {
  const withDefaults = parsePlanRequest({
    ...minimal(),
    policy: { ...PLAN_POLICY_DEFAULTS, capacity: { ...PLAN_POLICY_DEFAULTS.capacity, perPod: 100 } },
  });
  assert.deepEqual(withDefaults.policy, parsePlanRequest(minimal()).policy);
});

test('parse: a full request, every field converted', () => {
  const input = parsePlanRequest(full());
  const p = input.policy;
  assert.equal(p.podStartupSeconds, 90);
  assert.deepEqual(p.scaleUp, {
    stabilizationWindowSeconds: 30,
    maxPodsPerPeriod: 2,
    maxPercentPerPeriod: null,
    periodSeconds: 60,
  });
  assert.deepEqual(p.scaleDown, {
    stabilizationWindowSeconds: 600,
    maxPodsPerPeriod: null,
    maxPercentPerPeriod: 50,
    periodSeconds: 60,
  });
  assert.deepEqual(p.fallback, {
    maxErrorPercent: 25,
    recoverBelowPercent: 15,
    staleAfterSeconds: 300,
    recoverAfterSeconds: 600,
  });
  assert.equal(p.sloMaxLoadPerPod, 150);
  assert.equal(p.syncPeriodSeconds, 30);
  assert.deepEqual(input.workload.resources, {
    cpuRequestMillicores: 500,
    cpuLimitMillicores: 1000,
    memoryRequestBytes: 512 * MI,
    memoryLimitBytes: 1024 * MI,
  });
  assert.equal(input.forecast?.stepSeconds, 60);
  assert.ok(input.forecast?.point instanceof Float64Array);
  assert.deepEqual(Array.from(input.forecast?.intervals?.upper ?? []), [110, 220, 330]);
  assert.equal(input.forecastErrorPercent, 12);
});

test('parse: staleAfter defaults to three forecast steps', () => {
  const input = parsePlanRequest({ ...minimal(), forecast: { startSeconds: 960, step: '30s', point: [1] } });
  assert.equal(input.policy.fallback.staleAfterSeconds, 90);
  const fiveMinutes = parsePlanRequest({ ...minimal(), forecast: { startSeconds: 960, step: '5m', point: [1] } });
  assert.equal(fiveMinutes.policy.fallback.staleAfterSeconds, 900);
});

const quantities: { name: string; input: unknown; want: number }[] = [
  { name: 'millicores', input: '500m', want: 500 },
  { name: 'cores as text', input: '0.5', want: 500 },
  { name: 'cores as a number', input: 2, want: 2000 },
  { name: 'exponent', input: '1e3', want: 1_000_000 },
  { name: 'kilo', input: '1k', want: 1_000_000 },
];
for (const row of quantities) {
  test(`parse: cpu quantity ${row.name} (${JSON.stringify(row.input)})`, () => {
    const input = parsePlanRequest({ ...minimal(), workload: { resources: { cpuRequest: row.input } } });
    assert.equal(input.workload.resources.cpuRequestMillicores, row.want);
  });
}
const memories: { name: string; input: unknown; want: number }[] = [
  { name: 'Mi', input: '512Mi', want: 512 * MI },
  { name: 'Gi with a fraction', input: '1.5Gi', want: 1.5 * 1024 * MI },
  { name: 'decimal M', input: '128M', want: 128e6 },
  { name: 'plain bytes', input: 1048576, want: MI },
];
for (const row of memories) {
  test(`parse: memory quantity ${row.name} (${JSON.stringify(row.input)})`, () => {
    const input = parsePlanRequest({ ...minimal(), workload: { resources: { memoryRequest: row.input } } });
    assert.equal(input.workload.resources.memoryRequestBytes, row.want);
  });
}

/** Sets `value` at a dotted path of a copy of `base` (numbers index arrays). */
function withValue(base: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) {
    if (node[key] === undefined || node[key] === null) node[key] = {};
    node = node[key] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/** Single bad fields: where, what, and words the message must contain. */
const badFields: { path: (string | number)[]; value: unknown; want: { path: string; says: string } }[] = [
  {
    path: ['nowSeconds'],
    value: 'soon',
    want: { path: 'nowSeconds', says: 'expected a number, got "soon"; give a number' },
  },
  { path: ['nowSeconds'], value: undefined, want: { path: 'nowSeconds', says: 'required; give a number' } },
  { path: ['current', 'replicas'], value: 2.5, want: { path: 'current.replicas', says: 'expected a whole number' } },
  {
    path: ['current', 'replicas'],
    value: -1,
    want: { path: 'current.replicas', says: '-1 is below the minimum 0; use a value ≥ 0' },
  },
  { path: ['forecast', 'step'], value: 'fast', want: { path: 'forecast.step', says: '"fast" is not a duration' } },
  {
    path: ['forecast', 'step'],
    value: '0s',
    want: { path: 'forecast.step', says: 'out of range; write a duration between 1s and 1d, like 30s or 1m' },
  },
  { path: ['forecast', 'point'], value: [], want: { path: 'forecast.point', says: 'has 0 items; give at least 1' } },
  {
    path: ['forecast', 'point', 1],
    value: 'many',
    want: { path: 'forecast.point[1]', says: 'expected a number, got "many"' },
  },
  {
    path: ['forecast', 'intervals', 'level'],
    value: 1,
    want: { path: 'forecast.intervals.level', says: 'must be below 1' },
  },
  {
    path: ['workload', 'resources', 'cpuRequest'],
    value: '5 cores',
    want: {
      path: 'workload.resources.cpuRequest',
      says: '"5 cores" is not a Kubernetes quantity; write e.g. "500m"',
    },
  },
  {
    path: ['workload', 'resources', 'memoryLimit'],
    value: '-1Gi',
    want: { path: 'workload.resources.memoryLimit', says: '"-1Gi" is negative; give a value ≥ 0' },
  },
  {
    path: ['policy', 'mode'],
    value: 'auto',
    want: { path: 'policy.mode', says: '"auto" is not one of "Auto", "ForecastOnly"; use one of them' },
  },
  { path: ['policy', 'maxReplicas'], value: 0, want: { path: 'policy.maxReplicas', says: 'below the minimum 1' } },
  {
    path: ['policy', 'prediction', 'quantile'],
    value: 0.3,
    want: { path: 'policy.prediction.quantile', says: 'below the minimum 0.5' },
  },
  {
    path: ['policy', 'prediction', 'quantile'],
    value: 0.995,
    want: { path: 'policy.prediction.quantile', says: 'above the maximum 0.99' },
  },
  {
    path: ['policy', 'capacity', 'perPod'],
    value: 0,
    want: { path: 'policy.capacity.perPod', says: 'must be above 0' },
  },
  {
    path: ['policy', 'capacity', 'targetUtilization'],
    value: 120,
    want: { path: 'policy.capacity.targetUtilization', says: 'above the maximum 100' },
  },
  {
    path: ['policy', 'planner', 'headroomPercent'],
    value: -5,
    want: { path: 'policy.planner.headroomPercent', says: 'below the minimum 0' },
  },
  {
    path: ['policy', 'planner', 'podStartup'],
    value: '2h',
    want: { path: 'policy.planner.podStartup', says: 'out of range' },
  },
  {
    path: ['policy', 'planner', 'scaleUp', 'period'],
    value: '1h',
    want: { path: 'policy.planner.scaleUp.period', says: 'between 1s and 30m' },
  },
  {
    path: ['policy', 'planner', 'scaleDown', 'stabilizationWindow'],
    value: '2h',
    want: { path: 'policy.planner.scaleDown.stabilizationWindow', says: 'between 0s and 1h' },
  },
  {
    path: ['policy', 'planner', 'scaleDown', 'maxPodsPerPeriod'],
    value: 0,
    want: { path: 'policy.planner.scaleDown.maxPodsPerPeriod', says: 'below the minimum 1' },
  },
  {
    path: ['policy', 'planner', 'reactiveFloor'],
    value: 'yes',
    want: { path: 'policy.planner.reactiveFloor', says: 'expected a boolean' },
  },
  {
    path: ['policy', 'planner', 'headroom'],
    value: 10,
    want: {
      path: 'policy.planner.headroom',
      says: 'unknown field; remove it or fix its spelling; known fields here: headroomPercent',
    },
  },
  {
    path: ['policy', 'fallback', 'maxError'],
    value: 0,
    want: { path: 'policy.fallback.maxError', says: 'must be above 0' },
  },
  {
    path: ['policy', 'fallback', 'staleAfter'],
    value: true,
    want: { path: 'policy.fallback.staleAfter', says: 'true is not a duration' },
  },
  {
    path: ['policy', 'resources', 'apply'],
    value: 1,
    want: { path: 'policy.resources.apply', says: 'expected a boolean' },
  },
  {
    path: ['state', 'recommendations', 0, 'value'],
    value: -2,
    want: { path: 'state.recommendations[0].value', says: 'below the minimum 0' },
  },
  { path: ['extra'], value: 1, want: { path: 'extra', says: 'unknown field' } },
];
for (const row of badFields) {
  test(`reject: ${row.want.path} = ${JSON.stringify(row.value) ?? 'absent'}`, () => {
    const base =
      row.path[0] === 'state' ? { ...full(), state: { recommendations: [{ timestampSeconds: 1, value: 1 }] } } : full();
    const result = safeParsePlanRequest(withValue(base, row.path, row.value));
    assert.equal(result.success, false);
    if (result.success) return;
    const issue = result.issues.find((i) => i.path === row.want.path);
    assert.ok(issue, `no issue at ${row.want.path}: ${JSON.stringify(result.issues)}`);
    assert.ok(issue.message.includes(row.want.says), issue.message);
    assert.ok(issue.message.includes('; '), `"${issue.message}" has a problem and a fix`);
  });
}

/** Cross-field rules, checked once every field is valid on its own. */
const crossField: { name: string; input: unknown; want: { path: string; message: string } }[] = [
  {
    name: 'minReplicas above maxReplicas',
    input: withValue(withValue(full(), ['policy', 'minReplicas'], 12), ['policy', 'maxReplicas'], 10),
    want: {
      path: 'policy.minReplicas',
      message: '12 is above policy.maxReplicas (10); lower minReplicas or raise maxReplicas',
    },
  },
  {
    name: 'interval bounds not one per point',
    input: withValue(full(), ['forecast', 'intervals', 'upper'], [1, 2]),
    want: {
      path: 'forecast.intervals.upper',
      message: 'has 2 values but forecast.point has 3; give one bound per point',
    },
  },
  {
    name: 'no current metric',
    input: { ...minimal(), current: { replicas: 3 } },
    want: {
      path: 'current',
      message:
        'neither utilizationPercent nor load is given; give at least one so the reactive recommendation can be computed',
    },
  },
  {
    name: 'a core budget without a CPU request',
    input: withValue(full(), ['workload', 'resources', 'cpuRequest'], undefined),
    want: {
      path: 'workload.resources.cpuRequest',
      message: 'required by policy.planner.budget.maxCores; give the pod CPU request (e.g. 500m) or drop maxCores',
    },
  },
  {
    name: 'a cost budget without a pod cost',
    input: withValue(full(), ['workload', 'costPerPodHour'], undefined),
    want: {
      path: 'workload.costPerPodHour',
      message:
        'required by policy.planner.budget.maxCostPerHour; give the cost of one pod per hour or drop maxCostPerHour',
    },
  },
  {
    name: 'recoverBelow above maxError',
    input: withValue(full(), ['policy', 'fallback', 'recoverBelow'], 30),
    want: {
      path: 'policy.fallback.recoverBelow',
      message: '30 is above policy.fallback.maxError (25); recovery needs an error at or below maxError',
    },
  },
  {
    name: 'usage load not paired with CPU',
    input: withValue(full(), ['workload', 'usage', 'load'], [1, 2, 3]),
    want: {
      path: 'workload.usage.load',
      message: 'has 3 samples but cpuMillicores has 2; pair each load with one CPU sample',
    },
  },
  {
    name: 'no way to know the capacity',
    input: { nowSeconds: 1, current: { replicas: 1, load: 5 } },
    want: { path: 'policy.capacity.perPod', message: 'not given and cannot be derived; set it' },
  },
];
for (const row of crossField) {
  test(`reject (cross-field): ${row.name}`, () => {
    const result = safeParsePlanRequest(row.input);
    assert.equal(result.success, false);
    if (result.success) return;
    const issue = result.issues.find((i) => i.path === row.want.path);
    assert.ok(issue, JSON.stringify(result.issues));
    assert.ok(issue.message.startsWith(row.want.message), issue.message);
  });
}

test('reject: every issue is reported, not only the first', () => {
  const bad = withValue(
    withValue(withValue(full(), ['nowSeconds'], 'x'), ['policy', 'mode'], 'auto'),
    ['forecast', 'point', 0],
    'y',
  );
  const result = safeParsePlanRequest(bad);
  assert.equal(result.success, false);
  if (result.success) return;
  assert.deepEqual(result.issues.map((i) => i.path).sort(), ['forecast.point[0]', 'nowSeconds', 'policy.mode']);
});

test('parsePlanRequest throws invalid-input naming the first field, one `path: problem; fix` line per issue', () => {
  const bad = withValue(withValue(minimal(), ['nowSeconds'], 'x'), ['policy', 'mode'], 'auto');
  assert.throws(
    () => parsePlanRequest(bad),
    (error: unknown) =>
      error instanceof PrescaleError &&
      error.code === 'invalid-input' &&
      error.field === 'nowSeconds' &&
      error.message ===
        'nowSeconds: expected a number, got "x"; give a number\n' +
          'policy.mode: "auto" is not one of "Auto", "ForecastOnly"; use one of them',
  );
});

test('reject: a request that is not an object', () => {
  for (const json of [null, 3, 'plan', []]) {
    const result = safeParsePlanRequest(json);
    assert.equal(result.success, false);
    if (!result.success) assert.equal(result.issues[0].path, '(root)');
  }
});

test('property: any set of invalid fields is rejected, each by name', () => {
  // Only single-field rules here: cross-field rules run once the fields are valid (tested above).
  const rows = badFields.filter((row) => row.path[0] !== 'state' && row.value !== undefined);
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 0, max: rows.length - 1 }), { minLength: 1, maxLength: 4 }),
      (picks) => {
        let request: unknown = full();
        // A path that is a prefix of another would overwrite it; keep the longest.
        const chosen = picks
          .map((i) => rows[i])
          .filter(
            (row, _, all) =>
              !all.some(
                (o) =>
                  o !== row &&
                  (o.want.path.startsWith(`${row.want.path}.`) || o.want.path.startsWith(`${row.want.path}[`)),
              ),
          );
        const seen = new Set<string>();
        const distinct = chosen.filter((row) => !seen.has(row.want.path) && seen.add(row.want.path));
        for (const row of distinct) request = withValue(request, row.path, row.value);
        const result = safeParsePlanRequest(request);
        assert.equal(result.success, false);
        if (result.success) return;
        const paths = new Set(result.issues.map((i) => i.path));
        for (const row of distinct)
          assert.ok(paths.has(row.want.path), `${row.want.path} missing from ${[...paths].join(', ')}`);
      },
    ),
    { numRuns: 300 },
  );
});
