/**
 * The replica calculator (tolerance test and per-metric formulas): one metric's readings → a replica proposal,
 * each with the branch that decided it. Mirrors Kubernetes' `replica_calculator.go` and `metrics/utilization.go`.
 */
import { countReadyPods, groupPods, type PodGroups, type PodMetricsInfo, podRequestsMilli } from './pods.js';
import type { HpaBehavior, HpaControllerConfig, PodSnapshot, ResourceName } from './types.js';

/** Largest replica count the controller can write (int32). */
export const MAX_REPLICAS = 2_147_483_647;

/** Usage-ratio band inside which the controller keeps the current replicas (`(1 − down) ≤ ratio ≤ (1 + up)`). */
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

/** Which branch of the replica formulas decided a proposal (constant text; the numbers travel beside it). */
export type ProposalRule =
  | 'within tolerance'
  | 'ceil(usage ratio × ready pods)'
  | 'within tolerance once missing/unready pods are filled in'
  | 'filling in missing/unready pods reverses the direction'
  | 'the pod count after fill-in reverses the direction'
  | 'ceil(usage ratio × pods) with missing/unready pods filled in'
  | 'ceil(usage ratio × Running+Ready pods)'
  | 'within tolerance (ratio over status replicas)'
  | 'ceil(value / per-pod target)';

/** A proposal with the rule that produced it, the usage ratio it tested and the pods it multiplied. */
export interface ReplicaDecision {
  readonly replicas: number;
  readonly reason: ProposalRule;
  readonly usageRatio: number;
  /** The pod count the ratio multiplied, when the rule multiplies one. */
  readonly podCount: number | null;
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
  /** Only the CPU resource gets the readiness test (`groupPods` skips it for other metrics). */
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

/** How a per-pod metric turns samples into a usage ratio, and what a missing pod is assumed to use on a scale-down. */
export type UsageModel =
  | {
      readonly kind: 'utilization';
      readonly requests: ReadonlyMap<string, number>;
      readonly targetUtilization: number;
    }
  | { readonly kind: 'averageValue'; readonly targetMilli: number };

function usageRatioOf(model: UsageModel, values: ReadonlyMap<string, number>): number {
  if (model.kind === 'averageValue') return averageUsageMilli(values) / model.targetMilli;
  return resourceUtilization(values, model.requests)!.percent / model.targetUtilization;
}

/** 100 % of the request (the target when above 100 %) for utilization; exactly the target for average values. */
function missingValueOnScaleDown(model: UsageModel, podName: string): number {
  if (model.kind === 'averageValue') return model.targetMilli;
  return mulDivFloor(model.requests.get(podName)!, Math.max(100, model.targetUtilization), 100);
}

/**
 * `GetResourceReplicas` when no pod is missing or unready: keep `currentReplicas` inside the tolerance band, else
 * ceil(usage ratio × ready pods). Also the planner's reactive floor for a CPU utilization target.
 */
export function proposeFromReadyPods(
  currentReplicas: number,
  usageRatio: number,
  readyPodCount: number,
  tolerances: Tolerances,
): ReplicaDecision {
  if (isWithinTolerance(tolerances, usageRatio)) {
    return { replicas: currentReplicas, reason: 'within tolerance', usageRatio, podCount: null };
  }
  return {
    replicas: Math.ceil(usageRatio * readyPodCount),
    reason: 'ceil(usage ratio × ready pods)',
    usageRatio,
    podCount: readyPodCount,
  };
}

/**
 * The skeleton `GetResourceReplicas` and `calcPlainMetricReplicas` share (utilization and average-value
 * targets): propose from ready pods when nothing is missing, else fill in missing/unready pods conservatively
 * and re-check the direction so the fill-in can only damp a change, never reverse it.
 */
export function proposeWithMissingAndUnready(args: {
  readonly currentReplicas: number;
  readonly usageRatio: number;
  readonly readyPodCount: number;
  readonly groups: PodGroups;
  /** Usable samples; extended in place with the fill-in values. */
  readonly values: Map<string, number>;
  readonly tolerances: Tolerances;
  readonly model: UsageModel;
}): ReplicaDecision {
  const { currentReplicas, usageRatio, groups, values, tolerances, model } = args;
  const scaleUpWithUnready = groups.unready.size > 0 && usageRatio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    return proposeFromReadyPods(currentReplicas, usageRatio, args.readyPodCount, tolerances);
  }
  if (usageRatio < 1) {
    for (const podName of groups.missing) values.set(podName, missingValueOnScaleDown(model, podName));
  } else if (usageRatio > 1) {
    for (const podName of groups.missing) values.set(podName, 0);
  }
  if (scaleUpWithUnready) {
    for (const podName of groups.unready) values.set(podName, 0);
  }
  const newRatio = usageRatioOf(model, values);
  const podCount = values.size;
  let reason: ProposalRule = 'ceil(usage ratio × pods) with missing/unready pods filled in';
  let replicas = Math.ceil(newRatio * podCount);
  if (isWithinTolerance(tolerances, newRatio)) {
    reason = 'within tolerance once missing/unready pods are filled in';
    replicas = currentReplicas;
  } else if ((usageRatio < 1 && newRatio > 1) || (usageRatio > 1 && newRatio < 1)) {
    reason = 'filling in missing/unready pods reverses the direction';
    replicas = currentReplicas;
  } else if ((newRatio < 1 && replicas > currentReplicas) || (newRatio > 1 && replicas < currentReplicas)) {
    reason = 'the pod count after fill-in reverses the direction';
    replicas = currentReplicas;
  }
  return { replicas, reason, usageRatio: newRatio, podCount };
}

