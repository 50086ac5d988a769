import type { FallbackReason } from '../planner/index.js';

/** Where a published value came from. */
export type PublishedSource = 'plan' | 'reactive' | 'last-published' | 'min-replicas';

/** Which workload modes exist (the `PredictiveAutoscaler` `spec.mode`). */
export type WorkloadMode = 'Auto' | 'ForecastOnly';

/**
 * The value every door hands to Kubernetes for one workload: always a finite whole number of replicas
 * within [minReplicas, maxReplicas], never NaN, never absent.
 */
export interface ScalingDecision {
  readonly workload: string;
  readonly namespace: string;
  readonly replicas: number;
  readonly source: PublishedSource;
  /** One line: what was published and why. */
  readonly reason: string;
  readonly fallback: { readonly active: boolean; readonly reasons: readonly FallbackReason[] };
  readonly timestampSeconds: number;
}

/**
 * A door to Kubernetes (KEDA external scaler, External Metrics API): it receives each workload's decision
 * and serves it to whoever asks. Doors never decide or substitute values; fallback is decided before.
 */
export interface Publisher {
  readonly name: string;
  publish(decision: ScalingDecision): Promise<void>;
  /** Stops serving a workload that is gone; asking for it then gets "not found", as for one never published. */
  withdraw(namespace: string, workload: string): Promise<void>;
  close(): Promise<void>;
}

/** What a door gets from `RemoteDecisions.decision` for a workload it does not run. */
export type RemoteDecision = ScalingDecision | 'unknown' | 'unreachable';

/**
 * Where a door finds the decision of a workload this replica does not run: with sharding, another replica owns it
 * and the request is forwarded there. Doors ask only for workloads they have no decision of.
 */
export interface RemoteDecisions {
  /**
   * The names of the workloads of `namespace`, whoever runs them (the External Metrics API selects among them, then
   * asks `decision` for those it does not run).
   */
  workloadsIn(namespace: string): readonly string[];
  /**
   * The owner's decision for a workload served through `door` (a Publisher's name): `unknown` when no other replica
   * owns it (or it uses the other door), `unreachable` when its owner did not answer in time.
   */
  decision(door: string, namespace: string, workload: string): Promise<RemoteDecision>;
}
