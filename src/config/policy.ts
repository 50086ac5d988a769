import { z } from 'zod';
import { rule } from '../core/issues.js';
import { DEFAULT_PLANNER_SCALE_DOWN, DEFAULT_PLANNER_SCALE_UP } from '../planner/ramp.js';
import type { PlannerPolicy, ScalingRules } from '../planner/types.js';
import { durationSeconds } from './duration.js';

/**
 * The planning policy: the fields of a `PredictiveAutoscaler` spec the planner reads (replica bounds, mode,
 * quantile, capacity, planner.*, fallback.*, resources). One schema, composed by the `prescale plan` request
 * (`policy`), the resource's `spec` (and so the service config and the simulator), with its rules and defaults
 * written once here.
 */

/** Parsed ramp rules as a user writes them (`0s`, `15s`; a rate field without a value is left out). */
function asWrittenRules(rules: ScalingRules) {
  return {
    stabilizationWindow: `${rules.stabilizationWindowSeconds}s`,
    ...(rules.maxPodsPerPeriod === null ? {} : { maxPodsPerPeriod: rules.maxPodsPerPeriod }),
    ...(rules.maxPercentPerPeriod === null ? {} : { maxPercentPerPeriod: rules.maxPercentPerPeriod }),
    period: `${rules.periodSeconds}s`,
  };
}

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
  // Chosen on the validation weeks before each test week, on four traces (docs/simulator.md, "Issue 14"): the
  // quantile sizes for the forecast's measured spread, which fixed headroom paid for on smooth load too.
  prediction: { quantile: 0.9 },
  capacity: { targetUtilization: 70 },
  planner: {
    headroomPercent: 0,
    uncertainty: 'Model',
    // Chosen on the validation weeks (docs/simulator.md, "Issue 14, second session"): it covers NYC taxi's recurring
    // morning step at no cost on NASA and Wikipedia; RecentErrors did not beat the model's interval there.
    seasonalEnvelope: 'Daily',
    podStartup: '60s',
    scaleUp: asWrittenRules(DEFAULT_PLANNER_SCALE_UP),
    scaleDown: asWrittenRules(DEFAULT_PLANNER_SCALE_DOWN),
    reactiveFloor: true,
    tolerance: 0.1,
    syncPeriod: '15s',
  },
  fallback: { maxError: 35, recoverAfter: '2m' },
  resources: { recommend: true, apply: false },
} as const;

/** `recoverBelow` default as a fraction of `maxError`. */
const RECOVER_BELOW_FRACTION = 0.8;

const D = PLAN_POLICY_DEFAULTS;

// zod 4 numbers are finite already (NaN and ±Infinity rejected).
const finite = z.number();

const scalingRulesSchema = (defaults: { readonly stabilizationWindow: string; readonly period: string }) =>
  z.strictObject({
    stabilizationWindow: durationSeconds(0, 3600).prefault(defaults.stabilizationWindow),
    maxPodsPerPeriod: z.number().int().min(1).optional(),
    maxPercentPerPeriod: finite.gt(0).optional(),
    period: durationSeconds(1, 1800).prefault(defaults.period),
  });

/** `prediction.quantile`: plan on this upper quantile of the forecast. */
export const quantileSchema = finite.min(0.5).max(0.99).default(D.prediction.quantile);

/**
 * The policy fields as a zod shape, spread into the object that holds them (the request's `policy`, the
 * resource's `spec`); `prediction.quantile` sits in a `prediction` block that differs between the two.
 */
export const policyShape = {
  minReplicas: z.number().int().min(0).default(D.minReplicas),
  maxReplicas: z.number().int().min(1).default(D.maxReplicas),
  mode: z.enum(['Auto', 'ForecastOnly']).default(D.mode),
  capacity: z
    .strictObject({
      perPod: finite.gt(0).optional(),
      targetUtilization: finite.gt(0).max(100).default(D.capacity.targetUtilization),
    })
    .prefault({}),
  planner: z
    .strictObject({
      headroomPercent: finite.min(0).max(1000).default(D.planner.headroomPercent),
      uncertainty: z.enum(['Model', 'RecentErrors']).default(D.planner.uncertainty),
      seasonalEnvelope: z.enum(['None', 'Daily']).default(D.planner.seasonalEnvelope),
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
};

/** The policy fields once parsed (durations in seconds), wherever they sit. */
export type PolicyFields = { [K in keyof typeof policyShape]: z.output<(typeof policyShape)[K]> };

/**
 * The policy's cross-field rules, for the `.check()` of the object holding the policy fields; `holder` names
 * that object in messages (`policy`, `spec`).
 */
export function policyRules(holder: string) {
  return [
    rule<PolicyFields>([['minReplicas'], ['maxReplicas']], (p, report) => {
      if (p.minReplicas > p.maxReplicas) {
        report(
          ['minReplicas'],
          `${p.minReplicas} is above ${holder}.maxReplicas (${p.maxReplicas}); lower minReplicas or raise maxReplicas`,
        );
      }
    }),
    rule<PolicyFields>([['fallback']], (p, report) => {
      const { recoverBelow, maxError } = p.fallback;
      if (recoverBelow !== undefined && recoverBelow > maxError) {
        report(
          ['fallback', 'recoverBelow'],
          `${recoverBelow} is above ${holder}.fallback.maxError (${maxError}); recovery needs an error at or below maxError`,
        );
      }
    }),
  ];
}

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

/**
 * The parsed policy fields as the planner reads them. `staleAfterSeconds` is the default of
 * `fallback.staleAfter`, which depends on the holder (3 × the forecast step or 3 × `metric.step`).
 */
export function toPlannerPolicy(p: PolicyFields, quantile: number, staleAfterSeconds: number): PlannerPolicy {
  return {
    minReplicas: p.minReplicas,
    maxReplicas: p.maxReplicas,
    mode: p.mode,
    quantile,
    headroomPercent: p.planner.headroomPercent,
    uncertainty: p.planner.uncertainty,
    seasonalEnvelope: p.planner.seasonalEnvelope,
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
      staleAfterSeconds: p.fallback.staleAfter ?? staleAfterSeconds,
      recoverAfterSeconds: p.fallback.recoverAfter,
    },
    syncPeriodSeconds: p.planner.syncPeriod,
  };
}
