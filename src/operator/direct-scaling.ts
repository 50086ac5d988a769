import * as k8s from '@kubernetes/client-node';
import type { PredictiveAutoscaler } from '../config/predictive-autoscaler.js';
import type { Owner } from '../executor/owned-objects.js';
import type { ScalingDecision } from '../executor/types.js';

/**
 * `integration: Direct`: the controller writes the target's scale subresource itself, with the one value the
 * workload publishes (the planner's decision, its ramp and stabilization included, or fallback's reactive value;
 * `WorkloadLoop.decide`), so no HPA stands in between. It refuses — `Ready=False` with the reason, and a Warning
 * event — while another autoscaler (an HPA or a KEDA ScaledObject it does not own) targets the same workload, since
 * two writers of one scale fight; it resumes when that one is gone. Called by the leader only.
 */

/** Why Direct leaves the scale alone: `Ready=False` with this reason and message. */
export interface DirectRefusal {
  readonly reason: 'ConflictingAutoscaler' | 'ScalingDisabled' | 'TargetNotFound' | 'TargetNotScalable';
  readonly message: string;
}

/** What one Direct step did, for the status. */
export interface DirectOutcome {
  readonly refusal: DirectRefusal | null;
  /**
   * The target's scale as the status reports it: its `status.replicas`, and `lastScaleTime`, when this controller
   * last wrote the scale (undefined until it has: the published value changing is not a scale here).
   */
  readonly status: { readonly currentReplicas?: number; readonly lastScaleTime: string | undefined };
}

/** An autoscaler found in the target's namespace: what it is and what it scales. */
export interface FoundAutoscaler {
  readonly kind: 'HorizontalPodAutoscaler' | 'ScaledObject';
  readonly name: string;
  readonly ownerUids: readonly string[];
  readonly target: { readonly apiVersion?: string; readonly kind?: string; readonly name?: string };
}

/** The kinds whose scale Direct writes (what the controller's RBAC grants: `deployments/scale`, `statefulsets/scale`). */
const SCALABLE_KINDS = ['Deployment', 'StatefulSet'] as const;
type ScalableKind = (typeof SCALABLE_KINDS)[number];

const groupOf = (apiVersion: string | undefined) => (apiVersion?.includes('/') ? apiVersion.split('/')[0] : '');

/**
 * The autoscalers that target `target`, split into the ones this PredictiveAutoscaler owns (left over from an
 * earlier integration: a Direct resource owns none, so they go) and the others (conflicts). A ScaledObject's target
 * defaults to an apps/v1 Deployment, as KEDA's does; an HPA's apiVersion is compared by group.
 */
export function autoscalersTargeting(
  target: PredictiveAutoscaler['targetRef'],
  ownerUid: string,
  found: readonly FoundAutoscaler[],
): { readonly owned: FoundAutoscaler[]; readonly conflicting: FoundAutoscaler[] } {
  const targets = (autoscaler: FoundAutoscaler) => {
    const kind = autoscaler.target.kind ?? (autoscaler.kind === 'ScaledObject' ? 'Deployment' : undefined);
    const apiVersion = autoscaler.target.apiVersion ?? (autoscaler.kind === 'ScaledObject' ? 'apps/v1' : undefined);
    return (
      autoscaler.target.name === target.name &&
      kind === target.kind &&
      groupOf(apiVersion) === groupOf(target.apiVersion)
    );
  };
  const aimed = found.filter(targets);
  return {
    owned: aimed.filter((a) => a.ownerUids.includes(ownerUid)),
    conflicting: aimed.filter((a) => !a.ownerUids.includes(ownerUid)),
  };
}

/**
 * The replicas to write, or null to leave the scale as it is: only a value decided from something observed (the
 * plan, or the reactive value) is written — "hold the last published value" and "nothing observed yet, publish
 * minReplicas" mean, for a door that writes the scale, leaving it alone (an HPA door's CPU metric would cover
 * them; here nothing would) — and only when it differs from the scale's `spec.replicas`.
 */
