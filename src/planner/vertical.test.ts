import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readTraceCsv, sharedDataPath } from '../testing/trace-csv.js';
import { type CapacityModel, fitLoadCpu, resolveCapacity } from './capacity.js';
import { type PodResources, planResources, type ResourcePlanInput, VPA_DEFAULTS } from './vertical.js';

const MI = 1024 * 1024;
const noResources: PodResources = {
  cpuRequestMillicores: null,
  cpuLimitMillicores: null,
  memoryRequestBytes: null,
  memoryLimitBytes: null,
};
const givenCapacity: CapacityModel = {
  loadPerPod: 120,
  source: 'given',
  targetUtilizationPercent: 70,
  cpuRequestMillicores: 500,
  fit: null,
};
const inputOf = (parts: Partial<ResourcePlanInput>): ResourcePlanInput => ({
  usage: null,
  oomMemoryBytes: [],
  current: noResources,
  capacity: givenCapacity,
  ...parts,
});
/** 100, 200, …, n × 100, in `unit`s. */
const ramp = (n: number, unit: number) => Array.from({ length: n }, (_, i) => (i + 1) * 100 * unit);

test('memory: P90 × 1.15 target, P50 and P95 × 1.15 bounds (nearest rank), whole MiB', () => {
  const plan = planResources(inputOf({ usage: { cpuMillicores: [], memoryBytes: ramp(20, MI), load: null } }));
  // 20 samples: P90 = 18th = 1800Mi, P50 = 10th = 1000Mi, P95 = 19th = 1900Mi.
  assert.equal(plan.memory.requestBytes, Math.ceil(1800 * 1.15) * MI);
  assert.equal(plan.memory.lowerBoundBytes, Math.ceil(1000 * 1.15) * MI);
  assert.equal(plan.memory.upperBoundBytes, Math.ceil(1900 * 1.15) * MI);
  assert.equal(plan.memory.basis, 'usage');
  assert.equal(plan.memory.oomBumped, false);
});

test('memory: an OOM kill at 3000Mi bumps the request to 1.2 × 3000Mi, above the usage percentile', () => {
  const plan = planResources(
    inputOf({ usage: { cpuMillicores: [], memoryBytes: ramp(20, MI), load: null }, oomMemoryBytes: [3000 * MI] }),
  );
  assert.equal(plan.memory.requestBytes, 3600 * MI);
  assert.equal(plan.memory.oomBumped, true);
  assert.ok(plan.memory.upperBoundBytes >= plan.memory.requestBytes);
  assert.ok(plan.reason.includes('bumped after an OOM kill'), plan.reason);
});

test('memory: a small OOM kill is bumped by at least 100Mi (max(1.2 × 300Mi, 300Mi + 100Mi) = 400Mi)', () => {
  const usage = { cpuMillicores: [], memoryBytes: ramp(20, MI / 10), load: null }; // 10Mi … 200Mi
  const plan = planResources(inputOf({ usage, oomMemoryBytes: [300 * MI] }));
  assert.equal(plan.memory.requestBytes, 400 * MI);
  assert.equal(plan.memory.oomBumped, true);
});

test('cpu without a load pairing: the VPA P90 × 1.15; capacity scales with the request change', () => {
  const plan = planResources(inputOf({ usage: { cpuMillicores: ramp(10, 1), memoryBytes: [], load: null } }));
  assert.equal(plan.cpu.requestMillicores, 1035); // P90 = 9th = 900m
  assert.equal(plan.cpu.lowerBoundMillicores, 575); // P50 = 5th = 500m
  assert.equal(plan.cpu.upperBoundMillicores, 1150); // P95 = 10th = 1000m
  assert.equal(plan.cpu.basis, 'usage');
  assert.ok(Math.abs(plan.loadPerPodAtRecommendation - (120 * 1035) / 500) < 1e-9);
});

test('cpu with a load→CPU fit: the request where a pod at its capacity runs at target, capacity unchanged', () => {
  const load = Array.from({ length: 20 }, (_, i) => 10 * (i + 1));
  const fit = fitLoadCpu(
    load,
    load.map((x) => 50 + 3 * x),
  );
  const plan = planResources(inputOf({ capacity: { ...givenCapacity, fit } }));
  // (50 + 3 × 120 + 0) / 0.7 = 585.7 → 586m; a pod still serves 120.
  assert.equal(plan.cpu.requestMillicores, 586);
  assert.equal(plan.cpu.basis, 'capacity');
  assert.equal(plan.loadPerPodAtRecommendation, 120);
});

