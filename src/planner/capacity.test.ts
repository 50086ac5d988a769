import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrescaleError } from '../core/index.js';
import { type CapacityInput, fitLoadCpu, resolveCapacity } from './capacity.js';

/** cpu = 50 + 3 × load exactly, loads 10..200. */
const exact = (() => {
  const load = Array.from({ length: 20 }, (_, i) => 10 * (i + 1));
  return { load, cpuMillicores: load.map((x) => 50 + 3 * x) };
})();

/** The same line with two samples per load, 20m above and 20m below: least squares still finds the line. */
const noisy = (() => {
  const load = exact.load.flatMap((x) => [x, x]);
  return { load, cpuMillicores: load.map((x, i) => 50 + 3 * x + (i % 2 === 0 ? 20 : -20)) };
})();

test('fitLoadCpu: an exact line gives intercept, slope, r² = 1 and zero residuals', () => {
  const fit = fitLoadCpu(exact.load, exact.cpuMillicores);
  assert.ok(Math.abs(fit.interceptMillicores - 50) < 1e-9);
  assert.ok(Math.abs(fit.millicoresPerLoadUnit - 3) < 1e-12);
  assert.ok(Math.abs(fit.r2 - 1) < 1e-12);
  assert.equal(fit.quality, 'good');
  assert.equal(fit.samples, 20);
  assert.ok(Math.abs(fit.residualP90Millicores) < 1e-9);
});

test('fitLoadCpu: symmetric noise keeps the line; residual P50 = −20, P90 = P95 = +20 (nearest rank)', () => {
  const fit = fitLoadCpu(noisy.load, noisy.cpuMillicores);
  assert.ok(Math.abs(fit.interceptMillicores - 50) < 1e-9);
  assert.ok(Math.abs(fit.millicoresPerLoadUnit - 3) < 1e-12);
  assert.ok(Math.abs(fit.residualP50Millicores + 20) < 1e-9);
  assert.ok(Math.abs(fit.residualP90Millicores - 20) < 1e-9);
  assert.ok(Math.abs(fit.residualP95Millicores - 20) < 1e-9);
  // r² = explained / total = Σ(3·dx)² / (Σ(3·dx)² + n·20²) over the 40 samples.
  const dx2 = 2 * exact.load.reduce((s, x) => s + (x - 105) ** 2, 0);
  assert.ok(Math.abs(fit.r2 - (9 * dx2) / (9 * dx2 + 40 * 400)) < 1e-12);
});

test('fitLoadCpu: skips pairs with a non-finite or negative member', () => {
  const load = [...exact.load, Number.NaN, 5, -1];
  const cpu = [...exact.cpuMillicores, 100, Number.POSITIVE_INFINITY, 10];
  assert.equal(fitLoadCpu(load, cpu).samples, 20);
});

const fitErrors = [
  { name: 'fewer than 10 pairs', input: { load: [1, 2, 3], cpu: [10, 20, 30] }, want: 'not-enough-data' },
  {
    name: 'no spread in load',
    input: { load: new Array(12).fill(5), cpu: new Array(12).fill(100) },
    want: 'not-enough-data',
  },
  {
    name: 'CPU falling with load',
    input: { load: exact.load, cpu: exact.load.map((x) => 1000 - x) },
    want: 'not-enough-data',
  },
  { name: 'lengths differ', input: { load: [1, 2], cpu: [1] }, want: 'invalid-input' },
];
for (const row of fitErrors) {
  test(`fitLoadCpu rejects: ${row.name}`, () => {
    assert.throws(
      () => fitLoadCpu(row.input.load, row.input.cpu),
      (error: unknown) =>
        error instanceof PrescaleError &&
        error.code === row.want &&
        error.field === 'workload.usage' &&
        error.message.startsWith('workload.usage: '),
    );
  });
}

const base: CapacityInput = {
  perPod: null,
  targetUtilizationPercent: 70,
  cpuRequestMillicores: 500,
  loadIsCpuCores: false,
  history: null,
};
const resolveRows: { name: string; input: Partial<CapacityInput>; want: { loadPerPod: number; source: string } }[] = [
  { name: 'given wins', input: { perPod: 120, history: exact }, want: { loadPerPod: 120, source: 'given' } },
  {
    name: 'load in cores: 500m × 70% = 0.35 cores',
    input: { loadIsCpuCores: true },
    want: { loadPerPod: 0.35, source: 'cpu-request' },
  },
  {
    name: 'learned from an exact line: (350 − 50) / 3 = 100',
    input: { history: exact },
    want: { loadPerPod: 100, source: 'learned' },
  },
  {
    name: 'learned with noise keeps the P90 residual free: (350 − 50 − 20) / 3',
    input: { history: noisy },
    want: { loadPerPod: 280 / 3, source: 'learned' },
  },
];
for (const row of resolveRows) {
  test(`resolveCapacity: ${row.name}`, () => {
    const model = resolveCapacity({ ...base, ...row.input });
    assert.ok(Math.abs(model.loadPerPod - row.want.loadPerPod) < 1e-9, String(model.loadPerPod));
    assert.equal(model.source, row.want.source);
  });
}

test('resolveCapacity: the fit is reported even when the capacity is given', () => {
  assert.notEqual(resolveCapacity({ ...base, perPod: 120, history: exact }).fit, null);
});

test('resolveCapacity: a history is fitted once per pair of arrays; new arrays are fitted anew', () => {
  const first = resolveCapacity({ ...base, history: exact });
  assert.equal(resolveCapacity({ ...base, history: { ...exact } }).fit, first.fit, 'same arrays: the kept fit');
  const steeper = { load: [...exact.load], cpuMillicores: exact.load.map((x) => 50 + 6 * x) };
  assert.ok(Math.abs(resolveCapacity({ ...base, history: steeper }).loadPerPod - 50) < 1e-9, '(350 − 50) / 6');
  const tooFew = { load: [1, 2], cpuMillicores: [10, 20] };
  for (let i = 0; i < 2; i++) {
    assert.throws(
      () => resolveCapacity({ ...base, history: tooFew }),
      (error: unknown) => error instanceof PrescaleError && error.code === 'not-enough-data',
    );
  }
});

const resolveErrors: { name: string; input: Partial<CapacityInput>; want: { code: string; field: string } }[] = [
  { name: 'nothing to derive it from', input: {}, want: { code: 'invalid-input', field: 'capacity.perPod' } },
  {
    name: 'learning without a CPU request',
    input: { history: exact, cpuRequestMillicores: null },
    want: { code: 'invalid-input', field: 'workload.resources.cpuRequest' },
  },
  {
    name: 'a request too small to serve any load at target (70% of 60m < 50m idle + 0)',
    input: { history: exact, cpuRequestMillicores: 60 },
    want: { code: 'invalid-input', field: 'workload.resources.cpuRequest' },
  },
  {
    name: 'learning from too little history',
    input: { history: { load: [1, 2], cpuMillicores: [3, 4] } },
    want: { code: 'not-enough-data', field: 'workload.usage' },
  },
];
for (const row of resolveErrors) {
  test(`resolveCapacity rejects: ${row.name}`, () => {
    assert.throws(
      () => resolveCapacity({ ...base, ...row.input }),
      (error: unknown) =>
        error instanceof PrescaleError && error.code === row.want.code && error.field === row.want.field,
    );
  });
}