export function replicasToWrite(decision: ScalingDecision | null, specReplicas: number): number | null {
  if (decision === null || (decision.source !== 'plan' && decision.source !== 'reactive')) return null;
  return decision.replicas === specReplicas ? null : decision.replicas;
}

const isScalable = (kind: string): kind is ScalableKind => (SCALABLE_KINDS as readonly string[]).includes(kind);
const codeOf = (error: unknown) => (error as { code?: number }).code;

/** The I/O of Direct: reads the target's scale and the namespace's autoscalers, writes the scale. */
export class DirectScaler {
  private readonly apps: k8s.AppsV1Api;
  private readonly autoscaling: k8s.AutoscalingV2Api;
  private readonly custom: k8s.CustomObjectsApi;

  constructor(kubeConfig: k8s.KubeConfig) {
    this.apps = kubeConfig.makeApiClient(k8s.AppsV1Api);
    this.autoscaling = kubeConfig.makeApiClient(k8s.AutoscalingV2Api);
    this.custom = kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  }

  /**
   * One step for a Direct resource: removes autoscalers it owns from an earlier integration, refuses while another
   * targets the workload (or the target cannot be scaled), else writes `decision.replicas` to the scale when it
   * differs. A stale write (409) throws, so the work queue retries with the scale read again.
   */
  async reconcile(
    owner: Owner,
    resource: PredictiveAutoscaler,
    decision: ScalingDecision | null,
    nowIso: string,
    previous: { readonly lastScaleTime?: string },
  ): Promise<DirectOutcome> {
    const target = resource.targetRef;
    const kept = { lastScaleTime: previous.lastScaleTime };
    if (groupOf(target.apiVersion) !== 'apps' || !isScalable(target.kind)) {
      return {
        refusal: {
          reason: 'TargetNotScalable',
          message: `Direct writes the scale of apps/v1 Deployments and StatefulSets, not ${target.apiVersion} ${target.kind}; use integration HPA or KEDA`,
        },
        status: kept,
      };
    }
    const ref = { name: target.name, namespace: owner.namespace };
    let scale: k8s.V1Scale;
    try {
      scale = await (target.kind === 'Deployment'
        ? this.apps.readNamespacedDeploymentScale(ref)
        : this.apps.readNamespacedStatefulSetScale(ref));
    } catch (error) {
      if (codeOf(error) !== 404) throw error;
      return {
        refusal: { reason: 'TargetNotFound', message: `${target.kind} ${target.name} not found in ${owner.namespace}` },
        status: kept,
      };
    }
    const observed = { ...kept, currentReplicas: scale.status?.replicas ?? 0 };
    const { owned, conflicting } = autoscalersTargeting(target, owner.uid, await this.autoscalers(owner.namespace));
    for (const leftover of owned) await this.remove(leftover, owner.namespace);
    if (conflicting.length > 0) {
      const names = conflicting.map((a) => `${a.kind} ${a.name}`).join(', ');
      return {
        refusal: {
          reason: 'ConflictingAutoscaler',
          message: `${names} already scales ${target.kind} ${target.name}; Direct writes nothing while it does (delete it, or use integration HPA or KEDA)`,
        },
        status: observed,
      };
    }
    const specReplicas = scale.spec?.replicas ?? 0;
    if (specReplicas === 0 && resource.policy.minReplicas > 0) {
      // As the HPA: a target scaled to zero by hand is in maintenance, not to be scaled back up behind its owner.
      return {
        refusal: {
          reason: 'ScalingDisabled',
          message: `${target.kind} ${target.name} has 0 replicas; Direct scales it again once it is scaled up`,
        },
        status: observed,
      };
    }
    const replicas = replicasToWrite(decision, specReplicas);
    if (replicas === null) return { refusal: null, status: observed };
    const body = {
      metadata: { name: target.name, resourceVersion: scale.metadata?.resourceVersion },
      spec: { replicas },
    };
    await (target.kind === 'Deployment'
      ? this.apps.replaceNamespacedDeploymentScale({ ...ref, body })
      : this.apps.replaceNamespacedStatefulSetScale({ ...ref, body }));
    return { refusal: null, status: { ...observed, lastScaleTime: nowIso } };
  }

