/**
 * The HPA's `autoscaling/v2` spec as JSON or YAML gives it: the zod schema with API-server defaulting and
 * validation. Quantities become milli-units and times seconds here, once; inside, only parsed types travel.
 * `hpa-step.ts` builds the `prescale hpa-step` contract on it; the simulator config reads HPAs with it.
 */
import { z } from 'zod';
import { describeValue, rule } from '../core/issues.js';
import { DEFAULT_METRICS, DEFAULT_SCALE_DOWN_RULES, DEFAULT_SCALE_UP_RULES } from '../hpa/defaults.js';
import type {
  AverageValueTarget,
  HpaBehavior,
  HpaSpec,
  MetricSpec,
  ScalingRules,
  UtilizationTarget,
  ValueTarget,
} from '../hpa/types.js';
import { isQuantityProblem, parseQuantity } from './quantity.js';

// ---- scalar pieces -------------------------------------------------------------------------------

/** A Quantity given as a string ("500m", "2Gi") or a JSON number, parsed to its exact milli-value. */
export const quantityMilli = z.unknown().transform((raw, ctx): number => {
  if (typeof raw !== 'string' && typeof raw !== 'number') {
    ctx.addIssue({
      code: 'custom',
      message: `expected a quantity, got ${describeValue(raw)}; write e.g. "500m", "2" or "256Mi"`,
    });
    return z.NEVER;
  }
  const parsed = parseQuantity(String(raw));
  if (isQuantityProblem(parsed)) {
    ctx.addIssue({ code: 'custom', message: parsed.problem });
    return z.NEVER;
  }
  return parsed.milli;
});

/** Targets must be positive (API validation "must be positive"). */
const positiveQuantityMilli = quantityMilli.refine((milli) => milli > 0, {
  message: 'must be greater than 0; give a positive quantity such as "100m" or "30"',
});

/** `tolerance` is read with `AsApproximateFloat64`, not as a milli-value. */
const toleranceQuantity = z.unknown().transform((raw, ctx): number => {
  const parsed = typeof raw === 'string' || typeof raw === 'number' ? parseQuantity(String(raw)) : null;
  if (parsed === null || isQuantityProblem(parsed)) {
    ctx.addIssue({
      code: 'custom',
      message: `${describeValue(raw)} is not a tolerance; give a quantity ≥ 0 such as "0.05" (5 %)`,
    });
    return z.NEVER;
  }
  return parsed.approximate;
});

export const seconds = z.number().finite();

export const replicaCount = z.number().int().min(0);

// ---- metrics -------------------------------------------------------------------------------------

type TargetType = 'Utilization' | 'AverageValue' | 'Value';
const TARGET_FIELD: Readonly<Record<TargetType, 'averageUtilization' | 'averageValue' | 'value'>> = {
  Utilization: 'averageUtilization',
  AverageValue: 'averageValue',
  Value: 'value',
};

/** `MetricTarget` restricted to the types a source accepts; exactly the field of its type must be set. */
function targetSchema<T extends TargetType>(allowed: readonly T[], source: string) {
  return z
    .strictObject({
      type: z.string().refine((type) => (allowed as readonly string[]).includes(type), {
        error: (issue) =>
          `${JSON.stringify(issue.input)} is not a target type for ${source} metrics; use ${allowed.join(' or ')}`,
      }),
      averageUtilization: z.number().int().min(1).optional(),
      averageValue: positiveQuantityMilli.optional(),
      value: positiveQuantityMilli.optional(),
    })
    .transform((target, ctx) => {
      const type = target.type as T;
      const wanted = TARGET_FIELD[type];
      let complete = true;
      for (const field of Object.values(TARGET_FIELD)) {
        const present = target[field] !== undefined;
        if (field === wanted && !present) {
          ctx.addIssue({ code: 'custom', path: [field], message: `is required when type is ${type}; add it` });
          complete = false;
        } else if (field !== wanted && present) {
          ctx.addIssue({
            code: 'custom',
            path: [field],
            message: `is set but type is ${type}; remove it or set type to the matching target type`,
          });
          complete = false;
        }
      }
      if (!complete) return z.NEVER;
      if (type === 'Utilization') return { type, averageUtilization: target.averageUtilization! } as UtilizationTarget;
      if (type === 'AverageValue') return { type, averageValueMilli: target.averageValue! } as AverageValueTarget;
      return { type: 'Value', valueMilli: target.value! } as ValueTarget;
    });
}

const labelSelector = z.strictObject({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z
    .array(z.strictObject({ key: z.string(), operator: z.string(), values: z.array(z.string()).optional() }))
    .optional(),
});

const metricIdentifier = z
  .strictObject({ name: z.string().min(1), selector: labelSelector.optional() })
  .transform((metric) => ({ name: metric.name, selector: metric.selector ?? null }));

const resourceMetric = z.strictObject({
  type: z.literal('Resource'),
  resource: z.strictObject({
    name: z.enum(['cpu', 'memory']),
    target: targetSchema(['Utilization', 'AverageValue'], 'Resource'),
  }),
});

const podsMetric = z.strictObject({
  type: z.literal('Pods'),
  pods: z.strictObject({ metric: metricIdentifier, target: targetSchema(['AverageValue'], 'Pods') }),
});

