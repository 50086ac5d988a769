/**
 * Random planner scenarios for the property tests: policies, pods, forecasts and steps (fast-check arbitraries),
 * a runner that feeds each decision's state to the next, and the HPA's limits recomputed from the decisions' own
 * log, independently of the planner's memory.
 */
import fc from 'fast-check';
import type { Forecast } from '../core/index.js';
import { initialPlannerState } from '../planner/horizontal.js';
import type {
  PlannerPolicy,
  PlannerState,
  PodProfile,
  ReplicaDecision,
  ScalingRules,
  TimedValue,
} from '../planner/types.js';
import { decide, testPolicy } from './planner-fixtures.js';

/** null three times out of four: budgets bind in some scenarios, not in most. */
const rarely = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: arb, weight: 1 });

const scalingRules = (direction: 'up' | 'down'): fc.Arbitrary<ScalingRules> =>
  fc.record({
    stabilizationWindowSeconds: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 600 })),
    maxPodsPerPeriod: fc.option(fc.integer({ min: 1, max: 10 }), { nil: null }),
    maxPercentPerPeriod: fc.option(fc.integer({ min: 10, max: direction === 'up' ? 300 : 100 }), { nil: null }),
    periodSeconds: fc.integer({ min: 15, max: 120 }),
  });

const policyArb: fc.Arbitrary<PlannerPolicy> = fc
  .record({
    minReplicas: fc.integer({ min: 0, max: 5 }),
    span: fc.integer({ min: 0, max: 25 }),
    mode: fc.constantFrom('Auto' as const, 'Auto' as const, 'ForecastOnly' as const),
    quantile: fc.double({ min: 0.5, max: 0.99, noNaN: true }),
    headroomPercent: fc.integer({ min: 0, max: 50 }),
    podStartupSeconds: fc.integer({ min: 0, max: 180 }),
    scaleUp: scalingRules('up'),
    scaleDown: scalingRules('down'),
    reactiveFloor: fc.boolean(),
    tolerance: fc.double({ min: 0, max: 0.2, noNaN: true }),
    maxCores: rarely(fc.double({ min: 0.5, max: 40, noNaN: true })),
    maxCostPerHour: rarely(fc.double({ min: 0.1, max: 20, noNaN: true })),
    sloMaxLoadPerPod: fc.option(fc.double({ min: 10, max: 200, noNaN: true }), { nil: null }),
    targetUtilizationPercent: fc.integer({ min: 30, max: 90 }),
    maxErrorPercent: fc.integer({ min: 10, max: 50 }),
    staleAfterSeconds: fc.integer({ min: 60, max: 600 }),
    recoverAfterSeconds: fc.integer({ min: 0, max: 300 }),
  })
  .map((p) =>
    testPolicy({
      minReplicas: p.minReplicas,
      maxReplicas: Math.max(1, p.minReplicas + p.span),
      mode: p.mode,
      quantile: p.quantile,
      headroomPercent: p.headroomPercent,
      podStartupSeconds: p.podStartupSeconds,
      scaleUp: p.scaleUp,
      scaleDown: p.scaleDown,
      reactiveFloor: p.reactiveFloor,
      tolerance: p.tolerance,
      budget: { maxCores: p.maxCores, maxCostPerHour: p.maxCostPerHour },
      sloMaxLoadPerPod: p.sloMaxLoadPerPod,
      targetUtilizationPercent: p.targetUtilizationPercent,
      fallback: {
        maxErrorPercent: p.maxErrorPercent,
        recoverBelowPercent: 0.8 * p.maxErrorPercent,
        staleAfterSeconds: p.staleAfterSeconds,
        recoverAfterSeconds: p.recoverAfterSeconds,
      },
    }),
  );

const podArb: fc.Arbitrary<PodProfile> = fc.record({
  loadPerPod: fc.double({ min: 1, max: 500, noNaN: true }),
  cpuRequestMillicores: fc.option(fc.integer({ min: 50, max: 2000 }), { nil: null }),
  costPerHour: fc.option(fc.double({ min: 0.01, max: 2, noNaN: true }), { nil: null }),
});