  /**
   * Deletes the object of the other integration this resource owns (owned objects carry the resource's name), if
   * any: after a switch between HPA and KEDA the old one would otherwise scale the same workload beside the new one.
   * Read by name, not listed: a namespace with a thousand ScaledObjects would make every apply a thousand reads.
   */
  async removeOwnedExcept(owner: Owner, keep: string): Promise<void> {
    const ref = { name: owner.name, namespace: owner.namespace };
    const keda = { group: 'keda.sh', version: 'v1alpha1', plural: 'scaledobjects', ...ref };
    const read: Record<FoundAutoscaler['kind'], () => Promise<k8s.KubernetesObject>> = {
      HorizontalPodAutoscaler: () => this.autoscaling.readNamespacedHorizontalPodAutoscaler(ref),
      ScaledObject: () => this.custom.getNamespacedCustomObject(keda) as Promise<k8s.KubernetesObject>,
    };
    for (const kind of ['HorizontalPodAutoscaler', 'ScaledObject'] as const) {
      if (kind === keep) continue;
      let object: k8s.KubernetesObject;
      try {
        object = await read[kind]();
      } catch (error) {
        if (codeOf(error) === 404) continue;
        throw error;
      }
      const ownerUids = (object.metadata?.ownerReferences ?? []).map((o) => o.uid);
      if (ownerUids.includes(owner.uid))
        await this.remove({ kind, name: owner.name, ownerUids, target: {} }, owner.namespace);
    }
  }

  /** The namespace's HPAs and ScaledObjects (none of the latter where KEDA's CRD is not installed). */
  private async autoscalers(namespace: string): Promise<FoundAutoscaler[]> {
    const hpas = await this.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace });
    const found: FoundAutoscaler[] = hpas.items.map((hpa) => ({
      kind: 'HorizontalPodAutoscaler',
      name: hpa.metadata?.name ?? '',
      ownerUids: (hpa.metadata?.ownerReferences ?? []).map((o) => o.uid),
      target: hpa.spec?.scaleTargetRef ?? {},
    }));
    try {
      const scaledObjects = (await this.custom.listNamespacedCustomObject({
        group: 'keda.sh',
        version: 'v1alpha1',
        namespace,
        plural: 'scaledobjects',
      })) as k8s.KubernetesListObject<k8s.KubernetesObject & { spec?: { scaleTargetRef?: FoundAutoscaler['target'] } }>;
      for (const object of scaledObjects.items) {
        found.push({
          kind: 'ScaledObject',
          name: object.metadata?.name ?? '',
          ownerUids: (object.metadata?.ownerReferences ?? []).map((o) => o.uid),
          target: object.spec?.scaleTargetRef ?? {},
        });
      }
    } catch (error) {
      if (codeOf(error) !== 404) throw error;
    }
    return found;
  }

  private async remove(autoscaler: FoundAutoscaler, namespace: string): Promise<void> {
    try {
      if (autoscaler.kind === 'HorizontalPodAutoscaler') {
        await this.autoscaling.deleteNamespacedHorizontalPodAutoscaler({ name: autoscaler.name, namespace });
      } else {
        await this.custom.deleteNamespacedCustomObject({
          group: 'keda.sh',
          version: 'v1alpha1',
          namespace,
          plural: 'scaledobjects',
          name: autoscaler.name,
        });
      }
    } catch (error) {
      if (codeOf(error) !== 404) throw error;
    }
  }
}
