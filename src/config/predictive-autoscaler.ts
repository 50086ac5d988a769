import { z } from 'zod';
import { PrescaleError } from '../core/index.js';
import { type IssuesOr, issueLines, rule, safeParseWithIssues } from '../core/issues.js';
import { MODEL_NAMES, type ModelName } from '../models/names.js';
import type { PlannerPolicy } from '../planner/types.js';
import { durationSeconds } from './duration.js';
import { checkBudgetAgainstPod, type Pod, UNKNOWN_POD } from './pod.js';
import { PLAN_POLICY_DEFAULTS, policyRules, policyShape, quantileSchema, toPlannerPolicy } from './policy.js';

/**
 * The `PredictiveAutoscaler` resource (docs/workload-format.md): the one shape of a
 * workload, shared by the CRD, the service's `workloads:` entries and the simulator. Its planning fields
 * (minReplicas … resources) are the policy's schema (`policy.ts`), so they are defined once; this file adds
 * the rest of the resource around them.
 */

/** Group/version and kind of the resource. */
export const PREDICTIVE_AUTOSCALER_API_VERSION = 'autoscaler.ml.dev/v1alpha1';
/** Kind of the resource. */
export const PREDICTIVE_AUTOSCALER_KIND = 'PredictiveAutoscaler';

/** Models a spec may name (the CRD's list); `prophet-lstm-hybrid` is read as `prophet-lstm`. */
const SPEC_MODEL_CHOICES = [...MODEL_NAMES, 'prophet-lstm-hybrid'] as const;

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
      // The reactive floor sees a rise of the load one scrape after it happens (chosen on the validation weeks of
      // four traces, docs/simulator.md, issue 14's third section).
      reactiveRate: 'Irate',
    },
    capacity: PLAN_POLICY_DEFAULTS.capacity,
    prediction: {
      history: '14d',
      retrainEvery: '24h',
      // `auto` reruns its backtest of every candidate this often (or on drift); between, it refits the winner alone.
      reselectEvery: '7d',
      quantile: PLAN_POLICY_DEFAULTS.prediction.quantile,
      // Off: on the dev traces cleaning training data did not improve accuracy (docs/anomaly-filter.md).
      filterAnomalies: false,
    },
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

/**
 * The resource's `spec`, standalone and structural: every field typed, defaults in the schema. The planning
 * fields are the policy's (`policy.ts`), so their rules and defaults exist once; the CRD's OpenAPI schema is
 * generated from this one (`z.toJSONSchema(…, { io: 'input' })`).
 */
export const predictiveAutoscalerSpecSchema = z
  .strictObject({
    targetRef: z.strictObject({ apiVersion: z.string().min(1), kind: z.string().min(1), name: objectName }),
    ...policyShape,
    integration: z.enum(['Direct', 'HPA', 'KEDA']).default(D.spec.integration),
    predictionHorizon: durationSeconds(60, 86_400).prefault(D.spec.predictionHorizon),
    model: z
      .enum(SPEC_MODEL_CHOICES)
      .default(D.spec.model)
      .transform((name): ModelName => (name === 'prophet-lstm-hybrid' ? 'prophet-lstm' : name)),
    metric: z
      .strictObject({
        query: z.string().min(1).optional(),
        prometheus: z.url().optional(),
        step: durationSeconds(1, 86_400).prefault(D.spec.metric.step),
        reactiveRate: z.enum(['Step', 'Irate']).default(D.spec.metric.reactiveRate),
      })
      .prefault({}),
    prediction: z
      .strictObject({
        history: durationSeconds(3600, 365 * 86_400).prefault(D.spec.prediction.history),
        retrainEvery: durationSeconds(3600, 365 * 86_400).prefault(D.spec.prediction.retrainEvery),
        reselectEvery: durationSeconds(3600, 365 * 86_400).prefault(D.spec.prediction.reselectEvery),
        quantile: quantileSchema,
        filterAnomalies: z.boolean().default(D.spec.prediction.filterAnomalies),
      })
      .prefault({}),
  })
  .check(...policyRules('spec'));

/**
 * The resource's fields as a zod shape: the service config's `workloads:` entry spreads it beside its own
 * blocks, so an entry IS the resource.
 */
export const predictiveAutoscalerShape = {
  apiVersion: z.literal(PREDICTIVE_AUTOSCALER_API_VERSION).default(PREDICTIVE_AUTOSCALER_API_VERSION),
  kind: z.literal(PREDICTIVE_AUTOSCALER_KIND).default(PREDICTIVE_AUTOSCALER_KIND),
  metadata: z.looseObject({ name: objectName, namespace: objectName.default(D.metadata.namespace) }),
  spec: predictiveAutoscalerSpecSchema,
};

type ResourceFields = {
  [K in keyof typeof predictiveAutoscalerShape]: z.output<(typeof predictiveAutoscalerShape)[K]>;
};

