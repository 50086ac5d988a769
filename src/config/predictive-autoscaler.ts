import { z } from 'zod';
import { PrescaleError } from '../core/index.js';
import type { PlannerPolicy } from '../planner/types.js';
import { dottedPath, durationSeconds } from './issues.js';
import { PLAN_POLICY_DEFAULTS, safeParsePlanRequest } from './plan-request.js';

/**
 * The `PredictiveAutoscaler` resource (`shared/spec/predictive-autoscaler-crd.md`): the one shape of a
 * workload, shared by the CRD, the service's `workloads:` entries and the simulator. Its planning fields
 * (minReplicas … resources) are parsed by the planner's own schema (`plan-request.ts`), so they are
 * defined once; this file adds the rest of the resource around them.
 */

/** Group/version and kind of the resource. */
export const PREDICTIVE_AUTOSCALER_API_VERSION = 'autoscaler.ml.dev/v1alpha1';
/** Kind of the resource. */
export const PREDICTIVE_AUTOSCALER_KIND = 'PredictiveAutoscaler';

/** Models a spec may name (the CRD's list); `prophet-lstm-hybrid` is read as `prophet-lstm`. */
export const SPEC_MODEL_NAMES = [
  'auto',
  'naive',
  'seasonal-naive',
  'ets',
  'mstl',
  'prophet',
  'lstm',
  'gru',
  'prophet-lstm',
] as const;

/** A model choice in a spec. */
export type SpecModelName = (typeof SPEC_MODEL_NAMES)[number];

/**
 * Defaults of every field, written as a user writes them, so they can be printed. The planning fields are
 * the planner's (`PLAN_POLICY_DEFAULTS`). Computed defaults: `metric.query` is the CPU of the target's pods
 * (namespace and name filled in), `fallback.staleAfter` is 3 × `metric.step`, `capacity.perPod` is the CPU
 * request × targetUtilization with the default CPU signal and otherwise must be given or learned.
 */
export const PREDICTIVE_AUTOSCALER_DEFAULTS = {
  metadata: { namespace: 'default' },
  spec: {
    minReplicas: PLAN_POLICY_DEFAULTS.minReplicas,
    maxReplicas: PLAN_POLICY_DEFAULTS.maxReplicas,
    mode: PLAN_POLICY_DEFAULTS.mode,
    integration: 'HPA',
    predictionHorizon: '10m',
    model: 'auto',
    metric: {
      query:
        'sum(rate(container_cpu_usage_seconds_total{namespace="<namespace>",pod=~"<targetRef.name>-.*",container!=""}[1m]))',
      step: '30s',
    },
    capacity: PLAN_POLICY_DEFAULTS.capacity,
    prediction: { history: '14d', retrainEvery: '24h', quantile: PLAN_POLICY_DEFAULTS.prediction.quantile },
    planner: PLAN_POLICY_DEFAULTS.planner,
    fallback: PLAN_POLICY_DEFAULTS.fallback,
    resources: PLAN_POLICY_DEFAULTS.resources,
  },
} as const;

const D = PREDICTIVE_AUTOSCALER_DEFAULTS;

/** Kubernetes object names: DNS-1123 subdomain. */
const objectName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'is not a valid Kubernetes name; use lowercase letters, digits, - and .')
  .max(253);

/** The fields this file owns; everything else under `spec` goes to the planner's schema. */
const ownSpecSchema = z.object({
  targetRef: z.strictObject({ apiVersion: z.string().min(1), kind: z.string().min(1), name: objectName }),
  integration: z.enum(['Direct', 'HPA', 'KEDA']).default(D.spec.integration),
  predictionHorizon: durationSeconds(60, 86_400).prefault(D.spec.predictionHorizon),
  model: z
    .enum([...SPEC_MODEL_NAMES, 'prophet-lstm-hybrid'])
    .default(D.spec.model)
    .transform((name): SpecModelName => (name === 'prophet-lstm-hybrid' ? 'prophet-lstm' : name)),
  metric: z
    .strictObject({
      query: z.string().min(1).optional(),
      prometheus: z.url().optional(),
      step: durationSeconds(1, 86_400).prefault(D.spec.metric.step),
    })
    .prefault({}),
  prediction: z
    .strictObject({
      history: durationSeconds(3600, 365 * 86_400).prefault(D.spec.prediction.history),
      retrainEvery: durationSeconds(3600, 365 * 86_400).prefault(D.spec.prediction.retrainEvery),
      // Checked by the planner's schema with the other planning fields.
      quantile: z.unknown().optional(),
    })
    .prefault({}),
});