const objectMetric = z.strictObject({
  type: z.literal('Object'),
  object: z
    .strictObject({
      describedObject: z
        .strictObject({ apiVersion: z.string().optional(), kind: z.string().min(1), name: z.string().min(1) })
        .optional(),
      metric: metricIdentifier,
      target: targetSchema(['Value', 'AverageValue'], 'Object'),
    })
    .transform((object) => ({ ...object, describedObject: object.describedObject ?? null })),
});

const externalMetric = z.strictObject({
  type: z.literal('External'),
  external: z.strictObject({ metric: metricIdentifier, target: targetSchema(['Value', 'AverageValue'], 'External') }),
});

const containerResourceMetric = z
  .strictObject({ type: z.literal('ContainerResource'), containerResource: z.unknown() })
  .superRefine((_metric, ctx) => {
    ctx.addIssue({
      code: 'custom',
      path: ['type'],
      message: 'ContainerResource metrics are not emulated; use a Resource metric (the pod total)',
    });
  });

/** The source types offered in messages: `ContainerResource` parses only to be refused with its own reason. */
const EMULATED_SOURCES = ['Resource', 'Pods', 'Object', 'External'];

const metricSpec = z
  .discriminatedUnion('type', [resourceMetric, podsMetric, objectMetric, externalMetric, containerResourceMetric], {
    // Other issues (not an object) fall through to the shared message map.
    error: (issue) => {
      if (issue.code !== 'invalid_union' || issue.note !== 'No matching discriminator') return undefined;
      const type = (issue.input as { type?: unknown }).type;
      const problem = type === undefined ? 'required' : `${describeValue(type)} is not a metric source type`;
      return `${problem}; use ${EMULATED_SOURCES.join(', ')}`;
    },
  })
  .transform((metric) => metric as MetricSpec);

// ---- behavior ------------------------------------------------------------------------------------

const scalingPolicy = z.strictObject({
  type: z.enum(['Pods', 'Percent']),
  value: z.number().int().min(1),
  periodSeconds: z.number().int().min(1).max(1800),
});

const scalingRules = z.strictObject({
  stabilizationWindowSeconds: z.number().int().min(0).max(3600).optional(),
  selectPolicy: z.enum(['Max', 'Min', 'Disabled']).optional(),
  policies: z
    .array(scalingPolicy)
    .min(1, { message: 'must specify at least one policy; add one or leave policies out for the defaults' })
    .optional(),
  tolerance: toleranceQuantity.optional(),
});

type RulesInput = z.output<typeof scalingRules>;

/** API-server defaulting: field by field over the direction's defaults; a given `policies` list replaces them. */
function withDefaults<R extends ScalingRules>(given: RulesInput | undefined, defaults: R): R {
  if (given === undefined) return defaults;
  return {
    ...defaults,
    ...(given.stabilizationWindowSeconds !== undefined && {
      stabilizationWindowSeconds: given.stabilizationWindowSeconds,
    }),
    ...(given.selectPolicy !== undefined && { selectPolicy: given.selectPolicy }),
    ...(given.policies !== undefined && { policies: given.policies }),
    ...(given.tolerance !== undefined && { tolerance: given.tolerance }),
  };
}

const behavior = z.strictObject({ scaleUp: scalingRules.optional(), scaleDown: scalingRules.optional() }).transform(
  (given): HpaBehavior => ({
    scaleUp: withDefaults(given.scaleUp, DEFAULT_SCALE_UP_RULES),
    scaleDown: withDefaults(given.scaleDown, DEFAULT_SCALE_DOWN_RULES),
  }),
);

// ---- HPA spec ------------------------------------------------------------------------------------

/**
 * `HorizontalPodAutoscalerSpec` as written in a manifest, validated and defaulted like the API server
 * does (`minReplicas` 1, CPU 80 % when `metrics` is empty, behavior rules filled only when behavior is set).
 */
export const hpaSpecSchema = z
  .strictObject({
    scaleTargetRef: z
      .strictObject({ apiVersion: z.string().optional(), kind: z.string(), name: z.string() })
      .optional(),
    minReplicas: z
      .number()
      .int()
      .min(1, { message: 'must be at least 1 (scale to zero, HPAScaleToZero, is not emulated); set minReplicas ≥ 1' })
      .default(1),
    maxReplicas: z.number().int().min(1),
    metrics: z.array(metricSpec).optional(),
    behavior: behavior.nullable().optional(),
  })
  .check(
    rule<{ minReplicas: number; maxReplicas: number }>([['minReplicas'], ['maxReplicas']], (spec, report) => {
      if (spec.minReplicas > spec.maxReplicas) {
        report(
          ['minReplicas'],
          `${spec.minReplicas} is above maxReplicas (${spec.maxReplicas}); lower minReplicas or raise maxReplicas`,
        );
      }
    }),
  )
  .transform(
    (spec): HpaSpec => ({
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      metrics: spec.metrics === undefined || spec.metrics.length === 0 ? DEFAULT_METRICS : spec.metrics,
      behavior: spec.behavior ?? null,
    }),
  );
