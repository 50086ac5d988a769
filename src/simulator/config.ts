import { z } from 'zod';
import { durationSeconds as duration } from '../config/duration.js';
import { hpaSpecSchema } from '../config/hpa-spec.js';
import {
  type PredictiveAutoscaler,
  predictiveAutoscalerShape,
  toPredictiveAutoscaler,
} from '../config/predictive-autoscaler.js';
import { quantitySchema } from '../config/quantity.js';
import { loopSchema, type ServiceConfig } from '../config/service.js';
import { promqlSchema, type WorkloadConfig } from '../config/workload.js';
import { PrescaleError } from '../core/index.js';
import { type ConfigIssue, issueLines, rule, safeParseWithIssues } from '../core/issues.js';
import { ownedHpa } from '../executor/owned-objects.js';
import { DEFAULT_SCALE_DOWN_RULES, DEFAULT_SCALE_UP_RULES } from '../hpa/defaults.js';
import type { HpaSpec } from '../hpa/types.js';
import type { DelayDistribution } from './distributions.js';
import type { SimQueries } from './prometheus-api.js';
import type { ClusterModel } from './simulate.js';
import type { ServiceLevel } from './summary.js';

/**
 * The simulated world of an experiment (docs/simulator.md): the workload as a `PredictiveAutoscaler`, the
 * cluster it runs in, how the trace is scaled, the SLO, and the settings of the baseline policies. Written
 * as a user writes YAML or JSON; every default is here, so `prescale experiment --print-config` shows it.
 */
