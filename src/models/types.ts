import type { Forecast, Series } from '../core/index.js';

import type { ModelName } from './names.js';

export type { ModelName };

/** What a fitted model records about itself, saved next to its parameters. */
export interface ModelMetadata {
  readonly model: ModelName;
  readonly stepSeconds: number;
  /** First and last (exclusive) second of the training data. */
  readonly trainStartSeconds: number;
  readonly trainEndSeconds: number;
  readonly fittedAt: string;
  readonly prescaleVersion: string;
  /** Model-specific settings, e.g. the seasonal periods in steps. */
  readonly settings: Record<string, unknown>;
}

/**
 * A model with its settings but no parameters. `fit` returns a new fitted object; the unfitted
 * one stays reusable (fit again at the next daily re-estimation).
 */
export interface Forecaster {
  readonly name: ModelName;
  fit(train: Series, signal?: AbortSignal, options?: FitOptions): Promise<FittedForecaster>;
}

/** A fitted model in its portable form: `toJSON()` and, for a folder model, its `artifacts()`. */
export interface PortableModel {
  readonly saved: SavedModel;
  readonly artifacts?: Readonly<Record<string, Uint8Array>>;
}

/** What one fit may start from besides the training data. */
export interface FitOptions {
  /**
   * The previous fit of this workload's model (a daily refit's predecessor). A model that can continue from it
   * (a neural network with the same settings: `docs/neural.md`, warm-start refits) trains a few epochs from its
   * weights; any other model, or other settings, fits cold and records why.
   */
  readonly warmStart?: PortableModel;
}

/**
 * A fitted model. `forecast` conditions on `context` (everything observed up to the origin,
 * origin = end of context) without re-estimating parameters, per the benchmark protocol rule 4.
 */
export interface FittedForecaster {
  readonly metadata: ModelMetadata;
  /** H steps from the end of `context`; `level` is the interval coverage (default 0.8). */
  forecast(context: Series, horizonSteps: number, level?: number): Forecast;
  /**
   * Forecasts for many series at once, each equal to `forecast` on its context; a model has it when batching is
   * cheaper than one call per series (a neural model: one ONNX Runtime run for all of them).
   */
  forecastMany?(contexts: readonly Series[], horizonSteps: number, level?: number): Forecast[];
  /** JSON-serializable parameters; `registry.loadFitted` rebuilds the model from them. */
  toJSON(): SavedModel;
  /**
   * Binary files saved beside the JSON (a neural model's `model.onnx`). A model that has them is saved as a
   * folder: the JSON as `meta.json` plus these files, and `ModelDefinition.load` receives them back.
   */
  artifacts?(): Readonly<Record<string, Uint8Array>>;
}

/** Settings every model accepts; each model ignores what it has no use for. */
export interface ModelOptions {
  /** The main seasonal period (seconds), e.g. 86400 for daily load; seasonal naive repeats it. */
  readonly seasonSeconds?: number;
  /** The longest horizon (steps) the model will be asked for; intervals are calibrated up to it. */
  readonly horizonSteps?: number;
  /**
   * The held-out tail on which ETS, MSTL and Prophet calibrate their residual correction and intervals: a day by
   * default (the span a daily-refitted model serves); `auto` passes a shorter one in its warm-up, under 48 h of history.
   */
  readonly calibrationSeconds?: number;
}

/** A saved fitted model, as written by `toJSON` and read back by `ModelDefinition.load`. */
export interface SavedModel {
  readonly metadata: ModelMetadata;
  readonly parameters: unknown;
}

/** One registry entry per model (see `registry.ts`): how to make it and how to load a saved one. */
export interface ModelDefinition {
  readonly name: ModelName;
  /** One line for `--help` and docs. */
  readonly description: string;
  create(options?: ModelOptions): Forecaster;
  /**
   * Rebuilds a fitted model from `toJSON()` output and, for folder models, its `artifacts()` files;
   * throws PrescaleError('model-mismatch') if they do not fit.
   */
  load(saved: SavedModel, artifacts?: Readonly<Record<string, Uint8Array>>): FittedForecaster;
}
