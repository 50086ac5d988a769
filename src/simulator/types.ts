import type { PodSnapshot } from '../hpa/types.js';
import type { PrometheusView } from './prometheus.js';

/**
 * What an autoscaler can see at one sync, and nothing more: the target's scale subresource and Deployment
 * status now, the pods as the HPA controller lists them with their latest metrics-server samples, and
 * Prometheus up to the moment. The future load is not in it; the oracle gets it at construction.
 */
export interface Observation {
  /** `scale.spec.replicas`. */
  readonly specReplicas: number;
  /** `scale.status.replicas`: pods that exist and are not terminating. */
  readonly statusReplicas: number;
  /** Ready pods (receiving traffic). */
  readonly readyReplicas: number;
  /** Pod lister + metrics.k8s.io as of now; built on demand (only the HPA policies need it). */
  pods(): readonly PodSnapshot[];
  readonly prometheus: PrometheusView;
}

/** One sync's outcome: the replicas to set (or keep), why, and the policy's memory for the next sync. */
export interface PolicyDecision<S> {
  readonly replicas: number;
  readonly reason: string;
  readonly state: S;
}

/**
 * An autoscaler driving the simulated Deployment (docs/simulator.md): state in, state out, time
 * passed in. The HPA emulation, Prescale (forecaster + planner), the oracle and a static Deployment are
 * all one of these, so they run against the same cluster through the same calls.
 */
export interface AutoscalingPolicy<S = unknown> {
  /** Name in results and reports (`hpa`, `hpa-tuned`, `prescale`, `oracle`, `static`). */
  readonly name: string;
  /** Seconds between syncs; the first sync is one period after the simulation starts (as an HPA's). */
  readonly syncPeriodSeconds: number;
  /** Memory before the first sync. */
  initialState(): S;
  /**
   * Work that must be done before the sync at `nowSeconds` and may be slow or asynchronous, such as the
   * forecaster's daily re-fit; undefined when there is none. Sees the same observation as `decide`.
   */
  prepare?(observation: Observation, nowSeconds: number, signal?: AbortSignal): Promise<void> | undefined;
  decide(observation: Observation, state: S, nowSeconds: number): PolicyDecision<S>;
  /** Wall time spent fitting models so far, milliseconds (speed targets exclude training). */
  trainingMilliseconds?(): number;
}
