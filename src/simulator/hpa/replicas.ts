/**
 * The replica calculator (§1.4–§1.5): one metric's readings → a replica proposal, each with the
 * branch that decided it. Mirrors Kubernetes' `replica_calculator.go` and `metrics/utilization.go`.
 */
import { countReadyPods, groupPods, type PodGroups, type PodMetricsInfo, podRequestsMilli } from './pods.js';
import type { HpaBehavior, HpaControllerConfig, PodSnapshot, ResourceName } from './types.js';

/** Largest replica count the controller can write (int32). */
export const MAX_REPLICAS = 2_147_483_647;

/** Usage-ratio band inside which the controller keeps the current replicas (§1.4). */
export interface Tolerances {
  readonly scaleDown: number;
  readonly scaleUp: number;
}

/** `isWithin`: (1 − down) ≤ ratio ≤ (1 + up), both bounds inclusive. */
export function isWithinTolerance(tolerances: Tolerances, usageRatio: number): boolean {
  return 1 - tolerances.scaleDown <= usageRatio && usageRatio <= 1 + tolerances.scaleUp;
}

/**
 * `tolerancesForHpa`: the controller flag in both directions, overridden per direction by
 * `behavior.scaleUp/scaleDown.tolerance` (HPAConfigurableTolerance, on by default since 1.35).
 */
export function tolerancesForHpa(behavior: HpaBehavior | null, controllerTolerance: number): Tolerances {
  return {
    scaleDown: behavior?.scaleDown.tolerance ?? controllerTolerance,
    scaleUp: behavior?.scaleUp.tolerance ?? controllerTolerance,
  };
}

/** A proposal and the branch of the formula that produced it. */
export interface ReplicaDecision {
  readonly replicas: number;
  readonly reason: string;
}

/** A calculator's answer: a value, or the error that makes the metric invalid this reconcile. */
export type Calculated<T> = ({ readonly ok: true } & T) | { readonly ok: false; readonly error: string };

type Readiness = Pick<HpaControllerConfig, 'cpuInitializationPeriodSeconds' | 'initialReadinessDelaySeconds'>;

/** Common inputs of the per-pod calculators (Resource and Pods metrics). */
export interface PerPodMetricInput {
  /** Spec replicas: what "keep the current size" means. */
  readonly currentReplicas: number;
  readonly pods: readonly PodSnapshot[];
  /** Samples the metrics API returned, by pod name (may name pods the lister does not know). */
  readonly metrics: PodMetricsInfo;
  /** Only the CPU resource gets the readiness test (§1.5.1 step 4). */
  readonly isCpu: boolean;
  readonly tolerances: Tolerances;
  readonly nowSeconds: number;
  readonly readiness: Readiness;
}

const NO_PODS = 'no pods returned by selector while calculating replica count';
const NO_USABLE_SAMPLES = 'did not receive metrics for targeted pods (pods might be unready)';

/** x·y/z rounded down, exact even when x·y passes 2^53 (memory in milli-bytes does). */
function mulDivFloor(x: number, y: number, z: number): number {
  const product = x * y;
  if (product <= Number.MAX_SAFE_INTEGER) return Math.floor(product / z);
  return Number((BigInt(x) * BigInt(y)) / BigInt(z));
}

/** `GetResourceUtilizationRatio`: integer utilization % over the pods with samples, and the raw average. */
export function resourceUtilization(
  values: ReadonlyMap<string, number>,
  requests: ReadonlyMap<string, number>,
): { readonly percent: number; readonly rawAverageMilli: number } | null {
  let usageTotal = 0;
  let requestTotal = 0;
  let entries = 0;
  for (const [podName, value] of values) {
    const request = requests.get(podName);
    if (request === undefined) continue; // a sample for a pod the lister does not know
    usageTotal += value;
    requestTotal += request;
    entries++;
  }
  if (requestTotal === 0) return null;
  return { percent: mulDivFloor(usageTotal, 100, requestTotal), rawAverageMilli: Math.floor(usageTotal / entries) };
}

/** `GetMetricUsageRatio`'s usage: the integer average of all samples. */
export function averageUsageMilli(values: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const value of values.values()) total += value;
  return Math.floor(total / values.size);
}

