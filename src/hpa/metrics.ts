/**
 * Per-metric proposals and their combination (the largest valid one wins): the controller's
 * `computeReplicasForMetric(s)` with the metrics APIs replaced by the values in the observation.
 */
import type { PodMetricsInfo } from './pods.js';
import {
  type PerPodMetricInput,
  type ReplicaDecision,
  replicasForAverageValue,
  replicasForPerPodValue,
  replicasForUtilization,
  replicasForValue,
  type Tolerances,
} from './replicas.js';
import type {
  HpaCondition,
  HpaConditionReason,
  HpaObservation,
  LabelSelector,
  MetricCurrent,
  MetricIdentifier,
  MetricProposal,
  MetricSpec,
  ResourceName,
} from './types.js';

function invalid(metric: string, conditionReason: HpaConditionReason, error: string): MetricProposal {
  return { valid: false, metric, conditionReason, error };
}

/** A valid proposal: the calculator's decision under the metric's names, with what the controller reports. */
function validProposal(
  metric: string,
  description: string,
  decision: ReplicaDecision,
  current: MetricCurrent,
): MetricProposal {
  return {
    valid: true,
    metric,
    description,
    replicas: decision.replicas,
    reason: decision.reason,
    usageRatio: decision.usageRatio,
    podCount: decision.podCount,
    current,
  };
}

/** The resource metrics API's answer for one resource: a sample per pod that reported one. */
function resourceSamples(observation: HpaObservation, resource: ResourceName): PodMetricsInfo {
  const samples: PodMetricsInfo = new Map();
  for (const pod of observation.pods) {
    const sample = pod.metrics[resource];
    if (sample !== undefined) samples.set(pod.name, sample);
  }
  return samples;
}

/** The custom metrics API's per-pod answer; timestamps are not used for Pods metrics. */
function podsMetricSamples(values: Readonly<Record<string, number>>): PodMetricsInfo {
  const samples: PodMetricsInfo = new Map();
  for (const podName of Object.keys(values)) {
    samples.set(podName, { valueMilli: values[podName], timestampSeconds: 0, windowSeconds: 0 });
  }
  return samples;
}

/** How the controller prints a metric selector (`%+v` of a nil pointer is "nil"). */
function selectorText(selector: LabelSelector | null): string {
  return selector === null ? 'nil' : JSON.stringify(selector);
}

/** `computeStatusForResourceMetric` (Resource source). */
function resourceProposal(
  source: Extract<MetricSpec, { type: 'Resource' }>['resource'],
  observation: HpaObservation,
  tolerances: Tolerances,
  nowSeconds: number,
): MetricProposal {
  const { name, target } = source;
  const metrics = resourceSamples(observation, name);
  const what = target.type === 'AverageValue' ? 'usage' : 'utilization';
  if (metrics.size === 0) {
    return invalid(
      name,
      'FailedGetResourceMetric',
      `failed to get ${name} ${what}: unable to get metrics for resource ${name}: no metrics returned from resource metrics API`,
    );
  }
  const input: PerPodMetricInput = {
    currentReplicas: observation.scale.specReplicas,
    pods: observation.pods,
    metrics,
    isCpu: name === 'cpu',
    tolerances,
    nowSeconds,
    readiness: observation.controller,
  };
  if (target.type === 'AverageValue') {
    const result = replicasForAverageValue(input, target.averageValueMilli);
    if (!result.ok) return invalid(name, 'FailedGetResourceMetric', `failed to get ${name} usage: ${result.error}`);
    return validProposal(name, `${name} resource`, result, { averageValueMilli: result.averageValueMilli });
  }
  const result = replicasForUtilization(input, name, target.averageUtilization);
  if (!result.ok) return invalid(name, 'FailedGetResourceMetric', `failed to get ${name} utilization: ${result.error}`);
  return validProposal(name, `${name} resource utilization (percentage of request)`, result, {
    averageUtilization: result.utilization,
    averageValueMilli: result.rawAverageMilli,
  });
}

/** `computeStatusForPodsMetric` (Pods source, AverageValue only). */
function podsProposal(
  source: Extract<MetricSpec, { type: 'Pods' }>['pods'],
  observation: HpaObservation,
  tolerances: Tolerances,
  nowSeconds: number,
): MetricProposal {
  const name = source.metric.name;
  const values = observation.podsMetrics[name];
  if (values === undefined || Object.keys(values).length === 0) {
    return invalid(
      name,
      'FailedGetPodsMetric',
      `unable to get metric ${name}: no metrics returned from custom metrics API`,
    );
  }
  const result = replicasForAverageValue(
    {
      currentReplicas: observation.scale.specReplicas,
      pods: observation.pods,
      metrics: podsMetricSamples(values),
      isCpu: false,
      tolerances,
      nowSeconds,
      readiness: observation.controller,
    },
    source.target.averageValueMilli,
  );
  if (!result.ok) return invalid(name, 'FailedGetPodsMetric', result.error);
  return validProposal(name, `pods metric ${name}`, result, { averageValueMilli: result.averageValueMilli });
}

