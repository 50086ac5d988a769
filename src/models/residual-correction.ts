import { z } from 'zod';
import { type Forecast, PrescaleError, type Series, seriesEndSeconds } from '../core/index.js';
import {
  checkContextStep,
  DEFAULT_CALIBRATED_HORIZON_STEPS,
  DEFAULT_INTERVAL_LEVEL,
  DEFAULT_SEASON_SECONDS,
  lastObservedIndex,
  metadataFor,
  readSavedParameters,
} from './common.js';
import { type ErrorPercentiles, errorPercentiles, intervalsFromErrors } from './empirical-intervals.js';
import type {
  FittedForecaster,
  Forecaster,
  ModelDefinition,
  ModelMetadata,
  ModelName,
  ModelOptions,
  SavedModel,
} from './types.js';

// Why this module exists: augurs' AutoETS, MSTL and Prophet forecast only from the end of their training data
// and expose no state to update, while the benchmark protocol (rule 4) re-estimates at most daily and otherwise
// lets a model only condition on new data. So each model produces, once per fit, a base forecast path covering
// the day it serves; at each origin the recent residuals against that path give a correction that decays with h.
// The correction's coefficients and the interval quantiles are measured out of sample, on a holdout day.

/**
 * The holdout that calibrates the correction and the intervals: the span a model serves between daily fits (a shorter
 * one only through `ModelOptions.calibrationSeconds`, which `auto` passes in its warm-up).
 */
export const CALIBRATION_SECONDS = 86_400;

/** How far past its training end a fitted model forecasts: the day it serves plus a day of slack for a late refit. */
export const PATH_SPAN_SECONDS = 2 * 86_400;

/** Smoothing of the residual level per step (1 = last residual only); the calibration picks one. */
const ALPHA_GRID = [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1];

/** Per-step persistence of the residual level over the horizon (1 = a level shift that stays). */
const PHI_GRID = [0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998, 1];

/** At most this many calibration origins (strided over the holdout), so fine steps keep calibration cheap. */
const MAX_CALIBRATION_ORIGINS = 1440;

/** A base model's forecast on the series grid: `values[i]` targets the bucket at `startSeconds + i·step`. */
export interface BasePath {
  /** At or before the training end: models whose in-sample fit is on the same footing as their forecast start earlier. */
  readonly startSeconds: number;
  readonly values: Float64Array;
}

/** A base model set up for one training series; its settings are decided once, from the whole training series. */
export interface BaseModel {
  /** Recorded in the model's metadata, e.g. the seasonal periods. */
  readonly settings: Record<string, unknown>;
  /** Least training data `fitPath` needs, on top of the calibration holdout. */
  readonly minTrainSeconds: number;
  /** Fits on `train` (gaps are NaN) and returns the path up to `pathEndSeconds` (exclusive). May throw augurs errors. */
  fitPath(train: Series, pathEndSeconds: number): BasePath;
}

/** Sets up a model's base for a training series. */
export type BaseModelPlanner = (train: Series, settings: { readonly seasonSeconds: number }) => BaseModel;

/** How the residuals against the path become a correction: level c ← φc + α(r − φc); forecast path + φ^h·c. */
export interface ResidualCorrection {
  readonly alpha: number;
  readonly phi: number;
}

/** Everything a fitted model needs to forecast, JSON-serializable (augurs objects are not). */
export interface CorrectedParameters {
  readonly path: { readonly startSeconds: number; readonly values: number[] };
  readonly correction: ResidualCorrection;
  readonly errorPercentiles: ErrorPercentiles;
  /** The training data was never negative, so forecasts and bounds are clamped at 0 (no negative load). */
  readonly nonNegative: boolean;
  /** What the calibration saw: its holdout, how many origins, and the corrected forecast's RMSE over h = 1..H. */
  readonly calibration: {
    readonly startSeconds: number;
    readonly endSeconds: number;
    readonly origins: number;
    readonly rmse: number;
  };
}

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const parametersSchema = z.object({
  path: z.object({ startSeconds: finite, values: z.array(finite).min(1) }),
  correction: z.object({ alpha: finite.pipe(z.number().gt(0).lte(1)), phi: finite.pipe(z.number().gt(0).lte(1)) }),
  errorPercentiles: z.object({ byStep: z.array(z.array(finite).length(101)).min(1) }),
  nonNegative: z.boolean(),
  calibration: z.object({ startSeconds: finite, endSeconds: finite, origins: z.number().int(), rmse: z.number() }),
});

