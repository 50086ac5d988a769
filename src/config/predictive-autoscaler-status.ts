import { z } from 'zod';

/**
 * The `status` of a `PredictiveAutoscaler`, written by Prescale: the one shape the controller fills and the CRD
 * publishes (`crd.ts` generates the CRD's status schema from it). Times are RFC 3339 strings, replica counts whole
 * numbers, loads in the unit of the workload's metric.
 */

/** The condition types Prescale sets, Kubernetes-style (`True`/`False`/`Unknown` with a CamelCase reason). */
export const CONDITION_TYPES = [
  'Ready',
  'ForecastAvailable',
  'FallbackActive',
  'ScalingLimited',
  'InvalidSpec',
] as const;

const nonNegativeInt = z.number().int().min(0);
const time = z.iso.datetime({ offset: true });

export const conditionSchema = z.strictObject({
  type: z.enum(CONDITION_TYPES),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/),
  message: z.string().max(32_768),
  lastTransitionTime: time,
  observedGeneration: nonNegativeInt.optional(),
});

export const predictiveAutoscalerStatusSchema = z.strictObject({
  /** The spec generation this status describes. */
  observedGeneration: nonNegativeInt.optional(),
  conditions: z.array(conditionSchema).optional(),
  /** What the target runs now (its scale subresource). */
  currentReplicas: nonNegativeInt.optional(),
  /** What Prescale publishes for the target now. */
  desiredReplicas: nonNegativeInt.optional(),
  /** When the published value last changed. */
  lastScaleTime: time.optional(),
  /** The planner's one-line explanation of the last decision. */
  reason: z.string().optional(),
  model: z
    .strictObject({
      /** The model serving forecasts (for `auto`, the one it chose). */
      name: z.string(),
      trainedAt: time.optional(),
      /** The rolling error the fallback judges, percent. */
      onlineErrorPercent: z.number().min(0).optional(),
      /** With `model: auto`, why it serves this model, its warm-up stage included ("history 3.2 h: serving naive …"). */
      reason: z.string().optional(),
    })
    .optional(),
  forecast: z
    .strictObject({
      generatedAt: time,
      stepSeconds: z.number().positive(),
      /** A few points over the horizon, in the metric's unit. */
      values: z.array(z.number()),
      /** The upper bound of the planning quantile's interval at the same points. */
      upper: z.array(z.number()).optional(),
      /** The planned quantile's peak over the horizon. */
      peak: z.number(),
    })
    .optional(),
  quality: z
    .strictObject({
      wapePercent: z.number().min(0).optional(),
      coverage: z.number().min(0).max(1).optional(),
      window: z.string(),
    })
    .optional(),
  /** Requests and limits as Kubernetes quantities, with `resources.recommend`. */
  recommendations: z
    .strictObject({
      cpuRequest: z.string(),
      cpuLimit: z.string().optional(),
      memoryRequest: z.string(),
      memoryLimit: z.string().optional(),
    })
    .optional(),
});

export type PredictiveAutoscalerStatus = z.infer<typeof predictiveAutoscalerStatusSchema>;