/** Fields under `spec` that belong to the planner's policy (parsed by `plan-request.ts`). */
const PLANNER_FIELDS = ['minReplicas', 'maxReplicas', 'mode', 'capacity', 'planner', 'fallback', 'resources'] as const;

const resourceSchema = z.object({
  apiVersion: z.literal(PREDICTIVE_AUTOSCALER_API_VERSION).default(PREDICTIVE_AUTOSCALER_API_VERSION),
  kind: z.literal(PREDICTIVE_AUTOSCALER_KIND).default(PREDICTIVE_AUTOSCALER_KIND),
  metadata: z.looseObject({ name: objectName, namespace: objectName.default(D.metadata.namespace) }),
  spec: z.record(z.string(), z.unknown()),
});

/** A parsed `PredictiveAutoscaler`: durations in seconds, defaults filled, the planning policy ready to use. */
export interface PredictiveAutoscaler {
  readonly name: string;
  readonly namespace: string;
  readonly targetRef: { readonly apiVersion: string; readonly kind: string; readonly name: string };
  readonly integration: 'Direct' | 'HPA' | 'KEDA';
  readonly predictionHorizonSeconds: number;
  readonly model: SpecModelName;
  readonly metric: {
    readonly query: string;
    /** Null = the service's configured Prometheus. */
    readonly prometheus: string | null;
    readonly stepSeconds: number;
    /** The query is the default CPU signal (load in cores), which lets capacity.perPod come from the request. */
    readonly isDefaultCpuQuery: boolean;
  };
  /** `capacity.perPod` when given; null = derive it (CPU request × target, or learned). */
  readonly capacityPerPod: number | null;
  readonly prediction: { readonly historySeconds: number; readonly retrainEverySeconds: number };
  /** minReplicas, maxReplicas, mode, quantile, capacity target, planner.*, fallback.*, as the planner reads them. */
  readonly policy: PlannerPolicy;
  readonly resources: { readonly recommend: boolean; readonly apply: boolean };
}

/** One problem with a resource: its dotted path (from the document root) and `<problem>; <fix>`. */
export interface ResourceIssue {
  readonly path: string;
  readonly message: string;
}

/** What the planning policy's checks may need to know about the pod (the operator reads it from the target). */
export interface PodFacts {
  /** CPU request per pod, e.g. `500m`; lets `planner.budget.maxCores` be checked. */
  readonly cpuRequest?: string;
  /** Cost of one pod per hour; lets `planner.budget.maxCostPerHour` be checked. */
  readonly costPerPodHour?: number;
}

