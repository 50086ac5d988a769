import { PrescaleError, type Series } from '../core/index.js';
import { DEFAULT_INTERVAL_LEVEL } from './common.js';
import type { FittedForecaster, Forecaster } from './types.js';

/**
 * A rolling-origin evaluation per the forecast benchmark protocol (docs/models.md, the backtest protocol):
 * origins every `originEverySteps` from `trainEndSeconds` while the whole horizon fits before
 * `testEndSeconds`; parameters re-estimated every `refitEverySeconds` of test time on data observed before
 * that moment; between re-estimations the fitted model only conditions on the observed history.
 */
export interface BacktestPlan {
  readonly stepSeconds: number;
  readonly trainStartSeconds: number;
  readonly trainEndSeconds: number;
  readonly testEndSeconds: number;
  readonly horizonSteps: number;
  readonly originEverySteps: number;
  /** Re-estimation period; the protocol allows at most one per 24 h. */
  readonly refitEverySeconds: number;
  /** Training window length at each re-estimation (a sliding window); the initial split's length by default. */
  readonly historySeconds?: number;
}

/** One model's forecasts at every origin: row-major [origin][h-1]. */
export interface BacktestForecasts {
  readonly model: string;
  readonly originsSeconds: number[];
  readonly horizonSteps: number;
  readonly point: Float64Array;
  /** Present when the model gives intervals (level 0.8 unless asked otherwise). */
  readonly lower?: Float64Array;
  readonly upper?: Float64Array;
  /** Wall time of each fit and of all forecasts, for the benchmark notes. */
  readonly fitMilliseconds: number[];
  /** CPU time (user + system, the whole process) of each fit: what a refit costs on a shared machine. */
  readonly fitCpuMilliseconds: number[];
  /** How each fit started, for a model that records it (a neural network: warm from the previous fit, or cold and why). */
  readonly fitStarts: (string | null)[];
  readonly forecastMilliseconds: number;
}

/** Progress of a running backtest, for a progress bar. */
export interface BacktestProgress {
  readonly doneOrigins: number;
  readonly totalOrigins: number;
  readonly fits: number;
}

/** Forecast origins of a plan (rule 2 of the protocol). */
export function backtestOrigins(plan: BacktestPlan): number[] {
  const origins: number[] = [];
  const every = plan.originEverySteps * plan.stepSeconds;
  for (let o = plan.trainEndSeconds; o + plan.horizonSteps * plan.stepSeconds <= plan.testEndSeconds; o += every) {
    origins.push(o);
  }
  return origins;
}

/** The re-estimation moment that governs an origin: the last `trainEnd + k·refitEvery` at or before it. */
export function fitMomentFor(plan: BacktestPlan, originSeconds: number): number {
  const k = Math.floor((originSeconds - plan.trainEndSeconds) / plan.refitEverySeconds);
  return plan.trainEndSeconds + k * plan.refitEverySeconds;
}

/** A view of `series` over [fromSeconds, toSeconds) without copying; both bounds on the series grid. */
export function sliceSeries(series: Series, fromSeconds: number, toSeconds: number): Series {
  const first = Math.max(0, Math.round((fromSeconds - series.startSeconds) / series.stepSeconds));
  const end = Math.min(series.values.length, Math.round((toSeconds - series.startSeconds) / series.stepSeconds));
  return {
    startSeconds: series.startSeconds + first * series.stepSeconds,
    stepSeconds: series.stepSeconds,
    values: series.values.subarray(first, Math.max(first, end)),
  };
}

function checkPlan(series: Series, plan: BacktestPlan): void {
  if (series.stepSeconds !== plan.stepSeconds) {
    throw new PrescaleError(
      'invalid-input',
      `series.stepSeconds: ${series.stepSeconds} differs from the plan's step ${plan.stepSeconds}; resample the series to the plan's step first`,
      { field: 'series.stepSeconds' },
    );
  }
  if (!(plan.horizonSteps >= 1)) {
    throw new PrescaleError(
      'invalid-input',
      `horizonSteps: ${plan.horizonSteps} must be ≥ 1; forecast at least one step`,
      {
        field: 'horizonSteps',
      },
    );
  }
  if (!(plan.refitEverySeconds >= 86400)) {
    throw new PrescaleError(
      'invalid-input',
      `refitEverySeconds: ${plan.refitEverySeconds} re-estimates more than once per 24 h, which the protocol forbids; use ≥ 86400`,
      { field: 'refitEverySeconds' },
    );
  }
  if ((plan.trainStartSeconds - series.startSeconds) % series.stepSeconds !== 0) {
    throw new PrescaleError('invalid-input', 'trainStartSeconds: not on the series grid; align the split to the step', {
      field: 'trainStartSeconds',
    });
  }
}

/** Lets a progress bar redraw during long synchronous stretches. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs the rolling-origin backtest of one model over a resampled series that covers the plan's range.
 * The model never sees a bucket at or after the origin it forecasts from: the context passed to
 * `forecast` ends at the origin, and each fit only sees data before its re-estimation moment.
 */
