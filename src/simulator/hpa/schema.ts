/**
 * The `prescale hpa-step` JSON contract (spec/hpa-step.md): the zod schema of the input, with
 * `autoscaling/v2` field names, API-server defaulting and validation, and the output mapping.
 * Quantities become milli-units and times seconds here, once; inside, only parsed types travel.
 */
import { z } from 'zod';
import { describeValue, dottedPath } from '../../config/issues.js';
import { formatMilli, isQuantityProblem, parseQuantity } from '../../config/quantity.js';
import { PrescaleError } from '../../core/index.js';
import {
  DEFAULT_CONTROLLER_CONFIG,
  DEFAULT_METRICS,
  DEFAULT_SCALE_DOWN_RULES,
  DEFAULT_SCALE_UP_RULES,
} from './defaults.js';
import type {
  AverageValueTarget,
  HpaBehavior,
  HpaControllerConfig,
  HpaControllerState,
  HpaObservation,
  HpaReconcileResult,
  HpaSpec,
  MetricCurrent,
  MetricSpec,
  PodSnapshot,
  ScalingRules,
  UtilizationTarget,
  ValueTarget,
} from './types.js';

// ---- scalar pieces -------------------------------------------------------------------------------

/** A Quantity given as a string ("500m", "2Gi") or a JSON number, parsed to its exact milli-value. */
const quantityMilli = z.unknown().transform((raw, ctx): number => {
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

const seconds = z.number().finite();

/** Cross-field rules run even when a sibling field failed, so one pass reports every problem. */
const EVEN_WITH_OTHER_ISSUES = { when: () => true };
const replicaCount = z.number().int().min(0);

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

const metricSpec = z
  .discriminatedUnion('type', [resourceMetric, podsMetric, objectMetric, externalMetric, containerResourceMetric])
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
  .superRefine((spec, ctx) => {
    const { minReplicas, maxReplicas } = spec as { minReplicas: unknown; maxReplicas: unknown };
    if (typeof minReplicas === 'number' && typeof maxReplicas === 'number' && minReplicas > maxReplicas) {
      ctx.addIssue({
        code: 'custom',
        path: ['minReplicas'],
        message: `${minReplicas} is above maxReplicas (${maxReplicas}); lower minReplicas or raise maxReplicas`,
      });
    }
  }, EVEN_WITH_OTHER_ISSUES)
  .transform(
    (spec): HpaSpec => ({
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      metrics: spec.metrics === undefined || spec.metrics.length === 0 ? DEFAULT_METRICS : spec.metrics,
      behavior: spec.behavior ?? null,
    }),
  );

// ---- pods, state, controller ---------------------------------------------------------------------

const resourceSample = z.strictObject({
  value: quantityMilli,
  timestamp: seconds.optional(),
  window: z.number().finite().positive().optional(),
});

const pod = z
  .strictObject({
    name: z.string().min(1),
    phase: z.enum(['Pending', 'Running', 'Succeeded', 'Failed']),
    ready: z.boolean(),
    deleting: z.boolean().default(false),
    startTime: seconds.nullable().optional(),
    readyTransitionTime: seconds.nullable().optional(),
    requests: z.strictObject({ cpu: quantityMilli.optional(), memory: quantityMilli.optional() }).default({}),
    metrics: z.strictObject({ cpu: resourceSample.optional(), memory: resourceSample.optional() }).default({}),
  })
  .superRefine((parsed, ctx) => {
    const given = parsed as { ready?: unknown; readyTransitionTime?: unknown; metrics?: { cpu?: unknown } };
    if (given.ready === true && (given.readyTransitionTime === undefined || given.readyTransitionTime === null)) {
      ctx.addIssue({
        code: 'custom',
        path: ['readyTransitionTime'],
        message: 'is required when ready is true; give the time the Ready condition last changed (seconds)',
      });
    }
    const cpu = given.metrics?.cpu;
    for (const field of ['timestamp', 'window'] as const) {
      if (typeof cpu === 'object' && cpu !== null && (cpu as Record<string, unknown>)[field] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['metrics', 'cpu', field],
          message: `is required for cpu samples (the readiness test reads it); add the sample's ${field} in seconds`,
        });
      }
    }
  }, EVEN_WITH_OTHER_ISSUES)
  .transform(
    (given): PodSnapshot => ({
      name: given.name,
      phase: given.phase,
      ready: given.ready,
      deleting: given.deleting,
      startTimeSeconds: given.startTime ?? null,
      readyTransitionTimeSeconds: given.readyTransitionTime ?? null,
      requestsMilli: {
        ...(given.requests.cpu !== undefined && { cpu: given.requests.cpu }),
        ...(given.requests.memory !== undefined && { memory: given.requests.memory }),
      },
      metrics: {
        ...(given.metrics.cpu !== undefined && {
          cpu: {
            valueMilli: given.metrics.cpu.value,
            timestampSeconds: given.metrics.cpu.timestamp!,
            windowSeconds: given.metrics.cpu.window!,
          },
        }),
        ...(given.metrics.memory !== undefined && {
          memory: {
            valueMilli: given.metrics.memory.value,
            timestampSeconds: given.metrics.memory.timestamp ?? 0,
            windowSeconds: given.metrics.memory.window ?? 0,
          },
        }),
      },
    }),
  );

