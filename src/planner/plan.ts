import type { Forecast } from '../core/index.js';
import { type CapacityModel, resolveCapacity } from './capacity.js';
import { decideFallback, type SourceHealth } from './fallback.js';
import { planReplicas, planSchedule } from './horizontal.js';
import type {
  CurrentState,
  PlannerPolicy,
  PlannerState,
  PlanningEvidence,
  ReplicaDecision,
  ReplicaPlanInput,
  ScheduleEntry,
} from './types.js';
import { type PodResources, planResources, type ResourcePlan, type UsageHistory } from './vertical.js';

/**
 * A whole planning request, parsed: what `prescale plan` reads (via `src/config/plan-request.ts`) and what
 * the service builds for each workload. Units are in the names; durations already in seconds.
 */
export interface PlanInput {
  readonly nowSeconds: number;
  readonly policy: PlannerPolicy;
  /** `capacity.perPod` (null = derive it) and whether the load signal is CPU in cores. */
  readonly capacity: { readonly perPod: number | null; readonly loadIsCpuCores: boolean };
  /** `resources.recommend` / `resources.apply`: compute requests and limits, and plan with them. */
  readonly resources: { readonly recommend: boolean; readonly apply: boolean };
  readonly workload: {
    readonly resources: PodResources;
    readonly costPerPodHour: number | null;
    readonly usage: UsageHistory | null;
    readonly oomMemoryBytes: readonly number[];
  };
  readonly current: CurrentState;
  readonly forecast: Forecast | null;
  /** Rolling error of recent forecasts (percent) at the horizons the plan reads; null when unknown. */
  readonly forecastErrorPercent: number | null;
  /** What the service's sources report (Prometheus, data, model); absent for a plan request. */
  readonly sources?: SourceHealth;
  /** Recent misses and load for `planner.uncertainty` / `planner.seasonalEnvelope`; absent for a plan request. */
  readonly evidence?: PlanningEvidence;
  readonly state: PlannerState;
}

/** Everything a plan says: the decision now, the schedule, the capacity and resources behind them, the memory. */
export interface PlanResult {
  readonly decision: ReplicaDecision;
  readonly schedule: ScheduleEntry[];
  readonly capacity: CapacityModel;
  /** Null when `resources.recommend` is off. */
  readonly resources: ResourcePlan | null;
  readonly state: PlannerState;
}

/**
 * Plans one workload: capacity (given, from the CPU request, or learned), then the vertical plan, then the
 * fallback verdict (`decideFallback`: is the forecast trusted?), then the replica decision and schedule on the
 * trusted forecast or, in fallback, reactively. With `resources.apply` the replica plan uses the capacity and CPU request
 * the recommended resources give, so the two plans agree on what one pod is.
 */
export function plan(input: PlanInput): PlanResult {
  const { policy, workload } = input;
  const usage = workload.usage;
  const capacity = resolveCapacity({
    perPod: input.capacity.perPod,
    targetUtilizationPercent: policy.targetUtilizationPercent,
    cpuRequestMillicores: workload.resources.cpuRequestMillicores,
    loadIsCpuCores: input.capacity.loadIsCpuCores,
    history: usage !== null && usage.load !== null ? { load: usage.load, cpuMillicores: usage.cpuMillicores } : null,
  });
  const resources = input.resources.recommend
    ? planResources({ usage, oomMemoryBytes: workload.oomMemoryBytes, current: workload.resources, capacity })
    : null;
  const applied = input.resources.apply && resources !== null;
  const trusted = trustedReplicaInput(
    {
      policy,
      pod: {
        loadPerPod: applied ? resources.loadPerPodAtRecommendation : capacity.loadPerPod,
        cpuRequestMillicores: applied ? resources.cpu.requestMillicores : workload.resources.cpuRequestMillicores,
        costPerHour: workload.costPerPodHour,
      },
      current: input.current,
      forecast: input.forecast,
      forecastErrorPercent: input.forecastErrorPercent,
      sources: input.sources ?? null,
      evidence: input.evidence,
    },
    input.state,
    input.nowSeconds,
  );
  const { decision, state } = planReplicas(trusted.input, trusted.state, input.nowSeconds);
  const schedule = planSchedule(trusted.input, trusted.state, input.nowSeconds);
  return { decision, schedule, capacity, resources, state };
}

/** A replica decision's inputs before the fallback verdict: the forecast as given, with its evidence. */
export interface ReplicaRequest extends Omit<ReplicaPlanInput, 'fallback'> {
  /** Rolling error of recent forecasts (percent) at the horizons the plan reads; null when unknown. */
  readonly forecastErrorPercent: number | null;
  /** What the service's sources report; null for a plan request. */
  readonly sources: SourceHealth | null;
}

/**
 * The fallback verdict (`decideFallback`) turned into the planner's input: the forecast only when trusted, and
 * the memory with the new fallback state. Every caller of `planReplicas` goes through here.
 */
export function trustedReplicaInput(
  request: ReplicaRequest,
  state: PlannerState,
  nowSeconds: number,
): { input: ReplicaPlanInput; state: PlannerState } {
  const { forecastErrorPercent, sources, ...rest } = request;
  const verdict = decideFallback(
    {
      sources,
      forecast: request.forecast,
      errorPercent: forecastErrorPercent,
      leadSeconds: request.policy.podStartupSeconds,
    },
    state.fallback,
    nowSeconds,
    request.policy.fallback,
  );
  return {
    input: { ...rest, forecast: verdict.forecast, fallback: verdict.state },
    state: { ...state, fallback: verdict.state },
  };
}
