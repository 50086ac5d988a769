/** Why a workload is in fallback: each is reported by a source, a model or the accuracy tracker. */
export type FallbackCause =
  | 'prometheus-unreachable'
  | 'data-stale'
  | 'model-missing'
  | 'forecast-failed'
  | 'error-above-threshold'
  | 'plan-failed';

/** One cause with the sentence a person reads in `/v1/workloads/:name` and the logs. */
export interface FallbackReason {
  readonly cause: FallbackCause;
  readonly message: string;
}

/**
 * What the loop observed this sync, reported by the collector, the model holder and the accuracy tracker.
 * Nothing here decides anything: `decideFallback` does.
 */
export interface WorkloadHealth {
  /** Null when the last Prometheus read succeeded; the error otherwise. */
  readonly prometheusError: string | null;
  /** Time of the newest observed load sample; null when none was ever seen. */
  readonly lastSampleSeconds: number | null;
  /** Null when a fitted model is loaded; otherwise why none is (never trained, corrupt file, failed fit). */
  readonly modelProblem: string | null;
  /** Null when this sync's forecast is usable; otherwise why not (the model threw, a non-finite value). */
  readonly forecastProblem: string | null;
  /** Rolling WAPE (percent) at the horizons the plan reads; null while too few actuals have arrived. */
  readonly rollingErrorPercent: number | null;
  /** Null when the planner could plan; otherwise why not (e.g. a capacity it cannot learn yet). */
  readonly planProblem: string | null;
}

/** When to enter fallback and how long the forecast must stay healthy to leave it: the planner's policy. */
export type { FallbackPolicy } from '../planner/index.js';

/** Fallback memory between syncs: state in, state out, time passed explicitly. */
export interface FallbackState {
  readonly active: boolean;
  /** The causes that put (or keep) the workload in fallback; kept while recovering. */
  readonly reasons: readonly FallbackReason[];
  /** When the current fallback episode began; null when not active. */
  readonly sinceSeconds: number | null;
  /** Start of the current healthy run while still in fallback; null when not recovering. */
  readonly healthySinceSeconds: number | null;
}

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
  close(): Promise<void>;
}
