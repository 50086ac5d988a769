/**
 * Properties of the resource (vertical) plan over random usage: the VPA minimums and the order of bounds and
 * limits hold, every number is finite, and applying the recommended requests leaves the replica plan unchanged.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { badNumber, testPolicy } from '../testing/planner-fixtures.js';
import { resolveCapacity } from './capacity.js';
import { initialPlannerState } from './horizontal.js';
import { plan } from './plan.js';
import { planResources, VPA_DEFAULTS } from './vertical.js';

const MI = 1024 * 1024;
const usageArb = fc.record({
  cpuMillicores: fc.array(fc.double({ min: 0, max: 5000, noNaN: true }), { maxLength: 60 }),
  memoryBytes: fc.array(fc.double({ min: 0, max: 16 * 1024 * MI, noNaN: true }), { maxLength: 60 }),
  oom: fc.array(fc.double({ min: 0, max: 16 * 1024 * MI, noNaN: true }), { maxLength: 3 }),
  cpuRequest: fc.option(fc.integer({ min: 1, max: 4000 }), { nil: null }),
  cpuLimitFactor: fc.option(fc.double({ min: 1, max: 4, noNaN: true }), { nil: null }),
  memoryRequest: fc.option(
    fc.integer({ min: 1, max: 8192 }).map((m) => m * MI),
    { nil: null },
  ),
  memoryLimitFactor: fc.option(fc.double({ min: 1, max: 4, noNaN: true }), { nil: null }),
  perPod: fc.double({ min: 0.1, max: 1000, noNaN: true }),
});

test('property: requests never below the VPA minimums; bounds ordered; limits ≥ requests; all finite', () => {
  fc.assert(
    fc.property(usageArb, (u) => {
      const resources = planResources({
        usage: { cpuMillicores: u.cpuMillicores, memoryBytes: u.memoryBytes, load: null },
        oomMemoryBytes: u.oom,
        current: {
          cpuRequestMillicores: u.cpuRequest,
          cpuLimitMillicores:
            u.cpuRequest !== null && u.cpuLimitFactor !== null ? u.cpuRequest * u.cpuLimitFactor : null,
          memoryRequestBytes: u.memoryRequest,
          memoryLimitBytes:
            u.memoryRequest !== null && u.memoryLimitFactor !== null ? u.memoryRequest * u.memoryLimitFactor : null,
        },
        capacity: {
          loadPerPod: u.perPod,
          source: 'given',
          targetUtilizationPercent: 70,
          cpuRequestMillicores: u.cpuRequest,
          fit: null,
        },
      });
      const { cpu, memory } = resources;
      for (const [request, lower, upper, limit, min] of [
        [
          cpu.requestMillicores,
          cpu.lowerBoundMillicores,
          cpu.upperBoundMillicores,
          cpu.limitMillicores,
          VPA_DEFAULTS.minCpuMillicores,
        ],
        [
          memory.requestBytes,
          memory.lowerBoundBytes,
          memory.upperBoundBytes,
          memory.limitBytes,
          VPA_DEFAULTS.minMemoryBytes,
        ],
      ] as const) {
        assert.ok(request >= min && lower >= min && upper >= min);
        assert.ok(lower <= request && request <= upper);
        if (limit !== null) assert.ok(limit >= request);
      }
      assert.equal(badNumber(resources), null, `resources${badNumber(resources)}`);
    }),
    { numRuns: 500 },
  );
});

test('property: requests and replicas never fight: applying the recommendation leaves the replica plan unchanged', () => {
  // Per-pod CPU = a + b × load + noise; the capacity is learned at the current request, the vertical plan
  // recommends that request back, and planning with `resources.apply` gives the same replicas.
  const arb = fc.record({
    intercept: fc.double({ min: 0, max: 200, noNaN: true }),
    slope: fc.double({ min: 0.5, max: 20, noNaN: true }),
    noise: fc.array(fc.double({ min: -30, max: 30, noNaN: true }), { minLength: 12, maxLength: 60 }),
    request: fc.integer({ min: 100, max: 4000 }),
    forecastLoad: fc.double({ min: 0, max: 5000, noNaN: true }),
  });
  fc.assert(
    fc.property(arb, ({ intercept, slope, noise, request, forecastLoad }) => {
      const load = noise.map((_, i) => 1 + i * 5);
      const cpuMillicores = load.map((x, i) => Math.max(0, intercept + slope * x + noise[i]));
      let capacity: ReturnType<typeof resolveCapacity>;
      try {
        capacity = resolveCapacity({
          perPod: null,
          targetUtilizationPercent: 70,
          cpuRequestMillicores: request,
          loadIsCpuCores: false,
          history: { load, cpuMillicores },
        });
      } catch {
        return; // a request too small for the idle CPU, or data too flat: rejected, not planned
      }
      const resources = planResources({
        usage: { cpuMillicores, memoryBytes: [], load },
        oomMemoryBytes: [],
        current: {
          cpuRequestMillicores: request,
          cpuLimitMillicores: null,
          memoryRequestBytes: null,
          memoryLimitBytes: null,
        },
        capacity,
      });
      assert.equal(resources.cpu.requestMillicores, Math.max(VPA_DEFAULTS.minCpuMillicores, request));
      assert.equal(resources.loadPerPodAtRecommendation, capacity.loadPerPod);
      const common = {
        nowSeconds: 1000,
        policy: testPolicy({ maxReplicas: 1000 }),
        capacity: { perPod: null, loadIsCpuCores: false },
        workload: {
          resources: {
            cpuRequestMillicores: request,
            cpuLimitMillicores: null,
            memoryRequestBytes: null,
            memoryLimitBytes: null,
          },
          costPerPodHour: null,
          usage: { cpuMillicores, memoryBytes: [], load },
          oomMemoryBytes: [],
        },
        current: { replicas: 10, readyReplicas: 10, utilizationPercent: null, load: null },
        forecast: { startSeconds: 990, stepSeconds: 60, point: Float64Array.of(forecastLoad, forecastLoad) },
        forecastErrorPercent: null,
        state: initialPlannerState,
      };
      const recommendOnly = plan({ ...common, resources: { recommend: true, apply: false } });
      const applied = plan({ ...common, resources: { recommend: true, apply: true } });
      assert.equal(applied.decision.predictiveReplicas, recommendOnly.decision.predictiveReplicas);
      assert.equal(applied.decision.desiredReplicas, recommendOnly.decision.desiredReplicas);
    }),
    { numRuns: 300 },
  );
});
