/**
 * Pod grouping and per-pod inputs of the replica calculator, as in Kubernetes'
 * `groupPods`, `calculateRequests` and `getReadyPodsCount`, with `now` passed in.
 */
import type { HpaControllerConfig, PodSnapshot, ResourceName } from './types.js';

/** A per-pod metric sample; timestamp and window matter only for the CPU readiness test. */
export interface PodMetric {
  readonly valueMilli: number;
  readonly timestampSeconds: number;
  readonly windowSeconds: number;
}

/** Pod name → sample, the controller's `PodMetricsInfo`. */
export type PodMetricsInfo = Map<string, PodMetric>;

/** Where `groupPods` puts a pod, and why. */
export type PodGroup = 'ignored' | 'unready' | 'missing' | 'ready';

/** The classification of one pod with the rule that decided it. */
export interface PodClassification {
  readonly group: PodGroup;
  readonly reason: string;
}

/** `groupPods`' result: how many pods count as ready, and the names set aside. */
export interface PodGroups {
  readonly readyPodCount: number;
  readonly unready: ReadonlySet<string>;
  readonly missing: ReadonlySet<string>;
  readonly ignored: ReadonlySet<string>;
}

// Every classification is one of these constants: grouping a pod allocates nothing.
const NO_CONDITION_OR_START: PodClassification = {
  group: 'unready',
  reason: 'cpu: no Ready condition or no start time',
};
const NOT_READY_WHILE_INITIALIZING: PodClassification = {
  group: 'unready',
  reason: 'cpu: not Ready during the initialization period',
};
const WINDOW_OVERLAPS_READINESS_CHANGE: PodClassification = {
  group: 'unready',
  reason: 'cpu: sample window overlaps the last readiness change',
};
const FULL_WINDOW_SINCE_READY: PodClassification = {
  group: 'ready',
  reason: 'cpu: Ready with a full window since its last readiness change',
};
const NEVER_READY_SINCE_START: PodClassification = {
  group: 'unready',
  reason: 'cpu: never Ready since start',
};
const PAST_INITIALIZATION: PodClassification = {
  group: 'ready',
  reason: 'cpu: past the initialization period',
};
const BEING_DELETED: PodClassification = { group: 'ignored', reason: 'being deleted' };
const PHASE_FAILED: PodClassification = { group: 'ignored', reason: 'phase Failed' };
const PHASE_PENDING: PodClassification = { group: 'unready', reason: 'phase Pending' };
const NO_SAMPLE: PodClassification = { group: 'missing', reason: 'no metric sample' };
const HAS_SAMPLE: PodClassification = { group: 'ready', reason: 'has a sample' };

type CpuReadiness = Pick<HpaControllerConfig, 'cpuInitializationPeriodSeconds' | 'initialReadinessDelaySeconds'>;

/**
 * The CPU readiness test (flags `--horizontal-pod-autoscaler-cpu-initialization-period` and
 * `--horizontal-pod-autoscaler-initial-readiness-delay`): during the initialization period a sample counts only
 * if the pod is Ready and a whole metric window has passed since it last changed readiness; afterwards a sample
 * is dropped only from a pod that went unready right after start and was never ready since.
 */
export function cpuSampleReadiness(
  pod: PodSnapshot,
  sample: PodMetric,
  nowSeconds: number,
  settings: CpuReadiness,
): PodClassification {
  if (pod.readyTransitionTimeSeconds === null || pod.startTimeSeconds === null) {
    return NO_CONDITION_OR_START;
  }
  if (pod.startTimeSeconds + settings.cpuInitializationPeriodSeconds > nowSeconds) {
    if (!pod.ready) return NOT_READY_WHILE_INITIALIZING;
    if (sample.timestampSeconds < pod.readyTransitionTimeSeconds + sample.windowSeconds) {
      return WINDOW_OVERLAPS_READINESS_CHANGE;
    }
    return FULL_WINDOW_SINCE_READY;
  }
  if (!pod.ready && pod.readyTransitionTimeSeconds < pod.startTimeSeconds + settings.initialReadinessDelaySeconds) {
    return NEVER_READY_SINCE_START;
  }
  return PAST_INITIALIZATION;
}

/** Classifies one pod as `groupPods` does: ignored, unready, missing or ready, in the controller's order of tests. */
export function classifyPod(
  pod: PodSnapshot,
  sample: PodMetric | undefined,
  isCpu: boolean,
  nowSeconds: number,
  settings: CpuReadiness,
): PodClassification {
  if (pod.deleting) return BEING_DELETED;
  if (pod.phase === 'Failed') return PHASE_FAILED;
  if (pod.phase === 'Pending') return PHASE_PENDING;
  if (sample === undefined) return NO_SAMPLE;
  if (isCpu) return cpuSampleReadiness(pod, sample, nowSeconds, settings);
  return HAS_SAMPLE;
}

/** `groupPods`: sorts the selected pods into ready / unready / missing / ignored for one metric. */
export function groupPods(
  pods: readonly PodSnapshot[],
  metrics: PodMetricsInfo,
  isCpu: boolean,
  nowSeconds: number,
  settings: CpuReadiness,
): PodGroups {
  let readyPodCount = 0;
  const unready = new Set<string>();
  const missing = new Set<string>();
  const ignored = new Set<string>();
  for (const pod of pods) {
    const { group } = classifyPod(pod, metrics.get(pod.name), isCpu, nowSeconds, settings);
    if (group === 'ready') readyPodCount++;
    else if (group === 'unready') unready.add(pod.name);
    else if (group === 'missing') missing.add(pod.name);
    else ignored.add(pod.name);
  }
  return { readyPodCount, unready, missing, ignored };
}

/**
 * `calculateRequests`: the request of every selected pod (pending and unready included). A pod
 * without a request for the resource makes the whole metric invalid, as in the controller.
 */
export function podRequestsMilli(
  pods: readonly PodSnapshot[],
  resource: ResourceName,
): { readonly requests: ReadonlyMap<string, number> } | { readonly error: string } {
  const requests = new Map<string, number>();
  for (const pod of pods) {
    const request = pod.requestsMilli[resource];
    if (request === undefined) return { error: `missing request for ${resource} in Pod ${pod.name}` };
    requests.set(pod.name, request);
  }
  return { requests };
}

/** `getReadyPodsCount`: pods in phase Running whose Ready condition is True (deleting pods included). */
export function countReadyPods(pods: readonly PodSnapshot[]): number {
  let ready = 0;
  for (const pod of pods) {
    if (pod.phase === 'Running' && pod.ready && pod.readyTransitionTimeSeconds !== null) ready++;
  }
  return ready;
}