/**
 * Defines a model as a base path plus the shared residual correction: `create` fits through `planBase`, `load`
 * rebuilds the fitted model from its saved parameters without refitting.
 */
export function defineCorrectedModel(
  name: ModelName,
  description: string,
  planBase: BaseModelPlanner,
): ModelDefinition {
  return {
    name,
    description,
    create: (options?: ModelOptions) =>
      new CorrectedForecaster(
        name,
        planBase,
        options?.seasonSeconds ?? DEFAULT_SEASON_SECONDS,
        options?.horizonSteps ?? DEFAULT_CALIBRATED_HORIZON_STEPS,
        options?.calibrationSeconds ?? CALIBRATION_SECONDS,
      ),
    load: (saved: SavedModel) => {
      const parameters = readSavedParameters(saved, name, parametersSchema, 'the file is corrupt, fit and save again');
      return new FittedCorrectedModel(saved.metadata, parameters);
    },
  };
}

class CorrectedForecaster implements Forecaster {
  constructor(
    readonly name: ModelName,
    private readonly planBase: BaseModelPlanner,
    private readonly seasonSeconds: number,
    private readonly horizonSteps: number,
    private readonly calibrationSeconds: number,
  ) {}

  async fit(train: Series, signal?: AbortSignal): Promise<FittedForecaster> {
    const step = train.stepSeconds;
    const calibrationSeconds = this.calibrationSeconds;
    checkTrainingValues(this.name, train);
    const base = this.planBase(train, { seasonSeconds: this.seasonSeconds });
    const spanSeconds = train.values.length * step;
    const needSeconds = calibrationSeconds + base.minTrainSeconds;
    if (spanSeconds < needSeconds) {
      throw new PrescaleError(
        'not-enough-data',
        `${this.name}: the training data covers ${hours(spanSeconds)}; ${this.name} needs at least ${hours(needSeconds)} ` +
          `(${hours(calibrationSeconds)} held out to calibrate its correction and intervals, plus ${hours(base.minTrainSeconds)} to fit); ` +
          'pass a longer training range',
        { field: this.name },
      );
    }
    const trainEnd = seriesEndSeconds(train);
    const holdoutSteps = Math.round(calibrationSeconds / step);
    const calibrationStart = trainEnd - holdoutSteps * step;
    const calibrationTrain = { ...train, values: train.values.subarray(0, train.values.length - holdoutSteps) };
    if (lastObservedIndex(calibrationTrain.values) < 0) {
      throw new PrescaleError(
        'not-enough-data',
        `${this.name}: nothing was observed before the last ${hours(calibrationSeconds)} of the training data, which are held out to calibrate; pass a longer observed range`,
        { field: this.name },
      );
    }
    const calibrationPath = this.fitBase(base, calibrationTrain, trainEnd);
    signal?.throwIfAborted();
    const calibration = calibrate(this.name, calibrationPath, train, calibrationStart, this.horizonSteps);
    const path = this.fitBase(base, train, trainEnd + PATH_SPAN_SECONDS + this.horizonSteps * step);
    signal?.throwIfAborted();
    const settings = {
      ...base.settings,
      seasonSeconds: this.seasonSeconds,
      horizonSteps: this.horizonSteps,
      calibrationSeconds,
      pathSpanSeconds: PATH_SPAN_SECONDS,
    };
    return new FittedCorrectedModel(metadataFor(this.name, train, settings), {
      path: { startSeconds: path.startSeconds, values: Array.from(path.values) },
      correction: calibration.correction,
      errorPercentiles: calibration.errorPercentiles,
      nonNegative: train.values.every((v) => !(v < 0)),
      calibration: {
        startSeconds: calibrationStart,
        endSeconds: trainEnd,
        origins: calibration.origins,
        rmse: calibration.rmse,
      },
    });
  }

  /** Runs the base fit, mapping anything augurs throws to `optimizer-failed` and refusing a non-finite path. */
  private fitBase(base: BaseModel, train: Series, pathEndSeconds: number): BasePath {
    let path: BasePath;
    try {
      path = base.fitPath(train, pathEndSeconds);
    } catch (error) {
      if (error instanceof PrescaleError) throw error;
      const reason = error instanceof Error && error.message ? error.message : String(error);
      throw new PrescaleError(
        'optimizer-failed',
        `${this.name}: augurs failed to fit ${hours(train.values.length * train.stepSeconds)} of data (${reason}); ` +
          'check the series is not constant or mostly gaps, or use another model',
        { field: this.name, cause: error },
      );
    }
    const bad = path.values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new PrescaleError(
        'optimizer-failed',
        `${this.name}: augurs returned a non-finite forecast (${path.values[bad]} at step ${bad}); use another model for this series`,
        { field: this.name },
      );
    }
    return path;
  }
}

