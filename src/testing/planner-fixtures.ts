import type { Forecast } from '../core/index.js';
import { planReplicas, planSchedule } from '../planner/horizontal.js';
import { type ReplicaRequest, trustedReplicaInput } from '../planner/plan.js';
import { DEFAULT_PLANNER_SCALE_DOWN, DEFAULT_PLANNER_SCALE_UP } from '../planner/ramp.js';
import type { CurrentState, PlannerPolicy, PlannerState, PodProfile, ScalingRules } from '../planner/types.js';

/**
 * Shared fixtures of the planner's tests and benchmark: the `PredictiveAutoscaler` defaults in parsed form
 * (the same values `src/config/plan-request.ts` fills in), and small builders.
 */

/** The HPA's default scale-up rules: 4 pods or 100% per 15 s, no stabilization. */
export const defaultScaleUp: ScalingRules = DEFAULT_PLANNER_SCALE_UP;

/** The HPA's default scale-down rules: 100% per 15 s, 300 s stabilization. */
export const defaultScaleDown: ScalingRules = DEFAULT_PLANNER_SCALE_DOWN;

/** The default policy with a forecast step of 60 s (staleAfter 180 s), changed by `overrides`. */
export function testPolicy(overrides: Partial<PlannerPolicy> = {}): PlannerPolicy {
  return {
    minReplicas: 1,
    maxReplicas: 10,
    mode: 'Auto',
    quantile: 0.8,
    headroomPercent: 10,
    uncertainty: 'Model',
    seasonalEnvelope: 'None',
    podStartupSeconds: 60,
    scaleUp: defaultScaleUp,
    scaleDown: defaultScaleDown,
    reactiveFloor: true,
    tolerance: 0.1,
    budget: { maxCores: null, maxCostPerHour: null },
    sloMaxLoadPerPod: null,
    targetUtilizationPercent: 70,
    fallback: { maxErrorPercent: 35, recoverBelowPercent: 28, staleAfterSeconds: 180, recoverAfterSeconds: 120 },
    syncPeriodSeconds: 15,
    ...overrides,
  };
}

/** A forecast from `startSeconds` with the given points and, optionally, upper bounds of an interval at `level`. */
export function forecastOf(
  startSeconds: number,
  stepSeconds: number,
  point: number[],
  upper?: number[],
  level = 0.8,
): Forecast {
  return {
    startSeconds,
    stepSeconds,
    point: Float64Array.from(point),
    intervals:
      upper === undefined
        ? undefined
        : { level, lower: Float64Array.from(point, (p, i) => 2 * p - upper[i]), upper: Float64Array.from(upper) },
  };
}

/** The current state with ready = spec replicas. */
export function currentOf(
  replicas: number,
  utilizationPercent: number | null,
  load: number | null = null,
): CurrentState {
  return { replicas, readyReplicas: replicas, utilizationPercent, load };
}

/** A pod serving 100 load units at target, 500m CPU request, no cost. */
export const testPod: PodProfile = { loadPerPod: 100, cpuRequestMillicores: 500, costPerHour: null };

/** A whole replica request (the forecast as given, before the fallback verdict) from its parts. */
export function inputOf(parts: Partial<ReplicaRequest> & Pick<ReplicaRequest, 'current'>): ReplicaRequest {
  return {
    policy: testPolicy(),
    pod: testPod,
    forecast: null,
    forecastErrorPercent: null,
    sources: null,
    ...parts,
  };
}

/** The decision as `plan` makes it: the fallback verdict, then `planReplicas` on the trusted forecast. */
export function decide(request: ReplicaRequest, state: PlannerState, nowSeconds: number) {
  const trusted = trustedReplicaInput(request, state, nowSeconds);
  return planReplicas(trusted.input, trusted.state, nowSeconds);
}

/** The schedule as `plan` makes it. */
export function schedule(request: ReplicaRequest, state: PlannerState, nowSeconds: number) {
  const trusted = trustedReplicaInput(request, state, nowSeconds);
  return planSchedule(trusted.input, trusted.state, nowSeconds);
}

/** Every number in `value` (deeply) is finite and ≥ 0. Returns the path of the first that is not. */
export function badNumber(value: unknown, path = ''): string | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 && !Object.is(value, -0) ? null : path;
  if (value instanceof Float64Array) return badNumber(Array.from(value), path);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = badNumber(value[i], `${path}[${i}]`);
      if (bad !== null) return bad;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const bad = badNumber(inner, `${path}.${key}`);
      if (bad !== null) return bad;
    }
  }
  return null;
}