export const SIMULATION_DEFAULTS = {
  workload: {
    apiVersion: 'autoscaler.ml.dev/v1alpha1',
    kind: 'PredictiveAutoscaler',
    metadata: { name: 'web' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 50,
      predictionHorizon: '10m',
      // A named model (`auto` fits every candidate at each retrain), checked on the validation week: Prophet and
      // MSTL had the fewest SLO-violation minutes there, Prophet at less cost (docs/simulator.md).
      model: 'prophet',
      // The trace is a request rate, so the signal is the ingress request rate, at the trace's 1-minute step.
      metric: { query: 'sum(rate(nginx_ingress_controller_requests{ingress="web"}[1m]))', step: '60s' },
      // capacity.perPod is derived from the pod model below at this target (see docs/simulator.md).
      capacity: { targetUtilization: 70 },
      // Every planning setting at the CRD default. Of headroomPercent {0, 10} × fallback.maxError {35, 60}, the
      // cheapest with no more SLO-violation minutes than the CRD defaults on the validation week (8–15 July 1995,
      // before the test week) is the CRD defaults themselves (docs/simulator.md).
    },
  },
  cluster: {
    pod: {
      requests: { cpu: '1000m', memory: '1Gi' },
      concurrency: 4,
      serviceTime: '40ms',
      queueLimit: 100,
      cpuIdle: '50m',
      cpuTimePerRequest: '10ms',
    },
    startup: {
      scheduling: { distribution: 'lognormal', median: '2s', sigma: 0.5 },
      containerStart: { distribution: 'lognormal', median: '12s', sigma: 0.4 },
      readiness: { distribution: 'uniform', min: '10s', max: '20s' },
    },
    termination: { distribution: 'constant', value: '5s' },
    // Illustrative on-demand prices (USD), the order of public-cloud per-vCPU and per-GiB hourly rates.
    price: { cpuCoreHour: 0.04, memoryGiBHour: 0.005 },
    metricsServer: { resolution: '15s', offset: '7s' },
    prometheus: { scrapeInterval: '15s' },
    hpaSyncPeriod: '15s',
  },
  load: { peakPods: 20, noise: 'poisson' },
  slo: { latencyP95: '250ms', maxDropPercent: 0.1 },
  policies: {
    // The baseline: CPU at 70 % (the workload's target) with the Kubernetes default behavior written out,
    // so it takes the behavior path (docs/hpa-emulation.md). min/max come from the workload.
    hpa: {
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      ],
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Max',
          policies: DEFAULT_SCALE_UP_RULES.policies,
        },
        scaleDown: {
          stabilizationWindowSeconds: 300,
          selectPolicy: 'Max',
          policies: DEFAULT_SCALE_DOWN_RULES.policies,
        },
      },
    },
    // What an operator tunes for a latency SLO: more headroom, faster scale-up, slower scale-down.
    'hpa-tuned': {
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 55 } } },
      ],
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Max',
          policies: [
            { type: 'Pods', value: 8, periodSeconds: 15 },
            { type: 'Percent', value: 100, periodSeconds: 15 },
          ],
        },
        scaleDown: {
          stabilizationWindowSeconds: 600,
          selectPolicy: 'Max',
          policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }],
        },
      },
    },
    // Prescale as a service runs it (src/predictor's loop); the service-config blocks of the workload.
    prescale: {
      // What the service reads besides metric.query (a service config's `queries` block). No CPU query:
      // capacity.perPod is known; with one the planner also learns load→CPU and recommends resources.
      // To read it: cpu: 'sum(rate(container_cpu_usage_seconds_total{namespace="default",pod=~"web-.*",container!=""}[1m]))'
      queries: { cpu: null, replicas: 'kube_deployment_spec_replicas{namespace="default",deployment="web"}' },
      // The service's `loop` settings (the service defaults).
      loop: { contextWindow: '1d', accuracyWindow: '1h', retrainRetry: '5m' },
      // Laid over the HPA the operator creates for `integration: HPA` (`ownedHpa`, src/executor/owned-objects.ts):
      // the External metric at an AverageValue of 1 and CPU at capacity.targetUtilization, no stabilization and
      // tolerance 0, the default rate limits. Objects merge, lists replace: `metrics: [<the External one>]` drops CPU.
      hpa: {},
      // Prescale's process killed for a while ({ start, duration } from the simulation's start): its HPA loses the
      // External metric and scales on its other metrics or holds. null = never.
      outage: null as { start: string; duration: string } | null,
      // false: the service never gets a model, so the central fallback always publishes the planner's reactive
      // value (the study's no-forecast ablation, docs/study.md).
      forecast: true,
    },
    // null = the pods the peak needs (load.peakPods).
    static: { replicas: null },
    // The reinforcement-learning agent (docs/rl.md). checkpoint: a `prescale train-rl --out` folder; null = the one
    // shipped in models/rl-nasa. violationMinutePrice: dollars per SLO-violation minute in its reward, the price at
    // which the HPA's default 70 % target is the cheapest point of its own frontier on the NASA test week.
    rl: { checkpoint: null as string | null, violationMinutePrice: 0.03 },
  },
} as const;

const delaySchema = z
  .discriminatedUnion('distribution', [
    z.strictObject({ distribution: z.literal('constant'), value: duration(0, 3600) }),
    z.strictObject({ distribution: z.literal('uniform'), min: duration(0, 3600), max: duration(0, 3600) }),
    z.strictObject({ distribution: z.literal('exponential'), mean: duration(0, 3600) }),
    z.strictObject({
      distribution: z.literal('lognormal'),
      median: duration(0, 3600),
      sigma: z.number().min(0).max(3),
    }),
  ])
  .superRefine((d, ctx) => {
    if (d.distribution === 'uniform' && d.min > d.max) {
      ctx.addIssue({ code: 'custom', path: ['min'], message: `is above max; make min ≤ max` });
    }
  })
  .transform((d): DelayDistribution => {
    switch (d.distribution) {
      case 'constant':
        return { distribution: 'constant', seconds: d.value };
      case 'uniform':
        return { distribution: 'uniform', minSeconds: d.min, maxSeconds: d.max };
      case 'exponential':
        return { distribution: 'exponential', meanSeconds: d.mean };
      case 'lognormal':
        return { distribution: 'lognormal', medianSeconds: d.median, sigma: d.sigma };
    }
  });

