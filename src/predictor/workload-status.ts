import type { Forecast } from '../core/index.js';
import type { ScalingDecision } from '../executor/types.js';
import type { FallbackState, PlanResult } from '../planner/index.js';
import type { ModelStatus } from './model-holder.js';
import type { HorizonAccuracy } from './online-accuracy.js';
import type { InstantSignals } from './workload-reads.js';

/** Current values of the workload's signals at the last sync (null = not configured or not returned). */
export interface CurrentSignals extends InstantSignals {
  readonly load: number | null;
}

/** Everything `GET /v1/workloads/:name` shows: forecast, plan, reasons, model, errors, fallback. */
export interface WorkloadStatus {
  readonly name: string;
  readonly namespace: string;
  readonly targetRef: { readonly apiVersion: string; readonly kind: string; readonly name: string };
  readonly mode: 'Auto' | 'ForecastOnly';
  readonly integration: string;
  readonly lastSyncSeconds: number | null;
  readonly syncDurationMs: number | null;
  readonly data: CurrentSignals & {
    readonly lastSampleSeconds: number | null;
    readonly prometheusError: string | null;
  };
  readonly model: ModelStatus & { readonly forecastError: string | null };
  readonly forecast: Forecast | null;
  readonly plan: PlanResult | null;
  readonly planError: string | null;
  readonly published: ScalingDecision;
  readonly accuracy: {
    /** What fallback compares with maxError: mean absolute error at the planning horizons, % of the load level. */
    readonly rollingErrorPercent: number | null;
    readonly planningHorizonSteps: number;
    readonly windowSeconds: number;
    readonly byHorizon: readonly HorizonAccuracy[];
  };
  readonly fallback: FallbackState & { readonly summary: string };
}

export const emptySignals: CurrentSignals = {
  load: null,
  cpuCores: null,
  memoryBytes: null,
  latency: null,
  replicas: null,
};
