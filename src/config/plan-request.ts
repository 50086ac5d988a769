import { z } from 'zod';
import { PrescaleError } from '../core/index.js';
import type { PlanInput } from '../planner/plan.js';
import type { PlannerPolicy, PlannerState, ScalingRules } from '../planner/types.js';
import { forecastSchema } from './forecast.js';
import { describeValue, dottedPath, durationSeconds } from './issues.js';
import { quantitySchema } from './quantity.js';

/**
 * Defaults of the planning policy, written as a user writes them (field names and duration strings of the
 * `PredictiveAutoscaler` resource), so `prescale config --print-defaults` can print them. Defaults computed
 * from other fields are noted beside them: `fallback.staleAfter` = 3 × the forecast step (90s without a
 * forecast), `fallback.recoverBelow` = 0.8 × `fallback.maxError`. A direction of `planner.scaleUp/scaleDown`
 * that sets either rate field replaces both rate defaults of that direction (as an HPA `policies` list does).
 */
export const PLAN_POLICY_DEFAULTS = {
  minReplicas: 1,
  maxReplicas: 10,
  mode: 'Auto',
  prediction: { quantile: 0.8 },
  capacity: { targetUtilization: 70 },
  planner: {
    headroomPercent: 10,
    podStartup: '60s',
    scaleUp: { stabilizationWindow: '0s', maxPodsPerPeriod: 4, maxPercentPerPeriod: 100, period: '15s' },
    scaleDown: { stabilizationWindow: '300s', maxPercentPerPeriod: 100, period: '15s' },
    reactiveFloor: true,
    tolerance: 0.1,
    syncPeriod: '15s',
  },
  fallback: { maxError: 35, recoverAfter: '2m' },
  resources: { recommend: true, apply: false },
} as const;

/** Staleness limit when there is no forecast step to take three of. */
const DEFAULT_STALE_AFTER_SECONDS = 90;
/** `recoverBelow` default as a fraction of `maxError`. */
const RECOVER_BELOW_FRACTION = 0.8;

// zod 4 numbers are finite already (NaN and ±Infinity rejected).
const finite = z.number();
const nonNegative = finite.min(0);
const percent = (max: number) => finite.min(0).max(max);

const scalingRulesSchema = (defaults: { readonly stabilizationWindow: string; readonly period: string }) =>
  z.strictObject({
    stabilizationWindow: durationSeconds(0, 3600).prefault(defaults.stabilizationWindow),
    maxPodsPerPeriod: z.number().int().min(1).optional(),
    maxPercentPerPeriod: finite.gt(0).optional(),
    period: durationSeconds(1, 1800).prefault(defaults.period),
  });

/** Fills a direction's rate pair from its defaults only when the user set neither (HPA `policies` semantics). */
function toScalingRules(
  rules: { stabilizationWindow: number; maxPodsPerPeriod?: number; maxPercentPerPeriod?: number; period: number },
  defaults: { readonly maxPodsPerPeriod?: number; readonly maxPercentPerPeriod?: number },
): ScalingRules {
  const userSetRate = rules.maxPodsPerPeriod !== undefined || rules.maxPercentPerPeriod !== undefined;
  return {
    stabilizationWindowSeconds: rules.stabilizationWindow,
    maxPodsPerPeriod: (userSetRate ? rules.maxPodsPerPeriod : defaults.maxPodsPerPeriod) ?? null,
    maxPercentPerPeriod: (userSetRate ? rules.maxPercentPerPeriod : defaults.maxPercentPerPeriod) ?? null,
    periodSeconds: rules.period,
  };
}

const D = PLAN_POLICY_DEFAULTS;