const clusterSchema = z.strictObject({
  pod: z.strictObject({
    requests: z.strictObject({ cpu: quantitySchema('milli'), memory: quantitySchema('one') }),
    concurrency: z.number().int().min(1).max(1000),
    serviceTime: duration(0.0001, 60),
    queueLimit: z.number().int().min(1).max(100_000),
    cpuIdle: quantitySchema('one'),
    cpuTimePerRequest: duration(0, 60),
  }),
  startup: z.strictObject({ scheduling: delaySchema, containerStart: delaySchema, readiness: delaySchema }),
  termination: delaySchema,
  price: z.strictObject({ cpuCoreHour: z.number().min(0), memoryGiBHour: z.number().min(0) }),
  metricsServer: z.strictObject({ resolution: duration(10, 600), offset: duration(0, 600) }),
  prometheus: z.strictObject({ scrapeInterval: duration(1, 600) }),
  hpaSyncPeriod: duration(1, 600),
});

const policiesSchema = z.strictObject({
  hpa: z.record(z.string(), z.unknown()),
  'hpa-tuned': z.record(z.string(), z.unknown()),
  prescale: z.strictObject({
    queries: z.strictObject({ cpu: promqlSchema.nullable(), replicas: promqlSchema.nullable() }),
    loop: loopSchema,
    hpa: z.record(z.string(), z.unknown()),
    outage: z.strictObject({ start: duration(0, 365 * 86_400), duration: duration(1, 365 * 86_400) }).nullable(),
    forecast: z.boolean(),
  }),
  static: z.strictObject({ replicas: z.number().int().min(1).nullable() }),
  rl: z.strictObject({ checkpoint: z.string().min(1).nullable(), violationMinutePrice: z.number().min(0) }),
});

const simulationFields = z.strictObject({
  workload: z.strictObject(predictiveAutoscalerShape).transform(toPredictiveAutoscaler),
  cluster: clusterSchema,
  load: z.strictObject({ peakPods: z.number().min(0.1).max(100_000), noise: z.enum(['none', 'poisson']) }),
  slo: z.strictObject({ latencyP95: duration(0.001, 600), maxDropPercent: z.number().min(0).max(100) }),
  policies: policiesSchema,
});

type SimulationFields = z.output<typeof simulationFields>;

/**
 * Requests/s one pod serves at the workload's target utilization: `capacity.perPod` when given, else what the
 * pod model gives (the CPU left at the target above idle, over the CPU time of one request): what the service
 * would learn from a long CPU history.
 */
function perPodRateOf(c: SimulationFields): number {
  const pod = c.cluster.pod;
  const target = c.workload.policy.targetUtilizationPercent;
  const derived = ((target / 100) * pod.requests.cpu - pod.cpuIdle * 1000) / (pod.cpuTimePerRequest * 1000);
  return c.workload.capacityPerPod ?? derived;
}

const simulationSchema = simulationFields.check(
  rule<SimulationFields>([['workload'], ['cluster', 'pod']], (c, report) => {
    const pod = c.cluster.pod;
    const perPodRate = perPodRateOf(c);
    if (!(perPodRate > 0)) {
      report(
        ['cluster', 'pod', 'cpuIdle'],
        `at ${c.workload.policy.targetUtilizationPercent}% of a ${pod.requests.cpu}m request an idle pod already uses ${pod.cpuIdle * 1000}m, leaving no capacity; lower cpuIdle or raise the request`,
      );
      return;
    }
    const maxRate = pod.concurrency / pod.serviceTime;
    if (perPodRate >= maxRate) {
      report(
        ['workload', 'spec', 'capacity'],
        `one pod serves at most ${maxRate.toFixed(1)} requests/s (concurrency / serviceTime) but the capacity at the target is ${perPodRate.toFixed(1)}; lower the target or capacity.perPod`,
      );
    }
  }),
);

