import { type CapacityModel, cpuAtLoadP90 } from './capacity.js';
import { derivedOnce, formatLoad, nearestRank, sortedFinite } from './stats.js';

const MIB = 1024 * 1024;

/**
 * The Kubernetes VPA recommender's defaults (kubernetes/autoscaler `vertical-pod-autoscaler/pkg/recommender`:
 * `logic/recommender.go` flags and `model` OOM constants), which the vertical plan follows.
 */
export const VPA_DEFAULTS = {
  /** `--target-cpu-percentile` / `--target-memory-percentile`. */
  targetPercentile: 0.9,
  /** `--recommendation-lower-bound-*-percentile`. */
  lowerBoundPercentile: 0.5,
  /** `--recommendation-upper-bound-*-percentile`. */
  upperBoundPercentile: 0.95,
  /** `--recommendation-margin-fraction`: added on top of the usage percentile. */
  safetyMarginFraction: 0.15,
  /** `--pod-recommendation-min-cpu-millicores`. */
  minCpuMillicores: 25,
  /** `--pod-recommendation-min-memory-mb` (250, read as MiB: the flag is multiplied by 1024 × 1024). */
  minMemoryBytes: 250 * MIB,
  /** `--oom-bump-up-ratio`: memory after an OOM kill is at least this × the usage at the kill. */
  oomBumpUpRatio: 1.2,
  /** `--oom-min-bump-up`: and at least this much more (100 MiB). */
  oomMinBumpUpBytes: 100 * MIB,
} as const;

/** The pod's resources as they are now (millicores, bytes); each null when not set. */
export interface PodResources {
  readonly cpuRequestMillicores: number | null;
  readonly cpuLimitMillicores: number | null;
  readonly memoryRequestBytes: number | null;
  readonly memoryLimitBytes: number | null;
}

/**
 * Per-pod usage history: one sample per pod and time (or per time, averaged over pods). `load` pairs each
 * CPU sample with the pod's load then; without it CPU cannot be tied to capacity. Give memory as
 * per-interval peaks for parity with the VPA (it keeps one peak per 24 h). Read-only: the planner keeps what it
 * derives from these arrays (sorted samples, the load→CPU fit) per array, so give new arrays for new history.
 */
/** Sorted usable samples per usage array (`UsageHistory` is read-only). */
const sortedCpuSamples = new WeakMap<object, Float64Array>();
const sortedMemorySamples = new WeakMap<object, Float64Array>();

export interface UsageHistory {
  readonly cpuMillicores: ArrayLike<number>;
  readonly memoryBytes: ArrayLike<number>;
  readonly load: ArrayLike<number> | null;
}

/** Where a recommendation came from. */
export type ResourceBasis =
  /** CPU tied to the replica plan's capacity through the load→CPU fit. */
  | 'capacity'
  /** VPA arithmetic on usage percentiles. */
  | 'usage'
  /** No samples: the current request kept. */
  | 'current'
  /** No samples and no request: the VPA minimum. */
  | 'minimum';

/** CPU per pod, millicores. A null limit means no CPU limit (CPU limits throttle). */
export interface CpuRecommendation {
  readonly requestMillicores: number;
  readonly limitMillicores: number | null;
  readonly lowerBoundMillicores: number;
  readonly upperBoundMillicores: number;
  readonly basis: ResourceBasis;
}

/** Memory per pod, bytes (whole MiB). */
export interface MemoryRecommendation {
  readonly requestBytes: number;
  readonly limitBytes: number | null;
  readonly lowerBoundBytes: number;
  readonly upperBoundBytes: number;
  readonly basis: ResourceBasis;
  /** True when an OOM kill, not the usage percentile, set the request. */
  readonly oomBumped: boolean;
}

/** CPU and memory per pod, what capacity per pod those requests give, and the CRD status strings. */
export interface ResourcePlan {
  readonly cpu: CpuRecommendation;
  readonly memory: MemoryRecommendation;
  /**
   * Load one pod serves at target utilization with the recommended CPU request. Equal to the capacity
   * the replica plan uses when CPU is `capacity`-based, so applying the requests never moves the replica
   * count; otherwise scaled in proportion to the request change.
   */
  readonly loadPerPodAtRecommendation: number;
  /** `status.recommendations` of the PredictiveAutoscaler, as Kubernetes quantities (`500m`, `1035Mi`). */
  readonly status: {
    readonly cpuRequest: string;
    readonly cpuLimit: string | null;
    readonly memoryRequest: string;
    readonly memoryLimit: string | null;
  };
  /** One line a person can read. */
  readonly reason: string;
}

