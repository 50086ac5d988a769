import { z } from 'zod';
import { PrescaleError } from '../core/index.js';
import { type IssuesOr, issueLines, rule, safeParseWithIssues } from '../core/issues.js';
import { capacitySource } from '../planner/capacity.js';
import { FALLBACK_CAUSES } from '../planner/fallback.js';
import { initialPlannerState } from '../planner/horizontal.js';
import type { PlanInput } from '../planner/plan.js';
import type { PlannerState } from '../planner/types.js';
import { forecastSchema } from './forecast.js';
import { checkBudgetAgainstPod, costPerPodHourSchema, podResourcesShape, toPodResources } from './pod.js';
import { policyRules, policyShape, quantileSchema, toPlannerPolicy } from './policy.js';

/**
 * The `prescale plan` request (and `POST /v1/plan` body): a forecast, the current state, the pod and the
 * planning policy, composed from the standalone schemas (`policy.ts`, `pod.ts`), parsed to the planner's input.
 */

/** Staleness limit when there is no forecast step to take three of. */
const DEFAULT_STALE_AFTER_SECONDS = 90;

// zod 4 numbers are finite already (NaN and ±Infinity rejected).
const finite = z.number();
const nonNegative = finite.min(0);

/** The request's `policy`: the policy fields with `prediction.quantile`. */
const policySchema = z
  .strictObject({ ...policyShape, prediction: z.strictObject({ quantile: quantileSchema }).prefault({}) })
  .check(...policyRules('policy'));

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
      reasons: z.array(z.strictObject({ cause: z.enum(FALLBACK_CAUSES), message: z.string() })).default([]),
      sinceSeconds: finite.nullable().default(null),
      healthySinceSeconds: finite.nullable().default(null),
    })
    .prefault({ active: false }),
});

const workloadSchema = z.strictObject({
  resources: z.strictObject(podResourcesShape).prefault({}),
  costPerPodHour: costPerPodHourSchema,
  loadIsCpuCores: z.boolean().default(false),
  usage: z
    .strictObject({
      cpuMillicores: numberArray.default([]),
      memoryBytes: numberArray.default([]),
      load: numberArray.optional(),
    })
    .optional(),
  oomMemoryBytes: numberArray.default([]),
});

const requestFields = z.strictObject({
  nowSeconds: finite,
  forecast: forecastSchema.nullable().default(null),
  current: z.strictObject({
    replicas: z.number().int().min(0),
    readyReplicas: z.number().int().min(0).optional(),
    utilizationPercent: nonNegative.optional(),
    load: nonNegative.optional(),
  }),
  workload: workloadSchema.prefault({}),
  policy: policySchema.prefault({}),
  state: stateSchema.optional(),
});

type RequestFields = z.output<typeof requestFields>;

const requestSchema = requestFields
  .check(
    rule<RequestFields>([['forecast']], (r, report) => {
      const intervals = r.forecast?.intervals;
      if (!r.forecast || !intervals) return;
      for (const side of ['lower', 'upper'] as const) {
        if (intervals[side].length !== r.forecast.point.length) {
          report(
            ['forecast', 'intervals', side],
            `has ${intervals[side].length} values but forecast.point has ${r.forecast.point.length}; give one bound per point`,
          );
        }
      }
    }),
    rule<RequestFields>([['current']], (r, report) => {
      if (r.current.utilizationPercent === undefined && r.current.load === undefined) {
        report(
          ['current'],
          'neither utilizationPercent nor load is given; give at least one so the reactive recommendation can be computed',
        );
      }
    }),
    rule<RequestFields>([['workload'], ['policy', 'capacity'], ['policy', 'planner', 'budget']], (r, report) => {
      const pod = {
        resources: toPodResources(r.workload.resources),
        costPerPodHour: r.workload.costPerPodHour ?? null,
      };
      checkBudgetAgainstPod(
        r.policy.planner.budget,
        pod,
        {
          holder: 'policy',
          budget: ['policy', 'planner', 'budget'],
          cpuRequest: ['workload', 'resources', 'cpuRequest'],
          costPerPodHour: ['workload', 'costPerPodHour'],
        },
        report,
      );
      const usage = r.workload.usage;
      if (usage?.load !== undefined && usage.load.length !== usage.cpuMillicores.length) {
        report(
          ['workload', 'usage', 'load'],
          `has ${usage.load.length} samples but cpuMillicores has ${usage.cpuMillicores.length}; pair each load with one CPU sample`,
        );
      }
      const source = capacitySource({
        perPod: r.policy.capacity.perPod ?? null,
        loadIsCpuCores: r.workload.loadIsCpuCores,
        cpuRequestMillicores: pod.resources.cpuRequestMillicores,
        hasHistory: usage?.load !== undefined,
      });
      if (source === null) {
        report(
          ['policy', 'capacity', 'perPod'],
          'not given and cannot be derived; set it (load one pod serves at the target utilization), or give workload.usage.load with cpuMillicores to learn it, or set workload.loadIsCpuCores with a cpuRequest',
        );
      }
    }),
  )
  .transform((r): PlanInput => {
    const forecast = r.forecast;
    const usage = r.workload.usage;
    const state: PlannerState = r.state ?? initialPlannerState;
    return {
      nowSeconds: r.nowSeconds,
      policy: toPlannerPolicy(
        r.policy,
        r.policy.prediction.quantile,
        forecast ? 3 * forecast.step : DEFAULT_STALE_AFTER_SECONDS,
      ),
      capacity: { perPod: r.policy.capacity.perPod ?? null, loadIsCpuCores: r.workload.loadIsCpuCores },
      resources: { recommend: r.policy.resources.recommend, apply: r.policy.resources.apply },
      workload: {
        resources: toPodResources(r.workload.resources),
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

/** Parses a `prescale plan` request without throwing, collecting every issue (not only the first). */
export function safeParsePlanRequest(json: unknown): IssuesOr<PlanInput> {
  return safeParseWithIssues(requestSchema, json);
}

/**
 * Parses a `prescale plan` request; throws `invalid-input` whose message lists every issue as
 * `<dotted.path>: <problem>; <fix>`, one per line, and whose `field` is the first issue's path.
 */
export function parsePlanRequest(json: unknown): PlanInput {
  const result = safeParsePlanRequest(json);
  if (result.success) return result.data;
  throw new PrescaleError('invalid-input', issueLines(result.issues), { field: result.issues[0]?.path });
}