/** Samples left once ignored and unready pods are dropped (`removeMetricsForPods`). */
function usableValues(metrics: PodMetricsInfo, groups: PodGroups): Map<string, number> {
  const values = new Map<string, number>();
  for (const [podName, sample] of metrics) {
    if (!groups.ignored.has(podName) && !groups.unready.has(podName)) values.set(podName, sample.valueMilli);
  }
  return values;
}

/**
 * Steps 5–6 of §1.5.3, shared by utilization and average-value targets: propose from ready pods
 * when nothing is missing, else fill in missing/unready pods conservatively and re-check the
 * direction so the fill-in can only damp a change, never reverse it.
 */
export function proposeWithMissingAndUnready(args: {
  readonly currentReplicas: number;
  readonly usageRatio: number;
  readonly readyPodCount: number;
  readonly groups: PodGroups;
  /** Usable samples; extended in place with the fill-in values. */
  readonly values: Map<string, number>;
  readonly tolerances: Tolerances;
  /** The value a missing pod is assumed to use when the metric says scale down. */
  readonly missingValueOnScaleDown: (podName: string) => number;
  readonly ratioOf: (values: ReadonlyMap<string, number>) => number;
}): ReplicaDecision {
  const { currentReplicas, usageRatio, groups, values, tolerances } = args;
  const scaleUpWithUnready = groups.unready.size > 0 && usageRatio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (isWithinTolerance(tolerances, usageRatio)) return { replicas: currentReplicas, reason: 'within tolerance' };
    return {
      replicas: Math.ceil(usageRatio * args.readyPodCount),
      reason: `ceil(usage ratio ${usageRatio} × ${args.readyPodCount} ready pods)`,
    };
  }
  if (usageRatio < 1) {
    for (const podName of groups.missing) values.set(podName, args.missingValueOnScaleDown(podName));
  } else if (usageRatio > 1) {
    for (const podName of groups.missing) values.set(podName, 0);
  }
  if (scaleUpWithUnready) {
    for (const podName of groups.unready) values.set(podName, 0);
  }
  const newRatio = args.ratioOf(values);
  if (isWithinTolerance(tolerances, newRatio)) {
    return { replicas: currentReplicas, reason: 'within tolerance once missing/unready pods are filled in' };
  }
  if ((usageRatio < 1 && newRatio > 1) || (usageRatio > 1 && newRatio < 1)) {
    return { replicas: currentReplicas, reason: 'filling in missing/unready pods reverses the direction' };
  }
  const newReplicas = Math.ceil(newRatio * values.size);
  if ((newRatio < 1 && newReplicas > currentReplicas) || (newRatio > 1 && newReplicas < currentReplicas)) {
    return { replicas: currentReplicas, reason: 'the pod count after fill-in reverses the direction' };
  }
  return {
    replicas: newReplicas,
    reason: `ceil(usage ratio ${newRatio} × ${values.size} pods) with missing/unready pods filled in`,
  };
}

/** `GetResourceReplicas`: Resource metric with a Utilization target (% of requests). */
export function replicasForUtilization(
  input: PerPodMetricInput & { readonly resource: ResourceName; readonly targetUtilization: number },
): Calculated<ReplicaDecision & { readonly utilization: number; readonly rawAverageMilli: number }> {
  if (input.pods.length === 0) return { ok: false, error: NO_PODS };
  const groups = groupPods(input.pods, input.metrics, input.isCpu, input.nowSeconds, input.readiness);
  const values = usableValues(input.metrics, groups);
  if (values.size === 0) return { ok: false, error: NO_USABLE_SAMPLES };
  const podRequests = podRequestsMilli(input.pods, input.resource);
  if ('error' in podRequests) return { ok: false, error: podRequests.error };
  const { requests } = podRequests;
  const measured = resourceUtilization(values, requests);
  if (measured === null) return { ok: false, error: 'no metrics returned matched known pods' };
  const target = input.targetUtilization;
  const fallbackPercent = Math.max(100, target);
  const decision = proposeWithMissingAndUnready({
    currentReplicas: input.currentReplicas,
    usageRatio: measured.percent / target,
    readyPodCount: groups.readyPodCount,
    groups,
    values,
    tolerances: input.tolerances,
    missingValueOnScaleDown: (podName) => mulDivFloor(requests.get(podName)!, fallbackPercent, 100),
    ratioOf: (filled) => resourceUtilization(filled, requests)!.percent / target,
  });
  return { ok: true, ...decision, utilization: measured.percent, rawAverageMilli: measured.rawAverageMilli };
}