/** The simulated world, parsed: units in names, the workload and HPA specs validated. */
export interface SimulationConfig {
  readonly workload: PredictiveAutoscaler;
  readonly cluster: ClusterModel;
  readonly hpaSyncPeriodSeconds: number;
  readonly load: { readonly peakPods: number; readonly noise: 'none' | 'poisson' };
  readonly slo: ServiceLevel;
  /** Requests/s one pod serves at the workload's target utilization (the planner's `capacity.perPod`). */
  readonly perPodRate: number;
  readonly hpa: HpaSpec;
  readonly hpaTuned: HpaSpec;
  /** Prescale as the service runs it: its workload entry, loop settings, queries, and the HPA in front (null: Direct). */
  readonly prescale: {
    readonly workload: WorkloadConfig;
    readonly loop: ServiceConfig['loop'];
    readonly queries: SimQueries;
    readonly hpa: HpaSpec | null;
    /** When Prescale is down, seconds from the simulation's start; null = never. */
    readonly outage: { readonly startSeconds: number; readonly durationSeconds: number } | null;
    /** False: no model is ever fitted, so Prescale runs on its reactive fallback alone. */
    readonly forecast: boolean;
  };
  readonly staticReplicas: number;
  /** The RL agent: its checkpoint folder (null: the shipped one) and the reward's price of a violation minute. */
  readonly rl: { readonly checkpoint: string | null; readonly violationMinutePrice: number };
  /** The configuration as written, with every default filled in: what `experiment.json` records. */
  readonly resolved: unknown;
}

/**
 * `base` with `override` laid over it: objects merge key by key, anything else (arrays too) replaces, and
 * a delay of another `distribution` replaces the default delay whole (its fields differ).
 */
export function mergeConfig(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (isPlainObject(base) && isPlainObject(override)) {
    if ('distribution' in override && override.distribution !== base.distribution) return override;
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) out[key] = mergeConfig(base[key], value);
    return out;
  }
  return override;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The spec of the HPA the operator creates for this workload (`integration: HPA`), as a manifest writes it; the
 * simulated HPA in front of Prescale starts from it, so the two cannot drift apart.
 */
export function operatorHpaSpec(workload: PredictiveAutoscaler): Record<string, unknown> {
  return ownedHpa({ name: workload.name, namespace: workload.namespace, uid: 'simulated' }, workload).spec as Record<
    string,
    unknown
  >;
}

/**
 * Parses an experiment's simulation config (the user's file laid over `SIMULATION_DEFAULTS`). Throws
 * `invalid-input` listing every issue as `<source>: <dotted.path>: <problem>; <fix>`.
 */
