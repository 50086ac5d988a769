import type { Forecast } from '../../core/index.js';
import { initialPlannerState, planReplicas } from '../../planner/horizontal.js';
import { trustedReplicaInput } from '../../planner/plan.js';
import type { PlannerPolicy, PlannerState, PodProfile } from '../../planner/types.js';
import type { AutoscalingPolicy, Observation } from '../types.js';

/** Where a planned policy's forecast comes from (the oracle's: the true future). */
export interface ForecastSource {
  /** The forecast to plan on at `nowSeconds` and the rolling error of recent forecasts (WAPE %), or nulls. */
  forecast(
    observation: Observation,
    nowSeconds: number,
  ): { readonly forecast: Forecast | null; readonly errorPercent: number | null; readonly note: string };
}

/** Window of the load and CPU rates the planner's reactive floor reads: `rate(...[1m])`. */
const CURRENT_WINDOW_SECONDS = 60;

/**
 * A policy whose decisions come straight from Prescale's planner (`planReplicas`): the forecast from
 * `source`, the current load and CPU from Prometheus, the replicas from the scale subresource. The oracle is
 * this with the true future; Prescale itself runs the whole service loop (`live.ts`).
 */
export function plannedPolicy(options: {
  readonly name: string;
  readonly policy: PlannerPolicy;
  readonly pod: PodProfile;
  readonly source: ForecastSource;
}): AutoscalingPolicy<PlannerState> {
  const { policy, pod, source } = options;
  return {
    name: options.name,
    syncPeriodSeconds: policy.syncPeriodSeconds,
    initialState: () => initialPlannerState,
    decide(observation, state, nowSeconds) {
      const { forecast, errorPercent, note } = source.forecast(observation, nowSeconds);
      const recent = observation.prometheus.recent(CURRENT_WINDOW_SECONDS);
      const trusted = trustedReplicaInput(
        {
          policy,
          pod,
          current: {
            replicas: observation.specReplicas,
            readyReplicas: observation.readyReplicas,
            utilizationPercent: recent?.cpuUtilizationPercent ?? null,
            load: recent?.load ?? null,
          },
          forecast,
          forecastErrorPercent: errorPercent,
          sources: null,
        },
        state,
        nowSeconds,
      );
      const result = planReplicas(trusted.input, trusted.state, nowSeconds);
      const { decision } = result;
      return {
        replicas: decision.act ? decision.desiredReplicas : observation.specReplicas,
        reason: note === '' ? decision.reason : `${decision.reason} [${note}]`,
        state: result.state,
      };
    },
  };
}

/**
 * The true future as a forecast (the oracle): from the start of the bucket holding `now`, the mean of the
 * requests that will really arrive in each `stepSeconds` bucket (the arrivals of this very run).
 */
export function trueFutureSource(options: {
  readonly arrivals: Float64Array;
  readonly startSeconds: number;
  readonly stepSeconds: number;
  readonly horizonSteps: number;
}): ForecastSource {
  const { arrivals, startSeconds, stepSeconds, horizonSteps } = options;
  const end = startSeconds + arrivals.length;
  return {
    forecast(_observation, nowSeconds) {
      const origin = Math.floor(nowSeconds / stepSeconds) * stepSeconds;
      const point = new Float64Array(horizonSteps);
      for (let h = 0; h < horizonSteps; h++) {
        const from = Math.max(startSeconds, Math.min(origin + h * stepSeconds, end - stepSeconds));
        const to = Math.min(end, from + stepSeconds);
        let sum = 0;
        for (let t = from; t < to; t++) sum += arrivals[t - startSeconds];
        point[h] = sum / (to - from);
      }
      return { forecast: { startSeconds: origin, stepSeconds, point }, errorPercent: 0, note: '' };
    },
  };
}