test('cpu and replicas agree: a capacity learned at a request recommends that same request back', () => {
  const load = Array.from({ length: 40 }, (_, i) => 5 * (i + 1));
  const cpu = load.map((x, i) => 40 + 2.5 * x + ((i * 37) % 23) - 11);
  const capacity = resolveCapacity({
    perPod: null,
    targetUtilizationPercent: 70,
    cpuRequestMillicores: 800,
    loadIsCpuCores: false,
    history: { load, cpuMillicores: cpu },
  });
  const plan = planResources(inputOf({ capacity }));
  assert.equal(plan.cpu.requestMillicores, 800);
  assert.equal(plan.loadPerPodAtRecommendation, capacity.loadPerPod);
});

test('no samples: the current requests are kept; nothing at all: the VPA minimums', () => {
  const kept = planResources(
    inputOf({ current: { ...noResources, cpuRequestMillicores: 300, memoryRequestBytes: 512 * MI } }),
  );
  assert.deepEqual(
    [kept.cpu.requestMillicores, kept.cpu.basis, kept.memory.requestBytes, kept.memory.basis],
    [300, 'current', 512 * MI, 'current'],
  );
  const minimum = planResources(inputOf({}));
  assert.deepEqual(
    [minimum.cpu.requestMillicores, minimum.memory.requestBytes, minimum.cpu.basis],
    [VPA_DEFAULTS.minCpuMillicores, VPA_DEFAULTS.minMemoryBytes, 'minimum'],
  );
});

test('tiny usage never goes below the VPA minimums (25m, 250Mi)', () => {
  const plan = planResources(inputOf({ usage: { cpuMillicores: [1, 2, 3], memoryBytes: [MI, 2 * MI], load: null } }));
  assert.equal(plan.cpu.requestMillicores, 25);
  assert.equal(plan.cpu.lowerBoundMillicores, 25);
  assert.equal(plan.memory.requestBytes, 250 * MI);
  assert.equal(plan.memory.lowerBoundBytes, 250 * MI);
});

test('limits keep the current limit/request ratio; without a limit: memory limit = request, no CPU limit', () => {
  const usage = { cpuMillicores: ramp(10, 1), memoryBytes: ramp(20, MI), load: null };
  const withLimits = planResources(
    inputOf({
      usage,
      current: {
        cpuRequestMillicores: 500,
        cpuLimitMillicores: 1000,
        memoryRequestBytes: 512 * MI,
        memoryLimitBytes: 1024 * MI,
      },
    }),
  );
  assert.equal(withLimits.cpu.limitMillicores, 2 * 1035);
  assert.equal(withLimits.memory.limitBytes, 2 * withLimits.memory.requestBytes);
  assert.deepEqual(withLimits.status, {
    cpuRequest: '1035m',
    cpuLimit: '2070m',
    memoryRequest: '2070Mi',
    memoryLimit: '4140Mi',
  });
  const withoutLimits = planResources(inputOf({ usage }));
  assert.equal(withoutLimits.cpu.limitMillicores, null);
  assert.equal(withoutLimits.memory.limitBytes, withoutLimits.memory.requestBytes);
});

test('real data (Alibaba 2018, 10 s machine usage as one pod of 2 cores and 8Gi): VPA arithmetic by hand', () => {
  const cpuPercent = readTraceCsv(sharedDataPath('alibaba2018/alibaba2018_cpu_util_10s_days3-8.csv')).values;
  const memPercent = readTraceCsv(sharedDataPath('alibaba2018/alibaba2018_mem_util_10s_days3-8.csv')).values;
  const cpuMillicores = Array.from(cpuPercent, (p) => p * 20); // % of 2000m
  const memoryBytes = Array.from(memPercent, (p) => (p / 100) * 8192 * MI);
  const plan = planResources(inputOf({ usage: { cpuMillicores, memoryBytes, load: null } }));
  const rank = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.ceil(p * values.length) - 1];
  assert.equal(plan.cpu.requestMillicores, Math.ceil(rank(cpuMillicores, 0.9) * 1.15));
  assert.equal(plan.cpu.lowerBoundMillicores, Math.ceil(rank(cpuMillicores, 0.5) * 1.15));
  assert.equal(plan.memory.requestBytes, Math.ceil((rank(memoryBytes, 0.9) * 1.15) / MI) * MI);
  // The trace's CPU runs 18–80% of 2 cores (mean 39%): the request lands between the mean and the peak.
  assert.ok(
    plan.cpu.requestMillicores > 0.39 * 2000 && plan.cpu.requestMillicores < 0.8 * 2000 * 1.15,
    String(plan.cpu.requestMillicores),
  );
  assert.ok(
    plan.cpu.lowerBoundMillicores <= plan.cpu.requestMillicores &&
      plan.cpu.requestMillicores <= plan.cpu.upperBoundMillicores,
  );
  assert.ok(
    plan.memory.lowerBoundBytes <= plan.memory.requestBytes && plan.memory.requestBytes <= plan.memory.upperBoundBytes,
  );
});