/** Object and External sources share their arithmetic; only the value's origin and the names differ. */
function wholeMetricProposal(
  metric: MetricIdentifier,
  target: Extract<MetricSpec, { type: 'External' }>['external']['target'],
  usageMilli: number | undefined,
  labels: { readonly conditionReason: HpaConditionReason; readonly missing: string; readonly valueDescription: string },
  observation: HpaObservation,
  tolerances: Tolerances,
): MetricProposal {
  const name = metric.name;
  if (usageMilli === undefined) return invalid(name, labels.conditionReason, labels.missing);
  // The controller names per-pod Object metrics "external metric …" too; kept for identical reasons.
  const perPodDescription = `external metric ${name}(${selectorText(metric.selector)})`;
  if (target.type === 'AverageValue') {
    const result = replicasForPerPodValue({
      statusReplicas: observation.scale.statusReplicas,
      usageMilli,
      targetPerPodMilli: target.averageValueMilli,
      tolerances,
    });
    if (!result.ok) return invalid(name, labels.conditionReason, result.error);
    return validProposal(name, perPodDescription, result, { averageValueMilli: result.averageValueMilli });
  }
  const result = replicasForValue({
    currentReplicas: observation.scale.specReplicas,
    usageMilli,
    targetMilli: target.valueMilli,
    pods: observation.pods,
    tolerances,
  });
  if (!result.ok) return invalid(name, labels.conditionReason, result.error);
  return validProposal(name, labels.valueDescription, result, { valueMilli: usageMilli });
}

/** `computeReplicasForMetric`: one metric spec → its proposal (or why it is invalid). */
export function computeReplicasForMetric(
  spec: MetricSpec,
  observation: HpaObservation,
  tolerances: Tolerances,
  nowSeconds: number,
): MetricProposal {
  switch (spec.type) {
    case 'Resource':
      return resourceProposal(spec.resource, observation, tolerances, nowSeconds);
    case 'Pods':
      return podsProposal(spec.pods, observation, tolerances, nowSeconds);
    case 'Object': {
      const { metric, target, describedObject } = spec.object;
      return wholeMetricProposal(
        metric,
        target,
        observation.objectMetrics[metric.name],
        {
          conditionReason: 'FailedGetObjectMetric',
          missing: `unable to get metric ${metric.name}: no metrics returned from custom metrics API`,
          valueDescription: `${describedObject?.kind ?? 'Object'} metric ${metric.name}`,
        },
        observation,
        tolerances,
      );
    }
    case 'External': {
      const { metric, target } = spec.external;
      return wholeMetricProposal(
        metric,
        target,
        observation.externalMetrics[metric.name],
        {
          conditionReason: 'FailedGetExternalMetric',
          missing: `unable to get external metric ${metric.name}: no metrics returned from external metrics API`,
          valueDescription: `external metric ${metric.name}(${selectorText(metric.selector)})`,
        },
        observation,
        tolerances,
      );
    }
  }
}

/** `computeReplicasForMetrics`' verdict: proceed with the largest proposal, or abort the reconcile. */
export type MetricsVerdict =
  | {
      readonly aborted: false;
      readonly replicas: number;
      /** Description of the metric that won, for the rescale reason. */
      readonly metric: string;
      readonly proposals: readonly MetricProposal[];
      readonly condition: HpaCondition;
    }
  | { readonly aborted: true; readonly proposals: readonly MetricProposal[]; readonly condition: HpaCondition };

/**
 * `computeReplicasForMetrics`: the maximum over valid proposals. All invalid, or some invalid
 * while the valid ones would scale down, aborts the reconcile with the first invalid metric's condition
 * — a partial failure can still scale up or hold, never down.
 */
export function computeReplicasForMetrics(
  observation: HpaObservation,
  tolerances: Tolerances,
  nowSeconds: number,
): MetricsVerdict {
  const proposals: MetricProposal[] = [];
  let replicas = 0;
  let metric = '';
  let firstInvalid: Extract<MetricProposal, { valid: false }> | null = null;
  let invalidCount = 0;
  for (const spec of observation.hpa.metrics) {
    const proposal = computeReplicasForMetric(spec, observation, tolerances, nowSeconds);
    proposals.push(proposal);
    if (!proposal.valid) {
      firstInvalid ??= proposal;
      invalidCount++;
    } else if (replicas === 0 || proposal.replicas > replicas) {
      replicas = proposal.replicas;
      metric = proposal.description;
    }
  }
  if (firstInvalid !== null && (invalidCount >= proposals.length || replicas < observation.scale.specReplicas)) {
    return {
      aborted: true,
      proposals,
      condition: {
        type: 'ScalingActive',
        status: 'False',
        reason: firstInvalid.conditionReason,
        message: `the HPA was unable to compute the replica count: ${firstInvalid.error}`,
      },
    };
  }
  return {
    aborted: false,
    replicas,
    metric,
    proposals,
    condition: {
      type: 'ScalingActive',
      status: 'True',
      reason: 'ValidMetricFound',
      message: `the HPA was able to successfully calculate a replica count from ${metric}`,
    },
  };
}