export async function runBacktest(
  series: Series,
  forecaster: Forecaster,
  plan: BacktestPlan,
  options: {
    level?: number;
    signal?: AbortSignal;
    onProgress?: (progress: BacktestProgress) => void;
    /** Applied to each fit's training window only (the live loop's anomaly filter); contexts stay raw. */
    cleanTraining?: (training: Series) => Series;
    /**
     * Each refit after the first starts from the previous day's fitted model, as the service's refits do
     * (`FitOptions.warmStart`); a model that cannot use it fits cold.
     */
    warmStart?: boolean;
  } = {},
): Promise<BacktestForecasts> {
  checkPlan(series, plan);
  const level = options.level ?? DEFAULT_INTERVAL_LEVEL;
  const H = plan.horizonSteps;
  const origins = backtestOrigins(plan);
  const historySeconds = plan.historySeconds ?? plan.trainEndSeconds - plan.trainStartSeconds;
  const point = new Float64Array(origins.length * H);
  let lower: Float64Array | undefined;
  let upper: Float64Array | undefined;
  const fitMilliseconds: number[] = [];
  const fitCpuMilliseconds: number[] = [];
  const fitStarts: (string | null)[] = [];
  let forecastMilliseconds = 0;
  let fitted: FittedForecaster | undefined;
  let fittedAt = Number.NaN;
  let lastYield = performance.now();

  for (let i = 0; i < origins.length; i++) {
    options.signal?.throwIfAborted();
    const origin = origins[i];
    const fitMoment = fitMomentFor(plan, origin);
    const windowStart = Math.max(plan.trainStartSeconds, fitMoment - historySeconds);
    if (fitMoment !== fittedAt) {
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      const training = sliceSeries(series, windowStart, fitMoment);
      const warmStart =
        options.warmStart && fitted ? { saved: fitted.toJSON(), artifacts: fitted.artifacts?.() } : undefined;
      fitted = await forecaster.fit(options.cleanTraining?.(training) ?? training, options.signal, { warmStart });
      fitMilliseconds.push(performance.now() - started);
      const cpu = process.cpuUsage(cpuBefore);
      fitCpuMilliseconds.push((cpu.user + cpu.system) / 1000);
      fitStarts.push(fitStartOf(fitted));
      fittedAt = fitMoment;
    }
    const started = performance.now();
    const forecast = fitted!.forecast(sliceSeries(series, windowStart, origin), H, level);
    forecastMilliseconds += performance.now() - started;
    if (forecast.point.length !== H || forecast.startSeconds !== origin) {
      throw new PrescaleError(
        'model-mismatch',
        `${forecaster.name}: forecast from ${origin} returned ${forecast.point.length} steps from ${forecast.startSeconds}; expected ${H} from ${origin}`,
        { field: forecaster.name },
      );
    }
    point.set(forecast.point, i * H);
    if (forecast.intervals) {
      lower ??= new Float64Array(origins.length * H);
      upper ??= new Float64Array(origins.length * H);
      lower.set(forecast.intervals.lower, i * H);
      upper.set(forecast.intervals.upper, i * H);
    }
    options.onProgress?.({ doneOrigins: i + 1, totalOrigins: origins.length, fits: fitMilliseconds.length });
    if (performance.now() - lastYield > 50) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
  }
  const nonFinite = point.findIndex((v) => !Number.isFinite(v));
  if (nonFinite >= 0) {
    throw new PrescaleError(
      'non-finite-input',
      `${forecaster.name}: forecast from origin ${origins[Math.floor(nonFinite / H)]} at h=${(nonFinite % H) + 1} is not finite; the model failed on this data`,
      { field: forecaster.name },
    );
  }
  return {
    model: forecaster.name,
    originsSeconds: origins,
    horizonSteps: H,
    point,
    lower,
    upper,
    fitMilliseconds,
    fitCpuMilliseconds,
    fitStarts,
    forecastMilliseconds,
  };
}

/** `warm` or `cold: reason` from a fitted model's training record; null for a model that keeps none. */
function fitStartOf(fitted: FittedForecaster): string | null {
  const start = (fitted.toJSON().parameters as { training?: { start?: { kind: string; reason?: string } } } | null)
    ?.training?.start;
  if (start === undefined) return null;
  return start.kind === 'warm' ? 'warm' : `cold: ${start.reason}`;
}

/** The forecasts in the shared scorer's CSV format: `origin,h,yhat,lo,hi`, one row per origin and h. */
export function forecastsToCsv(result: BacktestForecasts): string {
  const H = result.horizonSteps;
  const lines = ['origin,h,yhat,lo,hi'];
  for (let i = 0; i < result.originsSeconds.length; i++) {
    for (let h = 1; h <= H; h++) {
      const k = i * H + h - 1;
      const lo = result.lower ? String(result.lower[k]) : '';
      const hi = result.upper ? String(result.upper[k]) : '';
      lines.push(`${result.originsSeconds[i]},${h},${result.point[k]},${lo},${hi}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