export function parseSimulationConfig(userConfig: unknown = {}, source = 'config'): SimulationConfig {
  const resolved = mergeConfig(SIMULATION_DEFAULTS, userConfig) as Record<string, unknown>;
  const fail = (issues: readonly ConfigIssue[]): never => {
    throw new PrescaleError('invalid-input', issueLines(issues, `${source}: `), { field: issues[0]?.path });
  };
  const parsed = safeParseWithIssues(simulationSchema, resolved);
  if (!parsed.success) return fail(parsed.issues);
  const c = parsed.data;
  const workload = c.workload;
  const pod = c.cluster.pod;
  const cpuRequestMillicores = pod.requests.cpu;
  const costPerPodHour =
    (cpuRequestMillicores / 1000) * c.cluster.price.cpuCoreHour +
    (pod.requests.memory / 2 ** 30) * c.cluster.price.memoryGiBHour;
  const perPodRate = perPodRateOf(c);
  // The HPA in front of Prescale is the operator's own (one rule, one place), with the user's changes laid over it.
  const prescaleHpaGiven = mergeConfig(operatorHpaSpec(workload), c.policies.prescale.hpa) as Record<string, unknown>;
  const hpaSpec = (name: 'hpa' | 'hpa-tuned' | 'prescale'): HpaSpec => {
    const given = name === 'prescale' ? prescaleHpaGiven : c.policies[name];
    const spec = { minReplicas: workload.policy.minReplicas, maxReplicas: workload.policy.maxReplicas, ...given };
    const at = ['policies', name, ...(name === 'prescale' ? ['hpa'] : [])];
    const result = safeParseWithIssues(hpaSpecSchema, spec, at);
    return result.success ? result.data : fail(result.issues);
  };
  const hpa = hpaSpec('hpa');
  const hpaTuned = hpaSpec('hpa-tuned');
  const prescaleHpa = workload.integration === 'Direct' ? null : hpaSpec('prescale');
  const queries = c.policies.prescale.queries;
  // The service's view of the workload: capacity.perPod is the pod model's when the resource leaves it out
  // (what the service would learn from a long CPU history), and Direct is read as HPA (Direct only changes
  // who applies the value).
  const serviceWorkload: WorkloadConfig = {
    resource: {
      ...workload,
      capacityPerPod: workload.capacityPerPod ?? perPodRate,
      integration: workload.integration === 'Direct' ? 'HPA' : workload.integration,
    },
    queries: { cpu: queries.cpu, memory: null, latency: null, replicas: queries.replicas },
    podResources: {
      cpuRequestMillicores,
      cpuLimitMillicores: null,
      memoryRequestBytes: pod.requests.memory,
      memoryLimitBytes: null,
    },
    costPerPodHour,
    loadIsCpuCores: workload.metric.isDefaultCpuQuery,
  };
  const resolvedOut = mergeConfig(resolved, {
    policies: {
      hpa: { minReplicas: hpa.minReplicas, maxReplicas: hpa.maxReplicas, ...c.policies.hpa },
      'hpa-tuned': { minReplicas: hpaTuned.minReplicas, maxReplicas: hpaTuned.maxReplicas, ...c.policies['hpa-tuned'] },
      prescale: { hpa: prescaleHpaGiven },
    },
  });
  return {
    workload,
    cluster: {
      deploymentName: workload.targetRef.name,
      pod: {
        cpuRequestMillicores,
        memoryRequestBytes: pod.requests.memory,
        cpuIdleMillicores: pod.cpuIdle * 1000,
        cpuSecondsPerRequest: pod.cpuTimePerRequest,
        service: { concurrency: pod.concurrency, serviceTimeSeconds: pod.serviceTime, queueLimit: pod.queueLimit },
      },
      lifecycle: { ...c.cluster.startup, termination: c.cluster.termination },
      costPerPodHour,
      metricsServer: {
        resolutionSeconds: c.cluster.metricsServer.resolution,
        offsetSeconds: c.cluster.metricsServer.offset,
      },
      prometheusScrapeIntervalSeconds: c.cluster.prometheus.scrapeInterval,
    },
    hpaSyncPeriodSeconds: c.cluster.hpaSyncPeriod,
    load: c.load,
    slo: { latencyP95Seconds: c.slo.latencyP95, maxDropShare: c.slo.maxDropPercent / 100 },
    perPodRate,
    hpa,
    hpaTuned,
    prescale: {
      workload: serviceWorkload,
      loop: { ...c.policies.prescale.loop, trainer: 'in-process' },
      queries: { requests: workload.metric.query, cpu: queries.cpu, replicas: queries.replicas },
      hpa: prescaleHpa,
      outage:
        c.policies.prescale.outage === null
          ? null
          : { startSeconds: c.policies.prescale.outage.start, durationSeconds: c.policies.prescale.outage.duration },
      forecast: c.policies.prescale.forecast,
    },
    staticReplicas: c.policies.static.replicas ?? Math.ceil(c.load.peakPods),
    rl: c.policies.rl,
    resolved: resolvedOut,
  };
}