/** `GetResourceReplicas`: Resource metric with a Utilization target (% of requests). */
export function replicasForUtilization(
  input: PerPodMetricInput,
  resource: ResourceName,
  targetUtilization: number,
): Calculated<ReplicaDecision & { readonly utilization: number; readonly rawAverageMilli: number }> {
  if (input.pods.length === 0) return { ok: false, error: NO_PODS };
  const groups = groupPods(input.pods, input.metrics, input.isCpu, input.nowSeconds, input.readiness);
  const values = usableValues(input.metrics, groups);
  if (values.size === 0) return { ok: false, error: NO_USABLE_SAMPLES };
  const podRequests = podRequestsMilli(input.pods, resource);
  if ('error' in podRequests) return { ok: false, error: podRequests.error };
  const { requests } = podRequests;
  const measured = resourceUtilization(values, requests);
  if (measured === null) return { ok: false, error: 'no metrics returned matched known pods' };
  const decision = proposeWithMissingAndUnready({
    currentReplicas: input.currentReplicas,
    usageRatio: measured.percent / targetUtilization,
    readyPodCount: groups.readyPodCount,
    groups,
    values,
    tolerances: input.tolerances,
    model: { kind: 'utilization', requests, targetUtilization },
  });
  return { ok: true, ...decision, utilization: measured.percent, rawAverageMilli: measured.rawAverageMilli };
}

/** `calcPlainMetricReplicas`: Resource or Pods metric with an AverageValue target (per-pod average). */
export function replicasForAverageValue(
  input: PerPodMetricInput,
  targetMilli: number,
): Calculated<ReplicaDecision & { readonly averageValueMilli: number }> {
  if (input.pods.length === 0) return { ok: false, error: NO_PODS };
  const groups = groupPods(input.pods, input.metrics, input.isCpu, input.nowSeconds, input.readiness);
  const values = usableValues(input.metrics, groups);
  if (values.size === 0) return { ok: false, error: NO_USABLE_SAMPLES };
  const usage = averageUsageMilli(values);
  const decision = proposeWithMissingAndUnready({
    currentReplicas: input.currentReplicas,
    usageRatio: usage / targetMilli,
    readyPodCount: groups.readyPodCount,
    groups,
    values,
    tolerances: input.tolerances,
    model: { kind: 'averageValue', targetMilli },
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
    return { ok: true, replicas: input.currentReplicas, reason: 'within tolerance', usageRatio, podCount: null };
  }
  if (input.pods.length === 0) return { ok: false, error: `unable to calculate ready pods: ${NO_PODS}` };
  const podCount = countReadyPods(input.pods);
  const proposal = usageRatio * podCount;
  return {
    ok: true,
    replicas: proposal > MAX_REPLICAS ? MAX_REPLICAS : Math.ceil(proposal),
    reason: 'ceil(usage ratio × Running+Ready pods)',
    usageRatio,
    podCount,
  };
}

/**
 * `GetObjectPerPodMetricReplicas` / `GetExternalPerPodMetricReplicas`: Object or External metric with
 * an AverageValue target. The tolerance test divides by status replicas; the proposal is
 * ceil(value / target) and does not depend on the pod count at all.
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
  const within = isWithinTolerance(input.tolerances, usageRatio);
  return {
    ok: true,
    replicas: within ? statusReplicas : Math.min(Math.ceil(usageMilli / targetPerPodMilli), MAX_REPLICAS),
    reason: within ? 'within tolerance (ratio over status replicas)' : 'ceil(value / per-pod target)',
    usageRatio,
    podCount: null,
    averageValueMilli,
  };
}