/** A request with its bounds, before the limit and units are attached. */
interface Sized {
  readonly request: number;
  readonly lowerBound: number;
  readonly upperBound: number;
  readonly basis: ResourceBasis;
}

/** What `planResources` reads. */
export interface ResourcePlanInput {
  readonly usage: UsageHistory | null;
  /** Memory usage (bytes) at each observed OOM kill of the workload's pods. */
  readonly oomMemoryBytes: ArrayLike<number>;
  readonly current: PodResources;
  readonly capacity: CapacityModel;
}

/**
 * Recommends CPU and memory requests and limits per pod, in the spirit of the VPA recommender and
 * consistent with the replica plan:
 * - Memory: P90 of the samples (OOM samples bumped to max(1.2 × usage, usage + 100 MiB)) × 1.15, never below
 *   the largest OOM bump nor 250 MiB; bounds at P50 and P95 × 1.15; rounded up to a whole MiB.
 * - CPU with a load→CPU fit: the request at which a pod serving the plan's capacity (`loadPerPod`) runs at
 *   the target utilization at the fit's P90, (intercept + slope × loadPerPod + residual P90) / target; the
 *   bounds use the residual P50 and P95. The target utilization is the margin (the VPA's 15% would come on
 *   top of it). Replicas and requests then agree by construction: the capacity is the same before and after.
 * - CPU without a fit: the VPA's P90 × 1.15 (bounds P50, P95), with capacity scaled by the request change.
 * - Both never below the VPA minimums (25 millicores, 250 MiB). Limits keep the current limit/request ratio
 *   (at least 1); without a current limit, memory limit = request and no CPU limit.
 */
export function planResources(input: ResourcePlanInput): ResourcePlan {
  const { capacity, current } = input;
  const cpu = recommendCpu(input);
  const memory = recommendMemory(input);
  const capacityBased = cpu.basis === 'capacity';
  const loadPerPodAtRecommendation =
    capacityBased || capacity.cpuRequestMillicores === null || !(capacity.cpuRequestMillicores > 0)
      ? capacity.loadPerPod
      : (capacity.loadPerPod * cpu.request) / capacity.cpuRequestMillicores;
  const cpuLimit = limitFor(cpu.request, current.cpuRequestMillicores, current.cpuLimitMillicores, false);
  const memoryLimit = limitFor(memory.request, current.memoryRequestBytes, current.memoryLimitBytes, true);
  const reason =
    `cpu ${cpu.request}m (${basisText(cpu.basis)}), memory ${memory.request / MIB}Mi ` +
    `(${basisText(memory.basis)}${memory.oomBumped ? ', bumped after an OOM kill' : ''}); ` +
    (capacityBased
      ? `a pod serves ${formatLoad(capacity.loadPerPod)} at ${capacity.targetUtilizationPercent}% either way`
      : `a pod would serve ${formatLoad(loadPerPodAtRecommendation)} at ${capacity.targetUtilizationPercent}%`);
  return {
    cpu: {
      requestMillicores: cpu.request,
      limitMillicores: cpuLimit,
      lowerBoundMillicores: cpu.lowerBound,
      upperBoundMillicores: cpu.upperBound,
      basis: cpu.basis,
    },
    memory: {
      requestBytes: memory.request,
      limitBytes: memoryLimit,
      lowerBoundBytes: memory.lowerBound,
      upperBoundBytes: memory.upperBound,
      basis: memory.basis,
      oomBumped: memory.oomBumped,
    },
    loadPerPodAtRecommendation,
    status: {
      cpuRequest: `${cpu.request}m`,
      cpuLimit: cpuLimit === null ? null : `${cpuLimit}m`,
      memoryRequest: `${memory.request / MIB}Mi`,
      memoryLimit: memoryLimit === null ? null : `${memoryLimit / MIB}Mi`,
    },
    reason,
  };
}