/** A forecast relative to the decision time: its age, step, points and interval spread. */
export interface ForecastSpec {
  readonly ageSeconds: number;
  readonly stepSeconds: number;
  readonly point: number[];
  readonly spread: number[] | null;
  readonly level: number;
}
const forecastSpecArb: fc.Arbitrary<ForecastSpec | null> = fc.option(
  fc
    .record({
      // Mostly fresh and long enough; sometimes stale or too short, to exercise fallback and recovery.
      ageSeconds: fc.oneof(
        { arbitrary: fc.integer({ min: 0, max: 60 }), weight: 5 },
        { arbitrary: fc.integer({ min: 0, max: 700 }), weight: 1 },
      ),
      stepSeconds: fc.constantFrom(30, 60, 300),
      point: fc.oneof(
        {
          arbitrary: fc.array(fc.double({ min: -50, max: 5000, noNaN: true }), { minLength: 12, maxLength: 40 }),
          weight: 5,
        },
        {
          arbitrary: fc.array(fc.double({ min: -50, max: 5000, noNaN: true }), { minLength: 1, maxLength: 40 }),
          weight: 1,
        },
      ),
      spread: fc.option(fc.array(fc.double({ min: -50, max: 1000, noNaN: true }), { minLength: 40, maxLength: 40 }), {
        nil: null,
      }),
      level: fc.double({ min: 0.5, max: 0.95, noNaN: true }),
    })
    .map((f) => ({ ...f, spread: f.spread?.slice(0, f.point.length) ?? null })),
  { nil: null, freq: 20 },
);

export function forecastAt(spec: ForecastSpec | null, nowSeconds: number, scale = 1, shift = 0): Forecast | null {
  if (spec === null) return null;
  const point = Float64Array.from(spec.point, (p) => p * scale + shift);
  return {
    startSeconds: nowSeconds - spec.ageSeconds,
    stepSeconds: spec.stepSeconds,
    point,
    intervals:
      spec.spread === null
        ? undefined
        : {
            level: spec.level,
            lower: Float64Array.from(point, (p, i) => p - Math.abs((spec.spread as number[])[i]) * scale),
            upper: Float64Array.from(point, (p, i) => p + (spec.spread as number[])[i] * scale),
          },
  };
}

export interface StepSpec {
  readonly dtSeconds: number;
  /** Someone else changed the replicas before this decision (null: the previous decision was applied). */
  readonly externalReplicas: number | null;
  readonly notReady: number;
  readonly utilizationPercent: number | null;
  readonly load: number | null;
  readonly forecast: ForecastSpec | null;
  readonly errorPercent: number | null;
}
const stepArb: fc.Arbitrary<StepSpec> = fc.record({
  dtSeconds: fc.oneof(fc.constant(15), fc.integer({ min: 1, max: 400 })),
  externalReplicas: fc.oneof(
    { arbitrary: fc.constant(null), weight: 10 },
    { arbitrary: fc.integer({ min: 0, max: 30 }), weight: 1 },
  ),
  notReady: fc.integer({ min: 0, max: 3 }),
  utilizationPercent: fc.option(fc.double({ min: 0, max: 300, noNaN: true }), { nil: null }),
  load: fc.option(fc.double({ min: 0, max: 10_000, noNaN: true }), { nil: null }),
  forecast: forecastSpecArb,
  errorPercent: fc.option(
    fc.oneof(
      { arbitrary: fc.double({ min: 0, max: 30, noNaN: true }), weight: 12 },
      { arbitrary: fc.double({ min: 0, max: 80, noNaN: true }), weight: 1 },
    ),
    { nil: null },
  ),
});

export const scenarioArb = fc.record({
  policy: policyArb,
  pod: podArb,
  initialReplicas: fc.integer({ min: 0, max: 15 }),
  steps: fc.array(stepArb, { minLength: 3, maxLength: 30, size: 'max' }),
});
export type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** The budget cap the way a person computes it: the most pods whose cores and cost fit. */
export function budgetCap(policy: PlannerPolicy, pod: PodProfile): number | null {
  const caps: number[] = [];
  if (policy.budget.maxCores !== null && pod.cpuRequestMillicores !== null) {
    caps.push(Math.floor((policy.budget.maxCores * 1000) / pod.cpuRequestMillicores + 1e-9));
  }
  if (policy.budget.maxCostPerHour !== null && pod.costPerHour !== null) {
    caps.push(Math.floor(policy.budget.maxCostPerHour / pod.costPerHour + 1e-9));
  }
  return caps.length === 0 ? null : Math.min(...caps);
}

const sumAfter = (log: TimedValue[], cutoff: number) =>
  log.reduce((sum, e) => (e.timestampSeconds > cutoff ? sum + e.value : sum), 0);