const policySchema = z.strictObject({
  minReplicas: z.number().int().min(0).default(D.minReplicas),
  maxReplicas: z.number().int().min(1).default(D.maxReplicas),
  mode: z.enum(['Auto', 'ForecastOnly']).default(D.mode),
  prediction: z.strictObject({ quantile: finite.min(0.5).max(0.99).default(D.prediction.quantile) }).prefault({}),
  capacity: z
    .strictObject({
      perPod: finite.gt(0).optional(),
      targetUtilization: finite.gt(0).max(100).default(D.capacity.targetUtilization),
    })
    .prefault({}),
  planner: z
    .strictObject({
      headroomPercent: percent(1000).default(D.planner.headroomPercent),
      podStartup: durationSeconds(0, 3600).prefault(D.planner.podStartup),
      scaleUp: scalingRulesSchema(D.planner.scaleUp).prefault({}),
      scaleDown: scalingRulesSchema(D.planner.scaleDown).prefault({}),
      reactiveFloor: z.boolean().default(D.planner.reactiveFloor),
      tolerance: finite.min(0).lt(1).default(D.planner.tolerance),
      budget: z
        .strictObject({ maxCores: finite.gt(0).optional(), maxCostPerHour: finite.gt(0).optional() })
        .prefault({}),
      slo: z.strictObject({ maxLoadPerPod: finite.gt(0).optional() }).prefault({}),
      syncPeriod: durationSeconds(1, 3600).prefault(D.planner.syncPeriod),
    })
    .prefault({}),
  fallback: z
    .strictObject({
      maxError: finite.gt(0).default(D.fallback.maxError),
      recoverBelow: finite.min(0).optional(),
      staleAfter: durationSeconds(0, 86_400).optional(),
      recoverAfter: durationSeconds(0, 86_400).prefault(D.fallback.recoverAfter),
    })
    .prefault({}),
  resources: z
    .strictObject({
      recommend: z.boolean().default(D.resources.recommend),
      apply: z.boolean().default(D.resources.apply),
    })
    .prefault({}),
});

const numberArray = z.array(finite);

const timedValues = z.array(z.strictObject({ timestampSeconds: finite, value: nonNegative }));

const stateSchema = z.strictObject({
  recommendations: timedValues.default([]),
  scaleUpEvents: timedValues.default([]),
  scaleDownEvents: timedValues.default([]),
  lastScaleSeconds: finite.nullable().default(null),
  fallback: z
    .strictObject({
      active: z.boolean(),
      cause: z.enum(['missing', 'stale', 'too-short', 'non-finite', 'error']).nullable(),
      healthySinceSeconds: finite.nullable(),
    })
    .default({ active: false, cause: null, healthySinceSeconds: null }),
});

