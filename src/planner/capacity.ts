import { PrescaleError } from '../core/index.js';
import { derivedOnce, nearestRank, sortedFinite } from './stats.js';

/** Fewest paired (load, CPU) samples a regression is fitted on. */
export const MIN_FIT_SAMPLES = 10;

/** How well per-pod CPU follows per-pod load: r² ≥ 0.8 good, ≥ 0.5 fair, else poor. */
export type FitQuality = 'good' | 'fair' | 'poor';

/**
 * Per-pod CPU usage as a straight line of per-pod load, cpu = intercept + slope × load, fitted by least
 * squares, with the quantiles of its residuals (how far above the line CPU goes at a given load).
 */
export interface LoadCpuFit {
  readonly interceptMillicores: number;
  readonly millicoresPerLoadUnit: number;
  readonly r2: number;
  readonly quality: FitQuality;
  readonly samples: number;
  readonly residualP50Millicores: number;
  readonly residualP90Millicores: number;
  readonly residualP95Millicores: number;
}

/**
 * Fits per-pod CPU (millicores) against per-pod load over paired samples; pairs with a non-finite or
 * negative member are skipped. Throws `not-enough-data` (field `field`) with fewer than MIN_FIT_SAMPLES
 * pairs, no spread in load, or CPU that does not rise with load.
 */
export function fitLoadCpu(
  loadPerPod: ArrayLike<number>,
  cpuMillicores: ArrayLike<number>,
  field = 'workload.usage',
): LoadCpuFit {
  if (loadPerPod.length !== cpuMillicores.length) {
    throw new PrescaleError(
      'invalid-input',
      `${field}: load has ${loadPerPod.length} samples but cpuMillicores has ${cpuMillicores.length}; give one load per CPU sample`,
      { field },
    );
  }
  let n = 0;
  let sumX = 0;
  let sumY = 0;
  for (let i = 0; i < loadPerPod.length; i++) {
    const x = loadPerPod[i];
    const y = cpuMillicores[i];
    if (Number.isFinite(x) && Number.isFinite(y) && x >= 0 && y >= 0) {
      n++;
      sumX += x;
      sumY += y;
    }
  }
  if (n < MIN_FIT_SAMPLES) {
    throw new PrescaleError(
      'not-enough-data',
      `${field}: ${n} usable (load, CPU) pairs, need at least ${MIN_FIT_SAMPLES} to learn the capacity; give more history or set capacity.perPod`,
      { field },
    );
  }
  const meanX = sumX / n;
  const meanY = sumY / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < loadPerPod.length; i++) {
    const x = loadPerPod[i];
    const y = cpuMillicores[i];
    if (Number.isFinite(x) && Number.isFinite(y) && x >= 0 && y >= 0) {
      sxx += (x - meanX) * (x - meanX);
      sxy += (x - meanX) * (y - meanY);
      syy += (y - meanY) * (y - meanY);
    }
  }
  if (!(sxx > 0) || !(sxy > 0)) {
    throw new PrescaleError(
      'not-enough-data',
      `${field}: CPU does not rise with load in these samples (no spread in load, or a flat or falling line); give history that covers low and high load, or set capacity.perPod`,
      { field },
    );
  }
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  const residuals = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < loadPerPod.length; i++) {
    const x = loadPerPod[i];
    const y = cpuMillicores[i];
    if (Number.isFinite(x) && Number.isFinite(y) && x >= 0 && y >= 0) residuals[j++] = y - (intercept + slope * x);
  }
  const sorted = sortedFinite(residuals);
  const r2 = syy > 0 ? Math.min(1, (sxy * sxy) / (sxx * syy)) : 1;
  return {
    interceptMillicores: intercept,
    millicoresPerLoadUnit: slope,
    r2,
    quality: r2 >= 0.8 ? 'good' : r2 >= 0.5 ? 'fair' : 'poor',
    samples: n,
    residualP50Millicores: nearestRank(sorted, 0.5),
    residualP90Millicores: nearestRank(sorted, 0.9),
    residualP95Millicores: nearestRank(sorted, 0.95),
  };
}

/** Fits (or why there is none) per pair of read-only history arrays (see `UsageHistory`). */
const fitsByLoad = new WeakMap<object, WeakMap<object, LoadCpuFit | { error: unknown }>>();

/** `fitLoadCpu`, computed once per pair of history arrays: the planner reads the same history on every sync. */
function fitLoadCpuOnce(load: ArrayLike<number>, cpuMillicores: ArrayLike<number>): LoadCpuFit {
  const byCpu = derivedOnce(fitsByLoad, load, () => new WeakMap<object, LoadCpuFit | { error: unknown }>());
  const fit = derivedOnce(byCpu, cpuMillicores, () => {
    try {
      return fitLoadCpu(load, cpuMillicores);
    } catch (error) {
      return { error };
    }
  });
  if ('error' in fit) throw fit.error;
  return fit;
}

