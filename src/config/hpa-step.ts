/**
 * The `prescale hpa-step` JSON contract (docs/hpa-emulation.md): one reconcile's input — the HPA spec
 * (`hpa-spec.ts`), the target's scale, pods, metrics, controller flags and memory — parsed with every problem
 * reported at once, and the output mapping.
 */
import { z } from 'zod';
import { PrescaleError } from '../core/index.js';
import { type IssuesOr, issueLines, rule, safeParseWithIssues } from '../core/issues.js';
import { DEFAULT_CONTROLLER_CONFIG } from '../hpa/defaults.js';
import type {
  HpaControllerConfig,
  HpaControllerState,
  HpaObservation,
  HpaReconcileResult,
  MetricCurrent,
  PodSnapshot,
} from '../hpa/types.js';
import { hpaSpecSchema, quantityMilli, replicaCount, seconds } from './hpa-spec.js';
import { formatMilli } from './quantity.js';

// ---- pods, state, controller ---------------------------------------------------------------------

const resourceSample = z.strictObject({
  value: quantityMilli,
  timestamp: seconds.optional(),
  window: z.number().finite().positive().optional(),
});

const podFields = z.strictObject({
  name: z.string().min(1),
  phase: z.enum(['Pending', 'Running', 'Succeeded', 'Failed']),
  ready: z.boolean(),
  deleting: z.boolean().default(false),
  startTime: seconds.nullable().optional(),
  readyTransitionTime: seconds.nullable().optional(),
  requests: z.strictObject({ cpu: quantityMilli.optional(), memory: quantityMilli.optional() }).default({}),
  metrics: z.strictObject({ cpu: resourceSample.optional(), memory: resourceSample.optional() }).default({}),
});

type PodFields = z.output<typeof podFields>;

const pod = podFields
  .check(
    rule<PodFields>([['ready'], ['readyTransitionTime']], (given, report) => {
      if (given.ready && (given.readyTransitionTime === undefined || given.readyTransitionTime === null)) {
        report(
          ['readyTransitionTime'],
          'is required when ready is true; give the time the Ready condition last changed (seconds)',
        );
      }
    }),
    rule<PodFields>([['metrics']], (given, report) => {
      const cpu = given.metrics.cpu;
      for (const field of ['timestamp', 'window'] as const) {
        if (cpu !== undefined && cpu[field] === undefined) {
          report(
            ['metrics', 'cpu', field],
            `is required for cpu samples (the readiness test reads it); add the sample's ${field} in seconds`,
          );
        }
      }
    }),
  )
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
  .check(
    rule<readonly { name: string }[]>([], (list, report, parsed) => {
      const seen = new Map<string, number>();
      list.forEach((entry, index) => {
        if (!parsed([index, 'name'])) return;
        const first = seen.get(entry.name);
        if (first === undefined) seen.set(entry.name, index);
        else
          report(
            [index, 'name'],
            `${JSON.stringify(entry.name)} repeats pods[${first}].name; give every pod a unique name`,
          );
      });
    }),
  )
  .default([]);

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

/** kube-controller-manager flags in seconds, each defaulted as kube-controller-manager does. */
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

const inputFields = z.strictObject({
  now: seconds,
  hpa: hpaSpecSchema,
  scale: z.strictObject({ specReplicas: replicaCount, statusReplicas: replicaCount }),
  pods,
  podsMetrics: z.record(z.string(), z.record(z.string(), quantityMilli)).default({}),
  objectMetrics: z.record(z.string(), quantityMilli).default({}),
  externalMetrics: z.record(z.string(), quantityMilli).default({}),
  state: controllerState.default({ recommendations: [], scaleUpEvents: [], scaleDownEvents: [] }),
  controller: controllerConfigSchema.default(DEFAULT_CONTROLLER_CONFIG),
});

/** The `prescale hpa-step` input object (docs/hpa-step.md), parsed into a reconcile's arguments. */
export const hpaStepInputSchema = inputFields
  .check(
    rule<z.output<typeof inputFields>>([['now'], ['state']], (input, report) => {
      for (const list of ['recommendations', 'scaleUpEvents', 'scaleDownEvents'] as const) {
        input.state[list].forEach((record, index) => {
          if (record.timestampSeconds > input.now) {
            report(
              ['state', list, index, 'timestamp'],
              `${record.timestampSeconds} is after now (${input.now}); feed state into a later reconcile`,
            );
          }
        });
      }
    }),
  )
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

/** Validates an `hpa-step` input object and reports every problem (path and "<problem>; <fix>"), not just the first. */
export function checkHpaStepInput(raw: unknown): IssuesOr<HpaStepRequest> {
  return safeParseWithIssues(hpaStepInputSchema, raw);
}

/**
 * Parses an `hpa-step` input object or throws PrescaleError('invalid-input') whose message lists every
 * problem as `<dotted.path>: <problem>; <fix>` and whose `field` is the first path.
 */
export function parseHpaStepInput(raw: unknown): HpaStepRequest {
  const checked = checkHpaStepInput(raw);
  if (checked.success) return checked.data;
  throw new PrescaleError('invalid-input', issueLines(checked.issues), { field: checked.issues[0].path });
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

/** The `hpa-step` output object (docs/hpa-step.md); `state` feeds the next call unchanged. */
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