const requestSchema = z
  .strictObject({
    nowSeconds: finite,
    forecast: forecastSchema.nullable().default(null),
    current: z.strictObject({
      replicas: z.number().int().min(0),
      readyReplicas: z.number().int().min(0).optional(),
      utilizationPercent: nonNegative.optional(),
      load: nonNegative.optional(),
    }),
    workload: z
      .strictObject({
        resources: z
          .strictObject({
            cpuRequest: quantitySchema('milli').optional(),
            cpuLimit: quantitySchema('milli').optional(),
            memoryRequest: quantitySchema('one').optional(),
            memoryLimit: quantitySchema('one').optional(),
          })
          .prefault({}),
        costPerPodHour: finite.gt(0).optional(),
        loadIsCpuCores: z.boolean().default(false),
        usage: z
          .strictObject({
            cpuMillicores: numberArray.default([]),
            memoryBytes: numberArray.default([]),
            load: numberArray.optional(),
          })
          .optional(),
        oomMemoryBytes: numberArray.default([]),
      })
      .prefault({}),
    policy: policySchema.prefault({}),
    state: stateSchema.optional(),
  })
  .superRefine((r, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const p = r.policy;
    if (p.minReplicas > p.maxReplicas) {
      issue(
        ['policy', 'minReplicas'],
        `${p.minReplicas} is above policy.maxReplicas (${p.maxReplicas}); lower minReplicas or raise maxReplicas`,
      );
    }
    const intervals = r.forecast?.intervals;
    if (r.forecast && intervals) {
      for (const side of ['lower', 'upper'] as const) {
        if (intervals[side].length !== r.forecast.point.length) {
          issue(
            ['forecast', 'intervals', side],
            `has ${intervals[side].length} values but forecast.point has ${r.forecast.point.length}; give one bound per point`,
          );
        }
      }
    }
    if (r.current.utilizationPercent === undefined && r.current.load === undefined) {
      issue(
        ['current'],
        'neither utilizationPercent nor load is given; give at least one so the reactive recommendation can be computed',
      );
    }
    if (p.planner.budget.maxCores !== undefined && r.workload.resources.cpuRequest === undefined) {
      issue(
        ['workload', 'resources', 'cpuRequest'],
        'required by policy.planner.budget.maxCores; give the pod CPU request (e.g. 500m) or drop maxCores',
      );
    }
    if (p.planner.budget.maxCostPerHour !== undefined && r.workload.costPerPodHour === undefined) {
      issue(
        ['workload', 'costPerPodHour'],
        'required by policy.planner.budget.maxCostPerHour; give the cost of one pod per hour or drop maxCostPerHour',
      );
    }
    if (p.fallback.recoverBelow !== undefined && p.fallback.recoverBelow > p.fallback.maxError) {
      issue(
        ['policy', 'fallback', 'recoverBelow'],
        `${p.fallback.recoverBelow} is above policy.fallback.maxError (${p.fallback.maxError}); recovery needs an error at or below maxError`,
      );
    }
    const usage = r.workload.usage;
    if (usage?.load !== undefined && usage.load.length !== usage.cpuMillicores.length) {
      issue(
        ['workload', 'usage', 'load'],
        `has ${usage.load.length} samples but cpuMillicores has ${usage.cpuMillicores.length}; pair each load with one CPU sample`,
      );
    }
    const canDeriveCapacity =
      p.capacity.perPod !== undefined ||
      (r.workload.loadIsCpuCores && r.workload.resources.cpuRequest !== undefined) ||
      usage?.load !== undefined;
    if (!canDeriveCapacity) {
      issue(
        ['policy', 'capacity', 'perPod'],
        'not given and cannot be derived; set it (load one pod serves at the target utilization), or give workload.usage.load with cpuMillicores to learn it, or set workload.loadIsCpuCores with a cpuRequest',
      );
    }
  })
  .transform((r): PlanInput => {
    const p = r.policy;
    const forecast = r.forecast;
    const policy: PlannerPolicy = {
      minReplicas: p.minReplicas,
      maxReplicas: p.maxReplicas,
      mode: p.mode,
      quantile: p.prediction.quantile,
      headroomPercent: p.planner.headroomPercent,
      podStartupSeconds: p.planner.podStartup,
      scaleUp: toScalingRules(p.planner.scaleUp, D.planner.scaleUp),
      scaleDown: toScalingRules(p.planner.scaleDown, D.planner.scaleDown),
      reactiveFloor: p.planner.reactiveFloor,
      tolerance: p.planner.tolerance,
      budget: { maxCores: p.planner.budget.maxCores ?? null, maxCostPerHour: p.planner.budget.maxCostPerHour ?? null },
      sloMaxLoadPerPod: p.planner.slo.maxLoadPerPod ?? null,
      targetUtilizationPercent: p.capacity.targetUtilization,
      fallback: {
        maxErrorPercent: p.fallback.maxError,
        recoverBelowPercent: p.fallback.recoverBelow ?? RECOVER_BELOW_FRACTION * p.fallback.maxError,
        staleAfterSeconds: p.fallback.staleAfter ?? (forecast ? 3 * forecast.step : DEFAULT_STALE_AFTER_SECONDS),
        recoverAfterSeconds: p.fallback.recoverAfter,
      },
      syncPeriodSeconds: p.planner.syncPeriod,
    };
    const resources = r.workload.resources;
    const usage = r.workload.usage;
    const state: PlannerState = r.state ?? {
      recommendations: [],
      scaleUpEvents: [],
      scaleDownEvents: [],
      lastScaleSeconds: null,
      fallback: { active: false, cause: null, healthySinceSeconds: null },
    };
    return {
      nowSeconds: r.nowSeconds,
      policy,
      capacity: { perPod: p.capacity.perPod ?? null, loadIsCpuCores: r.workload.loadIsCpuCores },
      resources: { recommend: p.resources.recommend, apply: p.resources.apply },
      workload: {
        resources: {
          cpuRequestMillicores: resources.cpuRequest ?? null,
          cpuLimitMillicores: resources.cpuLimit ?? null,
          memoryRequestBytes: resources.memoryRequest ?? null,
          memoryLimitBytes: resources.memoryLimit ?? null,
        },
        costPerPodHour: r.workload.costPerPodHour ?? null,
        usage:
          usage === undefined
            ? null
            : { cpuMillicores: usage.cpuMillicores, memoryBytes: usage.memoryBytes, load: usage.load ?? null },
        oomMemoryBytes: r.workload.oomMemoryBytes,
      },
      current: {
        replicas: r.current.replicas,
        readyReplicas: r.current.readyReplicas ?? r.current.replicas,
        utilizationPercent: r.current.utilizationPercent ?? null,
        load: r.current.load ?? null,
      },
      forecast:
        forecast === null
          ? null
          : {
              startSeconds: forecast.startSeconds,
              stepSeconds: forecast.step,
              point: Float64Array.from(forecast.point),
              intervals:
                forecast.intervals === undefined
                  ? undefined
                  : {
                      level: forecast.intervals.level,
                      lower: Float64Array.from(forecast.intervals.lower),
                      upper: Float64Array.from(forecast.intervals.upper),
                    },
            },
      forecastErrorPercent: forecast?.recentErrorPercent ?? null,
      state,
    };
  });