const pods = z
  .array(pod)
  .default([])
  .superRefine((list, ctx) => {
    if (!Array.isArray(list)) return;
    const seen = new Map<string, number>();
    list.forEach((entry: { name?: unknown }, index) => {
      if (typeof entry?.name !== 'string') return;
      const first = seen.get(entry.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `${JSON.stringify(entry.name)} repeats pods[${first}].name; give every pod a unique name`,
        });
      } else seen.set(entry.name, index);
    });
  }, EVEN_WITH_OTHER_ISSUES);

const recommendation = z
  .strictObject({ timestamp: seconds, replicas: replicaCount })
  .transform((record) => ({ timestampSeconds: record.timestamp, replicas: record.replicas }));

const scaleEvent = z
  .strictObject({ timestamp: seconds, replicaChange: replicaCount, outdated: z.boolean().default(false) })
  .transform((event) => ({
    timestampSeconds: event.timestamp,
    replicaChange: event.replicaChange,
    outdated: event.outdated,
  }));

const controllerState = z.strictObject({
  recommendations: z.array(recommendation).default([]),
  scaleUpEvents: z.array(scaleEvent).default([]),
  scaleDownEvents: z.array(scaleEvent).default([]),
});

/** kube-controller-manager flags in seconds, each defaulted as in §1.1. */
export const controllerConfigSchema = z
  .strictObject({
    tolerance: z.number().finite().min(0).default(DEFAULT_CONTROLLER_CONFIG.tolerance),
    cpuInitializationPeriod: seconds.min(0).default(DEFAULT_CONTROLLER_CONFIG.cpuInitializationPeriodSeconds),
    initialReadinessDelay: seconds.min(0).default(DEFAULT_CONTROLLER_CONFIG.initialReadinessDelaySeconds),
    downscaleStabilizationWindow: seconds.min(0).default(DEFAULT_CONTROLLER_CONFIG.downscaleStabilizationWindowSeconds),
  })
  .transform(
    (flags): HpaControllerConfig => ({
      tolerance: flags.tolerance,
      cpuInitializationPeriodSeconds: flags.cpuInitializationPeriod,
      initialReadinessDelaySeconds: flags.initialReadinessDelay,
      downscaleStabilizationWindowSeconds: flags.downscaleStabilizationWindow,
    }),
  );

// ---- the whole request ---------------------------------------------------------------------------

/** A parsed `hpa-step` request: the reconcile's three arguments. */
export interface HpaStepRequest {
  readonly nowSeconds: number;
  readonly observation: HpaObservation;
  readonly state: HpaControllerState;
}

/** The `prescale hpa-step` input object (spec/hpa-step.md), parsed into a reconcile's arguments. */
export const hpaStepInputSchema = z
  .strictObject({
    now: seconds,
    hpa: hpaSpecSchema,
    scale: z.strictObject({ specReplicas: replicaCount, statusReplicas: replicaCount }),
    pods,
    podsMetrics: z.record(z.string(), z.record(z.string(), quantityMilli)).default({}),
    objectMetrics: z.record(z.string(), quantityMilli).default({}),
    externalMetrics: z.record(z.string(), quantityMilli).default({}),
    state: controllerState.default({ recommendations: [], scaleUpEvents: [], scaleDownEvents: [] }),
    controller: controllerConfigSchema.default(DEFAULT_CONTROLLER_CONFIG),
  })
  .superRefine((input, ctx) => {
    for (const list of ['recommendations', 'scaleUpEvents', 'scaleDownEvents'] as const) {
      input.state[list].forEach((record, index) => {
        if (record.timestampSeconds > input.now) {
          ctx.addIssue({
            code: 'custom',
            path: ['state', list, index, 'timestamp'],
            message: `${record.timestampSeconds} is after now (${input.now}); feed state into a later reconcile`,
          });
        }
      });
    }
  })
  .transform(
    (input): HpaStepRequest => ({
      nowSeconds: input.now,
      observation: {
        hpa: input.hpa,
        scale: input.scale,
        pods: input.pods,
        podsMetrics: input.podsMetrics,
        objectMetrics: input.objectMetrics,
        externalMetrics: input.externalMetrics,
        controller: input.controller,
      },
      state: input.state,
    }),
  );

// ---- errors --------------------------------------------------------------------------------------

