import { type Forecast, PrescaleError, type Series, seriesEndSeconds } from '../../core/index.js';
import { sliceSeries } from '../../models/backtest.js';
import type { FittedForecaster, Forecaster } from '../../models/types.js';
import { initialPlannerState, planReplicas } from '../../planner/horizontal.js';
import type { PlannerPolicy, PlannerState, PodProfile } from '../../planner/types.js';
import type { AutoscalingPolicy, Observation } from '../types.js';

/** Where a planned policy's forecast comes from: a fitted model (Prescale) or the true future (oracle). */
export interface ForecastSource {
  /** Slow work before a sync, such as the daily re-fit; undefined when there is none. */
  prepare?(observation: Observation, nowSeconds: number, signal?: AbortSignal): Promise<void> | undefined;
  /** The forecast to plan on at `nowSeconds` and the rolling error of recent forecasts (WAPE %), or nulls. */
  forecast(
    observation: Observation,
    nowSeconds: number,
  ): { readonly forecast: Forecast | null; readonly errorPercent: number | null; readonly note: string };
}

/** Window of the load and CPU rates the planner's reactive floor reads: `rate(...[1m])`. */
const CURRENT_WINDOW_SECONDS = 60;

/**
 * A policy whose decisions come from Prescale's planner (`planReplicas`): the forecast from `source`, the
 * current load and CPU from Prometheus, the replicas from the scale subresource. Prescale and the oracle
 * differ only in their source, so the gap between them is the forecast's fault alone.
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
    prepare: source.prepare?.bind(source),
    decide(observation, state, nowSeconds) {
      const { forecast, errorPercent, note } = source.forecast(observation, nowSeconds);
      const recent = observation.prometheus.recent(CURRENT_WINDOW_SECONDS);
      const result = planReplicas(
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
        },
        state,
        nowSeconds,
      );
      const { decision } = result;
      return {
        replicas: decision.act ? decision.desiredReplicas : observation.specReplicas,
        reason: note === '' ? decision.reason : `${decision.reason} [${note}]`,
        state: result.state,
      };
    },
  };
}

/** How Prescale's forecaster is trained and applied: the backtest protocol's rules, as the service runs them. */
export interface ModelSourceOptions {
  readonly forecaster: Forecaster;
  /** `predictionHorizon` in steps. */
  readonly horizonSteps: number;
  /** Interval coverage the model reports (the planner reads its quantile from it). */
  readonly level: number;
  /** First second of the training split: no fit or context reaches before it. */
  readonly trainStartSeconds: number;
  /** The first fit's moment (the end of the training split); later fits every `retrainEverySeconds`. */
  readonly firstFitSeconds: number;
  /** `prediction.retrainEvery`. */
  readonly retrainEverySeconds: number;
  /** `prediction.history`: the training window at each fit, and the context a forecast conditions on. */
  readonly historySeconds: number;
  /** Window of the rolling one-step-ahead WAPE the planner's fallback reads. */
  readonly errorWindowSeconds?: number;
}

/**
 * Prescale's forecaster as the live service runs it: fitted at the end of the training split on the data
 * Prometheus holds, re-fitted every `retrainEvery` on the data observed before that moment, and asked for
 * a forecast at every sync from the buckets scraped so far. When no new bucket has been scraped since the
 * last sync the model would get the same context, so the previous forecast is reused. Keeps the rolling
 * error of its one-step-ahead forecasts, which the planner's fallback judges.
 */
export function modelForecastSource(options: ModelSourceOptions): ForecastSource & {
  /** Fits done so far, with their moment and wall time, for the experiment's notes. */
  readonly fits: { readonly atSeconds: number; readonly milliseconds: number }[];
} {
  const fits: { atSeconds: number; milliseconds: number }[] = [];
  let fitted: FittedForecaster | null = null;
  let fittedAt = Number.NaN;
  let cachedOrigin = Number.NaN;
  let cached: Forecast | null = null;
  let cachedNote = '';
  const errors = rollingWape(options.errorWindowSeconds ?? 3600);

  const fitMomentFor = (nowSeconds: number) =>
    options.firstFitSeconds +
    Math.floor((nowSeconds - options.firstFitSeconds) / options.retrainEverySeconds) * options.retrainEverySeconds;
  const windowStart = (moment: number) => Math.max(options.trainStartSeconds, moment - options.historySeconds);

  return {
    fits,
    prepare(observation, nowSeconds, signal) {
      const moment = fitMomentFor(nowSeconds);
      if (moment === fittedAt) return undefined;
      return (async () => {
        const series = observation.prometheus.loadSeries();
        const started = performance.now();
        fitted = await options.forecaster.fit(sliceSeries(series, windowStart(moment), moment), signal);
        fits.push({ atSeconds: moment, milliseconds: performance.now() - started });
        fittedAt = moment;
        cachedOrigin = Number.NaN;
      })();
    },
    forecast(observation) {
      const series = observation.prometheus.loadSeries();
      errors.observe(series);
      const origin = seriesEndSeconds(series);
      if (origin !== cachedOrigin) {
        cachedOrigin = origin;
        cached = null;
        cachedNote = '';
        if (fitted === null) {
          cachedNote = 'no fitted model';
        } else {
          try {
            cached = fitted.forecast(
              sliceSeries(series, windowStart(fittedAt), origin),
              options.horizonSteps,
              options.level,
            );
            errors.predict(origin, cached.point[0]);
          } catch (error) {
            if (!(error instanceof PrescaleError)) throw error;
            cachedNote = `forecast failed: ${error.message}`;
          }
        }
      }
      return { forecast: cached, errorPercent: errors.wapePercent(), note: cachedNote };
    },
  };
}

/**
 * Rolling WAPE of one-step-ahead forecasts: each forecast's first bucket is compared with the scraped value
 * once it is seen; the last `windowSeconds` of compared buckets count.
 */
function rollingWape(windowSeconds: number) {
  const predicted = new Map<number, number>();
  const compared: { atSeconds: number; error: number; actual: number }[] = [];
  let first = 0;
  let sumError = 0;
  let sumActual = 0;
  let seenEnd = Number.NEGATIVE_INFINITY;
  return {
    predict(bucketStartSeconds: number, value: number) {
      if (Number.isFinite(value)) predicted.set(bucketStartSeconds, value);
    },
    observe(series: Series) {
      const end = seriesEndSeconds(series);
      if (end <= seenEnd) return;
      const from = Math.max(
        series.startSeconds,
        seenEnd === Number.NEGATIVE_INFINITY ? end - series.stepSeconds : seenEnd,
      );
      for (let t = from; t < end; t += series.stepSeconds) {
        const forecast = predicted.get(t);
        if (forecast === undefined) continue;
        predicted.delete(t);
        const actual = series.values[Math.round((t - series.startSeconds) / series.stepSeconds)];
        if (!Number.isFinite(actual)) continue;
        const error = Math.abs(actual - forecast);
        compared.push({ atSeconds: t, error, actual: Math.abs(actual) });
        sumError += error;
        sumActual += Math.abs(actual);
      }
      seenEnd = end;
      while (first < compared.length && compared[first].atSeconds < end - windowSeconds) {
        sumError -= compared[first].error;
        sumActual -= compared[first].actual;
        first++;
      }
      if (first > 1024) {
        compared.splice(0, first);
        first = 0;
      }
    },
    wapePercent(): number | null {
      return first < compared.length && sumActual > 0 ? (100 * sumError) / sumActual : null;
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