/** `calcPlainMetricReplicas`: Resource or Pods metric with an AverageValue target (per-pod average). */
export function replicasForAverageValue(
  input: PerPodMetricInput & { readonly targetMilli: number },
): Calculated<ReplicaDecision & { readonly averageValueMilli: number }> {
  if (input.pods.length === 0) return { ok: false, error: NO_PODS };
  const groups = groupPods(input.pods, input.metrics, input.isCpu, input.nowSeconds, input.readiness);
  const values = usableValues(input.metrics, groups);
  if (values.size === 0) return { ok: false, error: NO_USABLE_SAMPLES };
  const target = input.targetMilli;
  const usage = averageUsageMilli(values);
  const decision = proposeWithMissingAndUnready({
    currentReplicas: input.currentReplicas,
    usageRatio: usage / target,
    readyPodCount: groups.readyPodCount,
    groups,
    values,
    tolerances: input.tolerances,
    missingValueOnScaleDown: () => target,
    ratioOf: (filled) => averageUsageMilli(filled) / target,
  });
  return { ok: true, ...decision, averageValueMilli: usage };
}

/**
 * `getUsageRatioReplicaCount`: Object or External metric with a Value target. Outside tolerance the
 * ratio multiplies the Running+Ready pods of the target (not spec replicas).
 */
export function replicasForValue(input: {
  readonly currentReplicas: number;
  readonly usageMilli: number;
  readonly targetMilli: number;
  readonly pods: readonly PodSnapshot[];
  readonly tolerances: Tolerances;
}): Calculated<ReplicaDecision> {
  const usageRatio = input.usageMilli / input.targetMilli;
  if (isWithinTolerance(input.tolerances, usageRatio)) {
    return { ok: true, replicas: input.currentReplicas, reason: 'within tolerance' };
  }
  if (input.pods.length === 0) return { ok: false, error: `unable to calculate ready pods: ${NO_PODS}` };
  const readyPods = countReadyPods(input.pods);
  const proposal = usageRatio * readyPods;
  return {
    ok: true,
    replicas: proposal > MAX_REPLICAS ? MAX_REPLICAS : Math.ceil(proposal),
    reason: `ceil(usage ratio ${usageRatio} × ${readyPods} Running+Ready pods)`,
  };
}

/**
 * `GetObjectPerPodMetricReplicas` / `GetExternalPerPodMetricReplicas`: Object or External metric with
 * an AverageValue target. The tolerance test divides by status replicas; the proposal is
 * ceil(value / target) and does not depend on the pod count at all (§1.5.6).
 */
export function replicasForPerPodValue(input: {
  readonly statusReplicas: number;
  readonly usageMilli: number;
  readonly targetPerPodMilli: number;
  readonly tolerances: Tolerances;
}): Calculated<ReplicaDecision & { readonly averageValueMilli: number }> {
  const { statusReplicas, usageMilli, targetPerPodMilli } = input;
  const usageRatio = usageMilli / (targetPerPodMilli * statusReplicas);
  const averageValueMilli = statusReplicas === 0 ? 0 : Math.ceil(usageMilli / statusReplicas);
  if (isWithinTolerance(input.tolerances, usageRatio)) {
    return {
      ok: true,
      replicas: statusReplicas,
      reason: 'within tolerance (ratio over status replicas)',
      averageValueMilli,
    };
  }
  const proposal = Math.ceil(usageMilli / targetPerPodMilli);
  return {
    ok: true,
    replicas: Math.min(proposal, MAX_REPLICAS),
    reason: `ceil(value ${usageMilli}m / per-pod target ${targetPerPodMilli}m)`,
    averageValueMilli,
  };
}