function recommendCpu(input: ResourcePlanInput): Sized {
  const min = VPA_DEFAULTS.minCpuMillicores;
  const atLeastMin = (millicores: number) => Math.max(min, Math.ceil(millicores - 1e-9));
  const fit = input.capacity.fit;
  if (fit !== null) {
    const utilization = input.capacity.targetUtilizationPercent / 100;
    const line = fit.interceptMillicores + fit.millicoresPerLoadUnit * input.capacity.loadPerPod;
    return {
      request: atLeastMin(cpuAtLoadP90(fit, input.capacity.loadPerPod) / utilization),
      lowerBound: atLeastMin((line + fit.residualP50Millicores) / utilization),
      upperBound: atLeastMin((line + fit.residualP95Millicores) / utilization),
      basis: 'capacity',
    };
  }
  const cpu = input.usage?.cpuMillicores ?? [];
  const samples = derivedOnce(sortedCpuSamples, cpu, () => sortedFinite(cpu));
  if (samples.length > 0) {
    const margin = 1 + VPA_DEFAULTS.safetyMarginFraction;
    return {
      request: atLeastMin(nearestRank(samples, VPA_DEFAULTS.targetPercentile) * margin),
      lowerBound: atLeastMin(nearestRank(samples, VPA_DEFAULTS.lowerBoundPercentile) * margin),
      upperBound: atLeastMin(nearestRank(samples, VPA_DEFAULTS.upperBoundPercentile) * margin),
      basis: 'usage',
    };
  }
  return keepOrMinimum(input.current.cpuRequestMillicores, min, 1);
}

function recommendMemory(input: ResourcePlanInput): Sized & { oomBumped: boolean } {
  const min = VPA_DEFAULTS.minMemoryBytes;
  const atLeastMin = (bytes: number) => Math.max(min, Math.ceil(bytes / MIB - 1e-9) * MIB);
  const usage = input.usage?.memoryBytes ?? [];
  const bumps: number[] = [];
  for (let i = 0; i < input.oomMemoryBytes.length; i++) {
    const used = input.oomMemoryBytes[i];
    if (Number.isFinite(used) && used >= 0) {
      bumps.push(Math.max(used * VPA_DEFAULTS.oomBumpUpRatio, used + VPA_DEFAULTS.oomMinBumpUpBytes));
    }
  }
  const usable = derivedOnce(sortedMemorySamples, usage, () =>
    sortedFinite(Array.from(usage, (bytes) => (bytes >= 0 ? bytes : Number.NaN))),
  );
  const samples = bumps.length === 0 ? usable : sortedFinite([...usable, ...bumps]);
  if (samples.length === 0) return { ...keepOrMinimum(input.current.memoryRequestBytes, min, MIB), oomBumped: false };
  const margin = 1 + VPA_DEFAULTS.safetyMarginFraction;
  const largestBump = bumps.length > 0 ? Math.max(...bumps) : 0;
  const fromPercentile = nearestRank(samples, VPA_DEFAULTS.targetPercentile) * margin;
  const request = atLeastMin(Math.max(fromPercentile, largestBump));
  return {
    request,
    lowerBound: atLeastMin(nearestRank(samples, VPA_DEFAULTS.lowerBoundPercentile) * margin),
    upperBound: Math.max(request, atLeastMin(nearestRank(samples, VPA_DEFAULTS.upperBoundPercentile) * margin)),
    basis: 'usage',
    oomBumped: largestBump > fromPercentile,
  };
}

/** No samples: keep the current request (rounded up to `unit`, at least the minimum) or fall to the minimum. */
function keepOrMinimum(current: number | null, min: number, unit: number): Sized {
  if (current !== null && Number.isFinite(current) && current >= 0) {
    const kept = Math.max(min, Math.ceil(current / unit - 1e-9) * unit);
    return { request: kept, lowerBound: kept, upperBound: kept, basis: 'current' };
  }
  return { request: min, lowerBound: min, upperBound: min, basis: 'minimum' };
}

/** The limit for a new request: the current limit/request ratio kept (at least 1), as the VPA does. */
function limitFor(
  request: number,
  currentRequest: number | null,
  currentLimit: number | null,
  memory: boolean,
): number | null {
  if (currentLimit !== null && currentRequest !== null && currentRequest > 0 && Number.isFinite(currentLimit)) {
    const ratio = Math.max(1, currentLimit / currentRequest);
    return memory ? Math.ceil((request * ratio) / MIB - 1e-9) * MIB : Math.ceil(request * ratio - 1e-9);
  }
  return memory ? request : null;
}

function basisText(basis: ResourceBasis): string {
  switch (basis) {
    case 'capacity':
      return 'P90 CPU at the planned load per pod over the target utilization';
    case 'usage':
      return 'P90 of usage + 15%';
    case 'current':
      return 'no samples: current request kept';
    case 'minimum':
      return 'no samples and no request: VPA minimum';
  }
}