/** One input problem: the dotted path of the field and "<problem>; <fix>". */
export interface HpaInputIssue {
  readonly path: string;
  readonly message: string;
}

const EXPECTED_TEXT: Readonly<Record<string, string>> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  record: 'an object',
};

/** "<problem>; <fix>" for zod's built-in issues; custom issues already carry theirs. */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED_TEXT[issue.expected] ?? issue.expected;
      if (issue.input === undefined) return `is required; add ${expected}`;
      return `expected ${expected}, got ${describeValue(issue.input)}; give ${expected}`;
    }
    case 'too_small':
      if (issue.origin === 'string') return 'must not be empty; give a name';
      if (issue.origin === 'array') return `needs at least ${issue.minimum} item(s); add one`;
      return `${JSON.stringify(issue.input)} is below the minimum ${issue.minimum}; use ${issue.minimum} or more`;
    case 'too_big':
      return `${JSON.stringify(issue.input)} is above the maximum ${issue.maximum}; use ${issue.maximum} or less`;
    case 'invalid_value':
      return `${JSON.stringify(issue.input)} is not allowed; use one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_union': {
      if (issue.note !== 'No matching discriminator') return undefined;
      const value = (issue.input as Record<string, unknown> | undefined)?.[issue.discriminator as string];
      const options = (issue.options as unknown[]).filter((option) => option !== 'ContainerResource');
      return `${value === undefined ? 'is required' : `${JSON.stringify(value)} is not a metric source type`}; use ${options.join(', ')}`;
    }
    case 'unrecognized_keys':
      return 'unknown field; remove it or fix its spelling (fields follow autoscaling/v2)';
    default:
      return undefined;
  }
}

/** Validates an `hpa-step` input object and reports every problem, not just the first. */
export function checkHpaStepInput(
  raw: unknown,
):
  | { readonly success: true; readonly data: HpaStepRequest }
  | { readonly success: false; readonly issues: HpaInputIssue[] } {
  const parsed = hpaStepInputSchema.safeParse(raw, { error: describeIssue });
  if (parsed.success) return { success: true, data: parsed.data };
  const issues: HpaInputIssue[] = [];
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ path: dottedPath([...issue.path, key]), message: issue.message });
    } else {
      issues.push({ path: dottedPath(issue.path), message: issue.message });
    }
  }
  return { success: false, issues };
}

/**
 * Parses an `hpa-step` input object or throws PrescaleError('invalid-input') whose message lists every
 * problem as `<dotted.path>: <problem>; <fix>` and whose `field` is the first path.
 */
export function parseHpaStepInput(raw: unknown): HpaStepRequest {
  const checked = checkHpaStepInput(raw);
  if (checked.success) return checked.data;
  const lines = checked.issues.map((issue) => `${issue.path}: ${issue.message}`);
  throw new PrescaleError('invalid-input', lines.join('\n'), { field: checked.issues[0].path });
}

// ---- output --------------------------------------------------------------------------------------

/** `MetricValueStatus` with quantities written back as Kubernetes quantity strings. */
function currentToJson(current: MetricCurrent): Record<string, number | string> {
  return {
    ...(current.averageUtilization !== undefined && { averageUtilization: current.averageUtilization }),
    ...(current.averageValueMilli !== undefined && { averageValue: formatMilli(current.averageValueMilli) }),
    ...(current.valueMilli !== undefined && { value: formatMilli(current.valueMilli) }),
  };
}

/** The `hpa-step` output object (spec/hpa-step.md); `state` feeds the next call unchanged. */
export function toHpaStepOutput(result: HpaReconcileResult): Record<string, unknown> {
  return {
    desiredReplicas: result.desiredReplicas,
    rescale: result.rescale,
    rescaleReason: result.rescaleReason,
    metricProposals: result.metricProposals.map((proposal) =>
      proposal.valid
        ? {
            metric: proposal.metric,
            replicas: proposal.replicas,
            valid: true,
            description: proposal.description,
            reason: proposal.reason,
            usageRatio: proposal.usageRatio,
            podCount: proposal.podCount,
            current: currentToJson(proposal.current),
          }
        : {
            metric: proposal.metric,
            replicas: null,
            valid: false,
            conditionReason: proposal.conditionReason,
            error: proposal.error,
          },
    ),
    conditions: result.conditions.map(({ type, status, reason, message }) => ({ type, status, reason, message })),
    state: {
      recommendations: result.state.recommendations.map((record) => ({
        timestamp: record.timestampSeconds,
        replicas: record.replicas,
      })),
      scaleUpEvents: result.state.scaleUpEvents.map(eventToJson),
      scaleDownEvents: result.state.scaleDownEvents.map(eventToJson),
    },
  };
}

function eventToJson(event: HpaControllerState['scaleUpEvents'][number]) {
  return { timestamp: event.timestampSeconds, replicaChange: event.replicaChange, outdated: event.outdated };
}