class FittedCorrectedModel implements FittedForecaster {
  private readonly pathValues: Float64Array;

  constructor(
    readonly metadata: ModelMetadata,
    private readonly parameters: CorrectedParameters,
  ) {
    this.pathValues = Float64Array.from(parameters.path.values);
  }

  forecast(context: Series, horizonSteps: number, level = DEFAULT_INTERVAL_LEVEL): Forecast {
    checkContextStep(context, this.metadata);
    checkRequest(horizonSteps, level);
    const step = context.stepSeconds;
    const { path, correction } = this.parameters;
    const origin = seriesEndSeconds(context);
    if ((context.startSeconds - path.startSeconds) % step !== 0) {
      throw new PrescaleError(
        'model-mismatch',
        `context.startSeconds: ${context.startSeconds} is not on the model's ${step} s grid (path starts at ${path.startSeconds}); resample the input on the model's grid`,
        { field: 'context.startSeconds' },
      );
    }
    const pathEnd = path.startSeconds + this.pathValues.length * step;
    if (origin < path.startSeconds || origin + horizonSteps * step > pathEnd) {
      const trainEnd = this.metadata.trainEndSeconds;
      throw new PrescaleError(
        'invalid-input',
        `context: the forecast origin ${origin} is ${hours(origin - trainEnd)} after the training end ${trainEnd}; ` +
          `this ${this.metadata.model} model forecasts from ${path.startSeconds} up to ${pathEnd} (exclusive) ` +
          'with this horizon; pass the data observed up to the origin, and refit at least daily',
        { field: 'context' },
      );
    }
    const filterFrom = Math.max(path.startSeconds, context.startSeconds);
    const level0 = filterResiduals(
      this.pathValues,
      (filterFrom - path.startSeconds) / step,
      context.values,
      (filterFrom - context.startSeconds) / step,
      (origin - filterFrom) / step,
      correction,
      'context',
    );
    const first = (origin - path.startSeconds) / step;
    const point = new Float64Array(horizonSteps);
    let decay = 1;
    for (let h = 1; h <= horizonSteps; h++) {
      decay *= correction.phi;
      point[h - 1] = this.pathValues[first + h - 1] + decay * level0;
    }
    const { lower, upper } = intervalsFromErrors(point, this.parameters.errorPercentiles, level);
    if (this.parameters.nonNegative) for (const values of [point, lower, upper]) clampAtZero(values);
    return { startSeconds: origin, stepSeconds: step, point, intervals: { level, lower, upper } };
  }

  toJSON(): SavedModel {
    return { metadata: this.metadata, parameters: this.parameters };
  }
}

/**
 * Runs the residual level over `count` buckets: r = observed − path; c ← φc, then c ← c + α(r − c) where the bucket
 * was observed (a missing bucket only decays c). Starts from c = 0 and returns the final level; with `levels`,
 * also records the level after each bucket. The one filter used by calibration and forecasting alike.
 */
function filterResiduals(
  path: Float64Array,
  pathIndex: number,
  observed: Float64Array,
  observedIndex: number,
  count: number,
  { alpha, phi }: ResidualCorrection,
  observedName: string,
  levels?: Float64Array,
): number {
  let level = 0;
  for (let k = 0; k < count; k++) {
    const value = observed[observedIndex + k];
    level *= phi;
    if (!Number.isNaN(value)) {
      if (!Number.isFinite(value)) {
        const field = `${observedName}.values[${observedIndex + k}]`;
        throw new PrescaleError(
          'non-finite-input',
          `${field}: ${value} is not a finite number; drop or fix that sample`,
          {
            field,
          },
        );
      }
      level += alpha * (value - path[pathIndex + k] - level);
    }
    if (levels) levels[k] = level;
  }
  return level;
}

interface Calibration {
  readonly correction: ResidualCorrection;
  readonly errorPercentiles: ErrorPercentiles;
  readonly origins: number;
  readonly rmse: number;
}

/**
 * Picks (α, φ) minimising the squared error of the corrected forecast over h = 1..H at origins in the holdout
 * [holdoutStart, end of `train`), where the path comes from a fit that never saw the holdout; the errors of the
 * chosen correction at each h become the interval percentiles. Out of sample by construction: in-sample residuals
 * understate forecast errors.
 */
