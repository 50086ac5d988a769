import { PrescaleError, type Series } from '../core/index.js';
import {
  checkContextStep,
  checkSavedModel,
  DEFAULT_CALIBRATED_HORIZON_STEPS,
  DEFAULT_INTERVAL_LEVEL,
  DEFAULT_SEASON_SECONDS,
  historicalErrorPercentiles,
  lastObservedIndex,
  metadataFor,
} from './common.js';
import { type ErrorPercentiles, intervalsFromErrors } from './empirical-intervals.js';
import type {
  FittedForecaster,
  Forecaster,
  ModelDefinition,
  ModelMetadata,
  ModelOptions,
  SavedModel,
} from './types.js';

/** Parameters of a fitted history-rule model: only the error percentiles behind its intervals. */
interface HistoryRuleParameters {
  readonly errorPercentiles: ErrorPercentiles;
}

/** Forecast for horizon h from the values observed before `originIndex`. */
type Rule = (values: ArrayLike<number>, originIndex: number, h: number) => number;

/** Builds a rule for a series of the given step, from the model's settings. */
type RuleFactory = (stepSeconds: number, settings: Record<string, unknown>) => Rule;

/**
 * A forecaster with no parameters: a rule over the observed history (last value, same time yesterday).
 * Fitting only measures the rule's own errors on the training data, which give its intervals.
 */
class HistoryRuleForecaster implements Forecaster {
  constructor(
    readonly name: 'naive' | 'seasonal-naive',
    private readonly makeRule: RuleFactory,
    private readonly settings: Record<string, unknown>,
    private readonly horizonSteps: number,
  ) {}

  async fit(train: Series): Promise<FittedForecaster> {
    if (lastObservedIndex(train.values) < 0) {
      throw new PrescaleError('not-enough-data', `${this.name}: the training series has no observed value`, {
        field: this.name,
      });
    }
    const rule = this.makeRule(train.stepSeconds, this.settings);
    const values = train.values;
    const errorPercentiles = historicalErrorPercentiles(values, this.horizonSteps, 1, 1, (origin, h) =>
      rule(values, origin, h),
    );
    return new FittedHistoryRule(metadataFor(this.name, train, this.settings), { errorPercentiles }, rule);
  }
}

class FittedHistoryRule implements FittedForecaster {
  constructor(
    readonly metadata: ModelMetadata,
    private readonly parameters: HistoryRuleParameters,
    private readonly rule: Rule,
  ) {}

  forecast(context: Series, horizonSteps: number, level = DEFAULT_INTERVAL_LEVEL) {
    checkContextStep(context, this.metadata);
    const origin = context.values.length;
    if (lastObservedIndex(context.values) < 0) {
      throw new PrescaleError('not-enough-data', `${this.metadata.model}: the context has no observed value`, {
        field: 'context',
      });
    }
    const point = new Float64Array(horizonSteps);
    for (let h = 1; h <= horizonSteps; h++) point[h - 1] = this.rule(context.values, origin, h);
    const { lower, upper } = intervalsFromErrors(point, this.parameters.errorPercentiles, level);
    return {
      startSeconds: context.startSeconds + origin * context.stepSeconds,
      stepSeconds: context.stepSeconds,
      point,
      intervals: { level, lower, upper },
    };
  }

  toJSON(): SavedModel {
    return { metadata: this.metadata, parameters: this.parameters };
  }
}

function defineHistoryRule(
  name: 'naive' | 'seasonal-naive',
  description: string,
  makeRule: RuleFactory,
  settingsFrom: (options?: ModelOptions) => Record<string, unknown>,
): ModelDefinition {
  return {
    name,
    description,
    create: (options) =>
      new HistoryRuleForecaster(
        name,
        makeRule,
        settingsFrom(options),
        options?.horizonSteps ?? DEFAULT_CALIBRATED_HORIZON_STEPS,
      ),
    load: (saved) => {
      checkSavedModel(saved, name);
      const parameters = saved.parameters as HistoryRuleParameters;
      if (!Array.isArray(parameters.errorPercentiles?.byStep)) {
        throw new PrescaleError('model-mismatch', 'parameters.errorPercentiles: missing; the file is corrupt', {
          field: 'parameters.errorPercentiles',
        });
      }
      return new FittedHistoryRule(
        saved.metadata,
        parameters,
        makeRule(saved.metadata.stepSeconds, saved.metadata.settings),
      );
    },
  };
}

/** Last observed value before the origin (NaN when nothing was observed). */
function lastValue(values: ArrayLike<number>, originIndex: number): number {
  const last = lastObservedIndex(values, originIndex);
  return last < 0 ? Number.NaN : values[last];
}

/**
 * Same time one season earlier, stepping back whole seasons until the bucket was observed before the
 * origin; the last value where that bucket is missing (the shared scorer's seasonal-naive rule).
 */
export function seasonalValue(values: ArrayLike<number>, originIndex: number, h: number, seasonSteps: number): number {
  let back = originIndex + h - 1 - seasonSteps;
  while (back >= originIndex) back -= seasonSteps;
  const seasonal = back >= 0 ? values[back] : Number.NaN;
  return Number.isNaN(seasonal) ? lastValue(values, originIndex) : seasonal;
}

/** The season in whole steps; refuses a season shorter than one step. */
export function seasonStepsFor(seasonSeconds: number, stepSeconds: number): number {
  const steps = Math.round(seasonSeconds / stepSeconds);
  if (!(steps >= 1)) {
    throw new PrescaleError(
      'invalid-input',
      `seasonSeconds: ${seasonSeconds} is shorter than the step ${stepSeconds}s; give a season of at least one step`,
      { field: 'seasonSeconds' },
    );
  }
  return steps;
}

/** Last observed value, repeated over the horizon: the reference every model must beat at short h. */
export const naiveModel = defineHistoryRule(
  'naive',
  'last observed value, repeated',
  () => (values, origin) => lastValue(values, origin),
  () => ({}),
);

/** The value one season earlier ("same time yesterday"): the scorer's relative-RMSE reference. */
export const seasonalNaiveModel = defineHistoryRule(
  'seasonal-naive',
  'value one season earlier (same time yesterday), last value where that is missing',
  (stepSeconds, settings) => {
    const seasonSteps = seasonStepsFor(Number(settings.seasonSeconds), stepSeconds);
    return (values, origin, h) => seasonalValue(values, origin, h, seasonSteps);
  },
  (options) => ({ seasonSeconds: options?.seasonSeconds ?? DEFAULT_SEASON_SECONDS }),
);