/** The request as a user writes it (durations and quantities as strings), for documentation and tests. */
export type PlanRequestJson = z.input<typeof requestSchema>;

/** One problem with a request: where (dotted path, `[i]` for array items) and `<problem>; <fix>`. */
export interface PlanRequestIssue {
  readonly path: string;
  readonly message: string;
}

/** `safeParsePlanRequest`'s answer: the parsed input, or every issue found. */
export type PlanRequestParse =
  | { readonly success: true; readonly data: PlanInput }
  | { readonly success: false; readonly issues: readonly PlanRequestIssue[] };

/** Parses a `prescale plan` request without throwing, collecting every issue (not only the first). */
export function safeParsePlanRequest(json: unknown): PlanRequestParse {
  const result = requestSchema.safeParse(json, { error: problemAndFix });
  if (result.success) return { success: true, data: result.data };
  const issues: PlanRequestIssue[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({ path: dottedPath([...issue.path, key]), message: issue.message });
      }
    } else {
      issues.push({ path: dottedPath(issue.path), message: issue.message });
    }
  }
  return { success: false, issues };
}

/**
 * Parses a `prescale plan` request; throws `invalid-input` whose message lists every issue as
 * `<dotted.path>: <problem>; <fix>`, one per line, and whose `field` is the first issue's path.
 */
export function parsePlanRequest(json: unknown): PlanInput {
  const result = safeParsePlanRequest(json);
  if (result.success) return result.data;
  const message = result.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n');
  throw new PrescaleError('invalid-input', message, { field: result.issues[0]?.path });
}

/** zod's issues in Prescale's words: every message says what is wrong and how to fix it. */
function problemAndFix(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return `required; give a ${issue.expected}`;
      const expected = issue.expected === 'int' ? 'whole number' : issue.expected;
      return `expected a ${expected}, got ${describeValue(issue.input)}; give a ${expected}`;
    }
    case 'too_small':
      if (issue.origin === 'array') {
        return `has ${(issue.input as unknown[]).length} items; give at least ${issue.minimum}`;
      }
      return issue.inclusive
        ? `${describeValue(issue.input)} is below the minimum ${issue.minimum}; use a value ≥ ${issue.minimum}`
        : `${describeValue(issue.input)} must be above ${issue.minimum}; use a value > ${issue.minimum}`;
    case 'too_big':
      return issue.inclusive
        ? `${describeValue(issue.input)} is above the maximum ${issue.maximum}; use a value ≤ ${issue.maximum}`
        : `${describeValue(issue.input)} must be below ${issue.maximum}; use a value < ${issue.maximum}`;
    case 'invalid_value':
      return `${describeValue(issue.input)} is not one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}; use one of them`;
    case 'unrecognized_keys': {
      const shape = (issue.inst as { shape?: Record<string, unknown> } | undefined)?.shape;
      const known = shape ? `; known fields here: ${Object.keys(shape).join(', ')}` : '';
      return `unknown field; remove it or fix its spelling${known}`;
    }
    default:
      return undefined;
  }
}