function calibrate(
  model: ModelName,
  path: BasePath,
  train: Series,
  holdoutStart: number,
  horizonSteps: number,
): Calibration {
  const step = train.stepSeconds;
  const filterFrom = Math.max(path.startSeconds, train.startSeconds);
  const pathIndex = (filterFrom - path.startSeconds) / step;
  const trainIndex = (filterFrom - train.startSeconds) / step;
  const count = train.values.length - trainIndex;
  const firstOrigin = (holdoutStart - train.startSeconds) / step;
  const holdoutSteps = train.values.length - firstOrigin;
  const stride = Math.max(1, Math.ceil(holdoutSteps / MAX_CALIBRATION_ORIGINS));
  const levels = new Float64Array(count);
  // Residual of the path at each training bucket from the first origin on, and the level before each origin.
  const residualAt = (t: number) => train.values[t] - path.values[pathIndex + t - trainIndex];
  const levelBefore = (origin: number) => (origin > trainIndex ? levels[origin - 1 - trainIndex] : 0);

  const score = (correction: ResidualCorrection, errors?: number[][]) => {
    filterResiduals(path.values, pathIndex, train.values, trainIndex, count, correction, 'train', levels);
    let squared = 0;
    let n = 0;
    for (let origin = firstOrigin; origin < train.values.length; origin += stride) {
      const level = levelBefore(origin);
      let decay = 1;
      for (let h = 1; h <= horizonSteps && origin + h - 1 < train.values.length; h++) {
        decay *= correction.phi;
        const error = residualAt(origin + h - 1) - decay * level;
        if (Number.isNaN(error)) continue;
        squared += error * error;
        n++;
        errors?.[h - 1].push(error);
      }
    }
    return { mse: squared / n, n };
  };

  let best = { correction: { alpha: ALPHA_GRID[0], phi: PHI_GRID[0] }, mse: Number.POSITIVE_INFINITY };
  for (const alpha of ALPHA_GRID) {
    for (const phi of PHI_GRID) {
      const { mse } = score({ alpha, phi });
      if (mse < best.mse) best = { correction: { alpha, phi }, mse };
    }
  }
  if (!Number.isFinite(best.mse)) {
    throw new PrescaleError(
      'not-enough-data',
      `${model}: the last ${hours(train.values.length * step - (holdoutStart - train.startSeconds))} of the training data hold no observation to calibrate on; pass training data that ends with observed buckets`,
      { field: model },
    );
  }
  const errors: number[][] = Array.from({ length: horizonSteps }, () => []);
  score(best.correction, errors);
  return {
    correction: best.correction,
    errorPercentiles: errorPercentiles(errors),
    origins: Math.ceil(holdoutSteps / stride),
    rmse: Math.sqrt(best.mse),
  };
}

function checkTrainingValues(model: ModelName, train: Series): void {
  if (!(train.stepSeconds > 0)) {
    throw new PrescaleError(
      'invalid-input',
      `train.stepSeconds: ${train.stepSeconds} is not a positive step; resample first`,
      {
        field: 'train.stepSeconds',
      },
    );
  }
  let observed = 0;
  for (let i = 0; i < train.values.length; i++) {
    const value = train.values[i];
    if (Number.isNaN(value)) continue;
    if (!Number.isFinite(value)) {
      throw new PrescaleError(
        'non-finite-input',
        `train.values[${i}]: ${value} is left after gap filling (only NaN gaps are filled); drop or fix that sample`,
        { field: `train.values[${i}]` },
      );
    }
    observed++;
  }
  if (observed === 0) {
    throw new PrescaleError(
      'not-enough-data',
      `${model}: the training series has no observed value; pass observed data`,
      {
        field: model,
      },
    );
  }
}

function checkRequest(horizonSteps: number, level: number): void {
  if (!(Number.isInteger(horizonSteps) && horizonSteps >= 1)) {
    throw new PrescaleError(
      'invalid-input',
      `horizonSteps: ${horizonSteps} is not a whole number ≥ 1; forecast at least one step`,
      {
        field: 'horizonSteps',
      },
    );
  }
  if (!(level > 0 && level < 1)) {
    throw new PrescaleError('invalid-input', `level: ${level} is not between 0 and 1; pass a coverage such as 0.8`, {
      field: 'level',
    });
  }
}

function clampAtZero(values: Float64Array): void {
  for (let i = 0; i < values.length; i++) if (values[i] < 0) values[i] = 0;
}

/** A duration for messages, in hours. */
function hours(seconds: number): string {
  return `${Number((seconds / 3600).toFixed(2))} h`;
}