/** CPU (millicores) a pod uses at `load` at the fit's P90: the line plus the 90th percentile of its residuals. */
export function cpuAtLoadP90(fit: LoadCpuFit, load: number): number {
  return fit.interceptMillicores + fit.millicoresPerLoadUnit * load + fit.residualP90Millicores;
}

/**
 * How much load one pod serves at its target utilization, and where that number came from:
 * `given` (capacity.perPod), `cpu-request` (the load is CPU in cores: request × target, the CRD's default),
 * or `learned` (the load at which the P90 of per-pod CPU reaches target × request, from the fit).
 */
export interface CapacityModel {
  readonly loadPerPod: number;
  readonly source: 'given' | 'cpu-request' | 'learned';
  readonly targetUtilizationPercent: number;
  /** The CPU request (millicores) the capacity holds at; null when unknown. */
  readonly cpuRequestMillicores: number | null;
  /** The load→CPU regression when paired history was given and fitted; null otherwise. */
  readonly fit: LoadCpuFit | null;
}

/**
 * Where the capacity per pod comes from, decided before any data is read: given > CPU request (the load is CPU
 * in cores) > learned from paired history; null when none applies. The one rule: `resolveCapacity` follows
 * it, and the configuration schemas check it at the edge.
 */
export function capacitySource(input: {
  readonly perPod: number | null;
  readonly loadIsCpuCores: boolean;
  readonly cpuRequestMillicores: number | null;
  readonly hasHistory: boolean;
}): CapacityModel['source'] | null {
  if (input.perPod !== null) return 'given';
  if (input.loadIsCpuCores && input.cpuRequestMillicores !== null) return 'cpu-request';
  return input.hasHistory ? 'learned' : null;
}

/** What `resolveCapacity` reads. */
export interface CapacityInput {
  readonly perPod: number | null;
  readonly targetUtilizationPercent: number;
  readonly cpuRequestMillicores: number | null;
  /** The load signal is CPU usage in cores (the CRD's default metric). */
  readonly loadIsCpuCores: boolean;
  /** Paired per-pod samples for the regression; null when there is no history. */
  readonly history: { readonly load: ArrayLike<number>; readonly cpuMillicores: ArrayLike<number> } | null;
}

/**
 * Decides the capacity per pod: given > CPU request (load in cores) > learned from history. The fit is
 * computed whenever paired history exists (the vertical plan uses it) but only required when learning.
 * Throws `invalid-input` / `not-enough-data` naming the field to fill in.
 */
export function resolveCapacity(input: CapacityInput): CapacityModel {
  const { perPod, targetUtilizationPercent: target, cpuRequestMillicores: request } = input;
  let fit: LoadCpuFit | null = null;
  let fitError: unknown = null;
  if (input.history !== null) {
    try {
      fit = fitLoadCpuOnce(input.history.load, input.history.cpuMillicores);
    } catch (error) {
      fitError = error;
    }
  }
  const base = { targetUtilizationPercent: target, cpuRequestMillicores: request, fit };
  const source = capacitySource({ ...input, hasHistory: input.history !== null });
  if (source === 'given') return { ...base, loadPerPod: perPod as number, source };
  if (source === 'cpu-request') return { ...base, loadPerPod: (((request as number) / 1000) * target) / 100, source };
  if (source === null) {
    throw new PrescaleError(
      'invalid-input',
      'capacity.perPod: not given and cannot be learned without workload.usage (paired load and cpuMillicores); set capacity.perPod or give the history',
      { field: 'capacity.perPod' },
    );
  }
  if (fit === null) throw fitError;
  if (request === null) {
    throw new PrescaleError(
      'invalid-input',
      'workload.resources.cpuRequest: needed to learn the capacity (load at target × request); give the pod CPU request or set capacity.perPod',
      { field: 'workload.resources.cpuRequest' },
    );
  }
  const loadPerPod =
    ((target / 100) * request - fit.interceptMillicores - fit.residualP90Millicores) / fit.millicoresPerLoadUnit;
  if (!(loadPerPod > 0)) {
    throw new PrescaleError(
      'invalid-input',
      `workload.resources.cpuRequest: at ${request}m and ${target}% target a pod has no CPU left for load (idle P90 CPU is ${Math.round(fit.interceptMillicores + fit.residualP90Millicores)}m); raise the request or set capacity.perPod`,
      { field: 'workload.resources.cpuRequest' },
    );
  }
  return { ...base, loadPerPod, source: 'learned' };
}