/** Parses a `PredictiveAutoscaler` without throwing, collecting every issue with its path. */
export function safeParsePredictiveAutoscaler(
  json: unknown,
  pod: PodFacts = {},
): { success: true; data: PredictiveAutoscaler } | { success: false; issues: ResourceIssue[] } {
  const issues: ResourceIssue[] = [];
  const resource = resourceSchema.safeParse(json);
  if (!resource.success) {
    for (const issue of resource.error.issues) issues.push({ path: dottedPath(issue.path), message: issue.message });
    return { success: false, issues };
  }
  const spec = resource.data.spec;
  const own = ownSpecSchema.safeParse(spec);
  if (!own.success) {
    for (const issue of own.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          issues.push({
            path: dottedPath(['spec', ...issue.path, key]),
            message: 'unknown field; remove it or fix its spelling',
          });
        }
      } else {
        issues.push({ path: dottedPath(['spec', ...issue.path]), message: issue.message });
      }
    }
  }
  const known = new Set<string>([...Object.keys(ownSpecSchema.shape), ...PLANNER_FIELDS, 'prediction']);
  for (const key of Object.keys(spec)) {
    if (!known.has(key)) {
      issues.push({
        path: `spec.${key}`,
        message: `unknown field; remove it or fix its spelling; known: ${[...known].join(', ')}`,
      });
    }
  }
  const stepSeconds = own.success ? own.data.metric.step : 30;
  const policy = parsePolicy(spec, stepSeconds, pod, issues);
  if (!own.success || policy === null || issues.length > 0) return { success: false, issues };
  const o = own.data;
  const name = resource.data.metadata.name;
  const namespace = resource.data.metadata.namespace;
  const defaultQuery = D.spec.metric.query
    .replace('<namespace>', namespace)
    .replace('<targetRef.name>', o.targetRef.name);
  const capacity = spec.capacity as { perPod?: number } | undefined;
  return {
    success: true,
    data: {
      name,
      namespace,
      targetRef: o.targetRef,
      integration: o.integration,
      predictionHorizonSeconds: o.predictionHorizon,
      model: o.model,
      metric: {
        query: o.metric.query ?? defaultQuery,
        prometheus: o.metric.prometheus ?? null,
        stepSeconds: o.metric.step,
        isDefaultCpuQuery: o.metric.query === undefined,
      },
      capacityPerPod: capacity?.perPod ?? null,
      prediction: { historySeconds: o.prediction.history, retrainEverySeconds: o.prediction.retrainEvery },
      policy: policy.policy,
      resources: policy.resources,
    },
  };
}

/**
 * Parses a `PredictiveAutoscaler`; throws `invalid-input` listing every issue as `<path>: <problem>; <fix>`
 * (prefixed by `source`, e.g. the file), with the first issue's path as `field`.
 */
export function parsePredictiveAutoscaler(json: unknown, pod: PodFacts = {}, source = ''): PredictiveAutoscaler {
  const result = safeParsePredictiveAutoscaler(json, pod);
  if (result.success) return result.data;
  const prefix = source === '' ? '' : `${source}: `;
  const lines = result.issues.map((issue) => `${prefix}${issue.path}: ${issue.message}`);
  throw new PrescaleError('invalid-input', lines.join('\n'), { field: result.issues[0]?.path });
}

/**
 * Runs the planner's own schema on the planning fields of `spec` (as a `prescale plan` request's
 * `policy`), so their rules and defaults exist once, and maps its issue paths back under `spec`.
 * `fallback.staleAfter` defaults to 3 × metric.step here because the step is known only in the resource.
 */
function parsePolicy(
  spec: Record<string, unknown>,
  stepSeconds: number,
  pod: PodFacts,
  issues: ResourceIssue[],
): { policy: PlannerPolicy; resources: { recommend: boolean; apply: boolean } } | null {
  const policyJson: Record<string, unknown> = {};
  for (const key of PLANNER_FIELDS) if (spec[key] !== undefined) policyJson[key] = spec[key];
  const prediction = spec.prediction as Record<string, unknown> | undefined;
  if (prediction?.quantile !== undefined) policyJson.prediction = { quantile: prediction.quantile };
  const fallback = (spec.fallback ?? {}) as Record<string, unknown>;
  if (typeof fallback === 'object' && fallback !== null && fallback.staleAfter === undefined) {
    policyJson.fallback = { ...fallback, staleAfter: 3 * stepSeconds };
  }
  const capacity = spec.capacity as Record<string, unknown> | undefined;
  const request = {
    nowSeconds: 0,
    current: { replicas: 0, load: 0 },
    // capacity.perPod may be derived later (from the request or history); tell the planner's check so.
    workload: {
      ...(pod.cpuRequest !== undefined && { resources: { cpuRequest: pod.cpuRequest } }),
      ...(pod.costPerPodHour !== undefined && { costPerPodHour: pod.costPerPodHour }),
      ...(capacity?.perPod === undefined && { usage: { cpuMillicores: [], load: [] } }),
    },
    policy: policyJson,
  };
  const parsed = safeParsePlanRequest(request);
  if (!parsed.success) {
    for (const issue of parsed.issues) {
      issues.push({
        path: issue.path.replace(/^policy\b/, 'spec').replace(/^workload\.resources\b/, 'pod'),
        message: issue.message.replace(/\bpolicy\./g, 'spec.'),
      });
    }
    return null;
  }
  return { policy: parsed.data.policy, resources: parsed.data.resources };
}
