import type { Forecast } from '../core/index.js';
import { type CapacityModel, resolveCapacity } from './capacity.js';
import { planReplicas, planSchedule } from './horizontal.js';
import type { CurrentState, PlannerPolicy, PlannerState, ReplicaDecision, ScheduleEntry } from './types.js';
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
  readonly forecastErrorPercent: number | null;
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
 * replica decision and schedule. With `resources.apply` the replica plan uses the capacity and CPU request
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
  const replicaInput = {
    policy,
    pod: {
      loadPerPod: applied ? resources.loadPerPodAtRecommendation : capacity.loadPerPod,
      cpuRequestMillicores: applied ? resources.cpu.requestMillicores : workload.resources.cpuRequestMillicores,
      costPerHour: workload.costPerPodHour,
    },
    current: input.current,
    forecast: input.forecast,
    forecastErrorPercent: input.forecastErrorPercent,
  };
  const { decision, state } = planReplicas(replicaInput, input.state, input.nowSeconds);
  const schedule = planSchedule(replicaInput, input.state, input.nowSeconds);
  return { decision, schedule, capacity, resources, state };
}