/** Highest replicas the scale-up rules allow from `current` now (HPA selectPolicy Max), from the test's own log. */
export function upLimit(
  current: number,
  up: TimedValue[],
  down: TimedValue[],
  now: number,
  rules: ScalingRules,
): number {
  if (rules.maxPodsPerPeriod === null && rules.maxPercentPerPeriod === null) return Number.POSITIVE_INFINITY;
  const start = current - sumAfter(up, now - rules.periodSeconds) + sumAfter(down, now - rules.periodSeconds);
  const byPods = rules.maxPodsPerPeriod === null ? Number.NEGATIVE_INFINITY : start + rules.maxPodsPerPeriod;
  const byPercent =
    rules.maxPercentPerPeriod === null
      ? Number.NEGATIVE_INFINITY
      : Math.ceil(start * (1 + rules.maxPercentPerPeriod / 100));
  return Math.max(current, byPods, byPercent);
}

/** Lowest replicas the scale-down rules allow from `current` now (the HPA truncates, as Go's int32 conversion). */
export function downLimit(
  current: number,
  up: TimedValue[],
  down: TimedValue[],
  now: number,
  rules: ScalingRules,
): number {
  if (rules.maxPodsPerPeriod === null && rules.maxPercentPerPeriod === null) return Number.NEGATIVE_INFINITY;
  const start = current - sumAfter(up, now - rules.periodSeconds) + sumAfter(down, now - rules.periodSeconds);
  const byPods = rules.maxPodsPerPeriod === null ? Number.POSITIVE_INFINITY : start - rules.maxPodsPerPeriod;
  const byPercent =
    rules.maxPercentPerPeriod === null
      ? Number.POSITIVE_INFINITY
      : Math.trunc(start * (1 - rules.maxPercentPerPeriod / 100));
  return Math.min(current, byPods, byPercent);
}

/** What the test checks after each decision of a sequence. */
export type Check = (
  ctx: {
    decision: ReplicaDecision;
    state: PlannerState;
    current: number;
    now: number;
    up: TimedValue[];
    down: TimedValue[];
    memory: TimedValue[];
    normalPath: boolean;
  },
  scenario: Scenario,
) => void;

/**
 * Runs a scenario: each decision's state is fed to the next. In Auto mode its replicas are applied; in
 * ForecastOnly mode something else (a reactive HPA) runs the target, so replicas follow the reactive value.
 */
export function runScenario(scenario: Scenario, check: Check): void {
  const { policy, pod } = scenario;
  const cap = budgetCap(policy, pod);
  const upper = cap === null ? policy.maxReplicas : Math.max(policy.minReplicas, Math.min(policy.maxReplicas, cap));
  let state = initialPlannerState;
  let current = scenario.initialReplicas;
  let now = 1_000_000;
  const up: TimedValue[] = [];
  const down: TimedValue[] = [];
  const memory: TimedValue[] = [];
  for (const step of scenario.steps) {
    now += step.dtSeconds;
    if (step.externalReplicas !== null) current = step.externalReplicas;
    const input = {
      policy,
      pod,
      current: {
        replicas: current,
        readyReplicas: Math.max(0, current - step.notReady),
        utilizationPercent: step.utilizationPercent,
        load: step.load,
      },
      forecast: forecastAt(step.forecast, now),
      forecastErrorPercent: step.errorPercent,
      sources: null,
    };
    const out = decide(input, state, now);
    const normalPath = current >= policy.minReplicas && current <= upper;
    // The HPA's memory: the first reconcile remembers current, then every raw recommendation on the normal path.
    if (normalPath && memory.length === 0) memory.push({ timestampSeconds: now, value: current });
    const memoryNow = normalPath
      ? [...memory, { timestampSeconds: now, value: out.decision.recommendedReplicas }]
      : memory;
    check(
      { decision: out.decision, state: out.state, current, now, up, down, memory: memoryNow, normalPath },
      scenario,
    );
    if (normalPath) memory.push({ timestampSeconds: now, value: out.decision.recommendedReplicas });
    if (policy.mode === 'Auto') {
      const desired = out.decision.desiredReplicas;
      if (desired > current) up.push({ timestampSeconds: now, value: desired - current });
      if (desired < current) down.push({ timestampSeconds: now, value: current - desired });
      current = desired;
    } else if (out.decision.reactiveReplicas !== null) {
      current = Math.max(policy.minReplicas, Math.min(policy.maxReplicas, out.decision.reactiveReplicas));
    }
    state = out.state;
  }
}