/** A parsed `PredictiveAutoscaler`: durations in seconds, defaults filled, the planning policy ready to use. */
export interface PredictiveAutoscaler {
  readonly name: string;
  readonly namespace: string;
  readonly targetRef: { readonly apiVersion: string; readonly kind: string; readonly name: string };
  readonly integration: 'Direct' | 'HPA' | 'KEDA';
  readonly predictionHorizonSeconds: number;
  readonly model: ModelName;
  readonly metric: {
    readonly query: string;
    /** Null = the service's configured Prometheus. */
    readonly prometheus: string | null;
    readonly stepSeconds: number;
    /** The query is the default CPU signal (load in cores), which lets capacity.perPod come from the request. */
    readonly isDefaultCpuQuery: boolean;
    /**
     * The load the reactive floor sizes on. `Step`: the newest `metric.step` point of the forecast's series, which
     * lags the load by up to a step plus the query's own window. `Irate`: the larger of that and `query` read at
     * each sync with `rate(` as `irate(` (the two newest samples): a rise shows one scrape after it happens, a fall
     * counts from the step point as before.
     */
    readonly reactiveRate: 'Step' | 'Irate';
  };
  /** `capacity.perPod` when given; null = derive it (CPU request × target, or learned). */
  readonly capacityPerPod: number | null;
  readonly prediction: {
    readonly historySeconds: number;
    readonly retrainEverySeconds: number;
    /**
     * `model: auto`: the longest time between two full selections (every candidate backtested); the refits between
     * fit the winner alone, and a drifting online error brings the selection forward (docs/models.md).
     */
    readonly reselectEverySeconds: number;
    /** Fit on training data cleaned of isolated spikes (`cleanTrainingSeries`); forecasts still read raw data. */
    readonly filterAnomalies: boolean;
  };
  /** minReplicas, maxReplicas, mode, quantile, capacity target, planner.*, fallback.*, as the planner reads them. */
  readonly policy: PlannerPolicy;
  readonly resources: { readonly recommend: boolean; readonly apply: boolean };
}

/**
 * The CPU (cores) and memory (working-set bytes) of a target's pods, summed, as cAdvisor exports them through the
 * kubelet: the default load signal, and what the operator reads beside any load signal so that capacity is learned
 * from history and resources are recommended. Pods of a Deployment or StatefulSet are named `<name>-…`.
 */
export function targetPodQueries(namespace: string, targetName: string): { cpu: string; memory: string } {
  const pods = `namespace="${namespace}",pod=~"${targetName}-.*",container!=""`;
  return {
    cpu: D.spec.metric.query.replace('namespace="<namespace>",pod=~"<targetRef.name>-.*",container!=""', pods),
    memory: `sum(container_memory_working_set_bytes{${pods}})`,
  };
}

/** The resource's fields once parsed, into a `PredictiveAutoscaler` (the default query filled in from the names). */
export function toPredictiveAutoscaler(resource: ResourceFields): PredictiveAutoscaler {
  const { metadata, spec } = resource;
  const defaultQuery = targetPodQueries(metadata.namespace, spec.targetRef.name).cpu;
  return {
    name: metadata.name,
    namespace: metadata.namespace,
    targetRef: spec.targetRef,
    integration: spec.integration,
    predictionHorizonSeconds: spec.predictionHorizon,
    model: spec.model,
    metric: {
      query: spec.metric.query ?? defaultQuery,
      prometheus: spec.metric.prometheus ?? null,
      stepSeconds: spec.metric.step,
      isDefaultCpuQuery: spec.metric.query === undefined,
      reactiveRate: spec.metric.reactiveRate,
    },
    capacityPerPod: spec.capacity.perPod ?? null,
    prediction: {
      historySeconds: spec.prediction.history,
      retrainEverySeconds: spec.prediction.retrainEvery,
      reselectEverySeconds: spec.prediction.reselectEvery,
      filterAnomalies: spec.prediction.filterAnomalies,
    },
    // fallback.staleAfter defaults to 3 × metric.step: the step is known only in the resource.
    policy: toPlannerPolicy(spec, spec.prediction.quantile, 3 * spec.metric.step),
    resources: spec.resources,
  };
}

/**
 * The resource's budget rule for the `.check()` of the object holding its fields: a budget needs the pod's CPU
 * request or cost. `pod` reads the pod's facts from that object; `podPaths` says where they are written (null:
 * the object does not hold them, so the issue goes to the budget field).
 */
export function budgetRule<T extends ResourceFields>(
  podReads: readonly (readonly PropertyKey[])[],
  pod: (value: T) => Pod,
  podPaths: { readonly cpuRequest: readonly PropertyKey[]; readonly costPerPodHour: readonly PropertyKey[] } | null,
) {
  return rule<T>([['spec', 'planner', 'budget'], ...podReads], (value, report) =>
    checkBudgetAgainstPod(
      value.spec.planner.budget,
      pod(value),
      {
        holder: 'spec',
        budget: ['spec', 'planner', 'budget'],
        cpuRequest: podPaths?.cpuRequest ?? null,
        costPerPodHour: podPaths?.costPerPodHour ?? null,
      },
      report,
    ),
  );
}

/** Parses a `PredictiveAutoscaler` without throwing, collecting every issue with its path. */
export function safeParsePredictiveAutoscaler(json: unknown, pod: Pod = UNKNOWN_POD): IssuesOr<PredictiveAutoscaler> {
  // A resource read from a cluster carries status and more metadata: unknown top-level keys are not errors.
  const schema = z
    .object(predictiveAutoscalerShape)
    .check(budgetRule([], () => pod, null))
    .transform(toPredictiveAutoscaler);
  return safeParseWithIssues(schema, json);
}

/**
 * Parses a `PredictiveAutoscaler`; throws `invalid-input` listing every issue as `<path>: <problem>; <fix>`
 * (prefixed by `source`, e.g. the file), with the first issue's path as `field`.
 */
export function parsePredictiveAutoscaler(json: unknown, pod: Pod = UNKNOWN_POD, source = ''): PredictiveAutoscaler {
  const result = safeParsePredictiveAutoscaler(json, pod);
  if (result.success) return result.data;
  throw new PrescaleError('invalid-input', issueLines(result.issues, source === '' ? '' : `${source}: `), {
    field: result.issues[0]?.path,
  });
}
