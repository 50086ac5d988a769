import type { z } from 'zod';
import { PrescaleError, type Series } from '../core/index.js';
import { safeParseWithIssues } from '../core/issues.js';
import { type ErrorPercentiles, errorPercentiles } from './empirical-intervals.js';
import type { ModelMetadata, ModelName, SavedModel } from './types.js';

/** The version written into every saved model, so a loader can tell where a file came from. */
export const PRESCALE_VERSION = '0.1.0';

/** Default horizon the intervals are calibrated for when none is given. */
export const DEFAULT_CALIBRATED_HORIZON_STEPS = 60;

/** Default season: load repeats daily. */
export const DEFAULT_SEASON_SECONDS = 86400;

/** Default interval level when a caller does not ask for one. */
export const DEFAULT_INTERVAL_LEVEL = 0.8;

/** Index of the last observed (non-NaN) bucket before `endIndex`, or -1 if there is none. */
export function lastObservedIndex(values: ArrayLike<number>, endIndex = values.length): number {
  for (let i = endIndex - 1; i >= 0; i--) if (!Number.isNaN(values[i])) return i;
  return -1;
}

/** Metadata of a model fitted on `train`. */
export function metadataFor(model: ModelName, train: Series, settings: Record<string, unknown>): ModelMetadata {
  return {
    model,
    stepSeconds: train.stepSeconds,
    trainStartSeconds: train.startSeconds,
    trainEndSeconds: train.startSeconds + train.values.length * train.stepSeconds,
    fittedAt: new Date().toISOString(),
    prescaleVersion: PRESCALE_VERSION,
    settings,
  };
}

/** Refuses a saved model written for another model or lacking parameters. */
export function checkSavedModel(saved: SavedModel, model: ModelName): void {
  if (saved?.metadata?.model !== model) {
    throw new PrescaleError(
      'model-mismatch',
      `metadata.model: expected '${model}', found '${saved?.metadata?.model}'; load the file with the model that wrote it`,
      { field: 'metadata.model' },
    );
  }
  if (!(saved.metadata.stepSeconds > 0)) {
    throw new PrescaleError('model-mismatch', `metadata.stepSeconds: must be a positive number; the file is corrupt`, {
      field: 'metadata.stepSeconds',
    });
  }
  if (saved.parameters === null || typeof saved.parameters !== 'object') {
    throw new PrescaleError(
      'model-mismatch',
      `parameters: missing; the file is corrupt or was not written by Prescale`,
      {
        field: 'parameters',
      },
    );
  }
}

/** Refuses a forecast context whose step differs from the one the model was fitted on. */
export function checkContextStep(context: Series, metadata: ModelMetadata): void {
  if (context.stepSeconds !== metadata.stepSeconds) {
    throw new PrescaleError(
      'model-mismatch',
      `context.stepSeconds: ${context.stepSeconds} differs from the model's step ${metadata.stepSeconds}; resample the input to the model's step`,
      { field: 'context.stepSeconds' },
    );
  }
}

/**
 * In-sample error percentiles of a rule that forecasts from history alone (no parameters), measured
 * at every `originStride`-th origin of `values`: the rule's own track record gives its intervals.
 */
export function historicalErrorPercentiles(
  values: Float64Array,
  horizonSteps: number,
  firstOriginIndex: number,
  originStride: number,
  predict: (originIndex: number, h: number) => number,
): ErrorPercentiles {
  const errors: number[][] = Array.from({ length: horizonSteps }, () => []);
  const record = (origin: number, h: number) => {
    const actual = values[origin + h - 1];
    const predicted = predict(origin, h);
    if (!Number.isNaN(actual) && !Number.isNaN(predicted)) errors[h - 1].push(actual - predicted);
  };
  for (let origin = firstOriginIndex; origin + horizonSteps <= values.length; origin += originStride) {
    for (let h = 1; h <= horizonSteps; h++) record(origin, h);
  }
  // A series shorter than the horizon (a workload's first minutes) has no whole-horizon origin: measure each step
  // where it fits, and give the steps beyond the data the farthest measured step's errors, so the interval has a
  // width from the first fit rather than none.
  if (errors.some((stepErrors) => stepErrors.length === 0)) {
    for (let h = 1; h <= horizonSteps; h++) {
      if (errors[h - 1].length > 0) continue;
      for (let origin = firstOriginIndex; origin + h <= values.length; origin += originStride) record(origin, h);
    }
    let farthestMeasured: number[] = [];
    for (let h = 1; h <= horizonSteps; h++) {
      if (errors[h - 1].length > 0) farthestMeasured = errors[h - 1];
      else errors[h - 1] = farthestMeasured;
    }
  }
  return errorPercentiles(errors);
}

/**
 * A saved model's parameters, read with `schema` after `checkSavedModel`; the first problem names its field and
 * ends with `fix` (what the user does about a corrupt file).
 */
export function readSavedParameters<T extends z.ZodType>(
  saved: SavedModel,
  model: ModelName,
  schema: T,
  fix: string,
): z.output<T> {
  checkSavedModel(saved, model);
  const parsed = safeParseWithIssues(schema, saved.parameters, ['parameters']);
  if (!parsed.success) {
    const [issue] = parsed.issues;
    throw new PrescaleError('model-mismatch', `${issue.path}: ${issue.message}; ${fix}`, { field: issue.path });
  }
  return parsed.data;
}
