import type { PredictiveAutoscaler } from '../config/predictive-autoscaler.js';
import { DESIRED_REPLICAS_METRIC } from './external-metrics.js';
import { kedaMetricName } from './keda.js';

/**
 * The objects the operator owns for a PredictiveAutoscaler, built as plain manifests (written with server-side
 * apply, field manager `prescale`, and garbage-collected with their owner through `ownerReferences`):
 * - `integration: HPA` → an autoscaling/v2 HPA on the External metric Prescale publishes **and** on CPU;
 * - `integration: KEDA` → a ScaledObject with Prescale's external trigger, a `fallback:` block and a CPU trigger;
 * - `integration: Direct` → nothing: the operator writes the target's scale subresource itself.
 * Both carry a CPU metric so that scaling goes on, reactively, when Prescale is down: the HPA takes the larger of
 * its metrics' proposals. With the planner's reactive floor on (the default) the plan is never below what CPU at
 * the same target asks, so the CPU metric costs nothing extra while Prescale runs; with the floor off it puts it
 * back.
 */

/** The owner's identity, as the API server gave it. */
export interface Owner {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

export const OWNER_API_VERSION = 'autoscaler.ml.dev/v1alpha1';
export const OWNER_KIND = 'PredictiveAutoscaler';
export const FIELD_MANAGER = 'prescale';

/** Labels every owned object carries, so `kubectl get hpa -l app.kubernetes.io/managed-by=prescale` finds them. */
function labels(owner: Owner): Record<string, string> {
  return { 'app.kubernetes.io/managed-by': 'prescale', 'autoscaler.ml.dev/predictiveautoscaler': owner.name };
}

function metadata(owner: Owner) {
  return {
    name: owner.name,
    namespace: owner.namespace,
    labels: labels(owner),
    ownerReferences: [
      {
        apiVersion: OWNER_API_VERSION,
        kind: OWNER_KIND,
        name: owner.name,
        uid: owner.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  };
}

/**
 * The HPA of `integration: HPA`: the External metric at an AverageValue of 1 (so it proposes the published
 * replicas), CPU at the workload's target utilization, no stabilization and no tolerance band of its own (Prescale
 * already stabilizes; a 10 % band would swallow one-pod changes above 10 replicas), the default rate limits.
 */
export function ownedHpa(owner: Owner, resource: PredictiveAutoscaler): Record<string, unknown> {
  const { policy } = resource;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: metadata(owner),
    spec: {
      scaleTargetRef: resource.targetRef,
      minReplicas: Math.max(1, policy.minReplicas),
      maxReplicas: policy.maxReplicas,
      metrics: [
        {
          type: 'External',
          external: {
            metric: { name: DESIRED_REPLICAS_METRIC, selector: { matchLabels: { workload: owner.name } } },
            target: { type: 'AverageValue', averageValue: '1' },
          },
        },
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: policy.targetUtilizationPercent },
          },
        },
      ],
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 0, tolerance: '0' },
        scaleDown: { stabilizationWindowSeconds: 0, tolerance: '0' },
      },
    },
  };
}

/** How many failed polls of Prescale's scaler KEDA tolerates before its `fallback.replicas` apply. */
const KEDA_FALLBACK_FAILURES = 3;

/**
 * The ScaledObject of `integration: KEDA`: Prescale's external trigger, a CPU trigger at the workload's target,
 * and a fallback of minReplicas for the external trigger when Prescale does not answer — so the CPU trigger, the
 * larger proposal, decides until it is back.
 */
export function ownedScaledObject(
  owner: Owner,
  resource: PredictiveAutoscaler,
  scalerAddress: string,
): Record<string, unknown> {
  const { policy } = resource;
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: metadata(owner),
    spec: {
      scaleTargetRef: {
        apiVersion: resource.targetRef.apiVersion,
        kind: resource.targetRef.kind,
        name: resource.targetRef.name,
      },
      pollingInterval: policy.syncPeriodSeconds,
      minReplicaCount: policy.minReplicas,
      maxReplicaCount: policy.maxReplicas,
      fallback: { failureThreshold: KEDA_FALLBACK_FAILURES, replicas: Math.max(1, policy.minReplicas) },
      advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } } },
      triggers: [
        {
          type: 'external',
          name: kedaMetricName(owner.name),
          metricType: 'AverageValue',
          metadata: { scalerAddress, workload: owner.name },
        },
        { type: 'cpu', metricType: 'Utilization', metadata: { value: String(policy.targetUtilizationPercent) } },
      ],
    },
  };
}

/** The object to own for a workload's integration; null for `Direct`, which owns none. */
export function ownedObject(
  owner: Owner,
  resource: PredictiveAutoscaler,
  scalerAddress: string,
): Record<string, unknown> | null {
  switch (resource.integration) {
    case 'HPA':
      return ownedHpa(owner, resource);
    case 'KEDA':
      return ownedScaledObject(owner, resource, scalerAddress);
    case 'Direct':
      return null;
  }
}
