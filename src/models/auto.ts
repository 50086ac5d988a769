import { type Forecast, PrescaleError, type Series, seriesEndSeconds } from '../core/index.js';
import { runBacktest } from './backtest.js';
import { DEFAULT_CALIBRATED_HORIZON_STEPS, DEFAULT_SEASON_SECONDS, metadataFor } from './common.js';
import type {
  FittedForecaster,
  Forecaster,
  ModelDefinition,
  ModelMetadata,
  ModelName,
  ModelOptions,
  SavedModel,
} from './types.js';

/** The validation tail `auto` backtests the candidates on: the day a daily-refitted model serves. */
export const AUTO_VALIDATION_SECONDS = 86_400;

/** Options of `auto`: which candidates to try (every registered model but `auto` by default). */
export interface AutoOptions extends ModelOptions {
  readonly candidates?: readonly string[];
}

/** How one candidate did on the validation tail: its RMSE over h = 1..H, or why it could not take part. */
export interface CandidateResult {
  readonly model: string;
  readonly rmse?: number;
  readonly origins?: number;
  readonly fitMilliseconds?: number;
  readonly skipped?: string;
}

/** The record of a choice, saved with the chosen model: every candidate's result and the reason in one line. */
export interface AutoSelection {
  readonly chosen: ModelName;
  readonly reason: string;
  readonly validationStartSeconds: number;
  readonly validationEndSeconds: number;
  readonly candidates: readonly CandidateResult[];
}

/**
 * How `auto` finds the other models: the registry passes its lookup in (`defineAutoModel`), so this module does
 * not import the registry that lists it.
 */
type ModelLookup = (name: string, field?: string) => ModelDefinition;

/** RMSE over every origin and h of a backtest, against the observed buckets (gaps are not scored). */
function backtestRmse(series: Series, originsSeconds: number[], point: Float64Array, H: number): number {
  let squared = 0;
  let n = 0;
  originsSeconds.forEach((origin, i) => {
    const first = Math.round((origin - series.startSeconds) / series.stepSeconds);
    for (let h = 0; h < H; h++) {
      const actual = series.values[first + h];
      if (Number.isNaN(actual)) continue;
      squared += (actual - point[i * H + h]) ** 2;
      n++;
    }
  });
  return n > 0 ? Math.sqrt(squared / n) : Number.NaN;
}

/**
 * `auto` picks a model per series: each candidate is fitted on the training data without its last day and
 * backtested over that day (rolling origins, forecast benchmark protocol), the lowest RMSE over h = 1..H wins, and
 * the winner is refitted on the whole training range. A candidate that cannot fit this series (too little data,
 * optimizer failure) is recorded as skipped with its reason, not fatal.
 */
class AutoForecaster implements Forecaster {
  readonly name = 'auto' as const;
  private readonly candidates: readonly string[];
  private readonly horizonSteps: number;

  constructor(
    private readonly lookup: ModelLookup,
    defaultCandidates: readonly string[],
    private readonly options: AutoOptions = {},
  ) {
    this.candidates = options.candidates ?? defaultCandidates.filter((name) => name !== 'auto');
    for (const [i, name] of this.candidates.entries()) {
      if (name === 'auto') {
        throw new PrescaleError(
          'invalid-input',
          `candidates[${i}]: auto cannot be its own candidate; name concrete models`,
          {
            field: `candidates[${i}]`,
          },
        );
      }
      lookup(name, `candidates[${i}]`);
    }
    if (this.candidates.length === 0) {
      throw new PrescaleError('invalid-input', 'candidates: empty; name at least one model to choose from', {
        field: 'candidates',
      });
    }
    this.horizonSteps = options.horizonSteps ?? DEFAULT_CALIBRATED_HORIZON_STEPS;
  }

  async fit(train: Series, signal?: AbortSignal): Promise<FittedForecaster> {
    const step = train.stepSeconds;
    const H = this.horizonSteps;
    const trainEnd = seriesEndSeconds(train);
    const validationStart = trainEnd - Math.round(AUTO_VALIDATION_SECONDS / step) * step;
    if (validationStart - train.startSeconds < AUTO_VALIDATION_SECONDS) {
      throw new PrescaleError(
        'not-enough-data',
        `auto: the training data covers ${(train.values.length * step) / 3600} h; choosing needs at least 48 h (a day to fit on and a day to compare on); pass a longer range or name a model`,
        { field: 'auto' },
      );
    }
    const plan = {
      stepSeconds: step,
      trainStartSeconds: train.startSeconds,
      trainEndSeconds: validationStart,
      testEndSeconds: trainEnd,
      horizonSteps: H,
      originEverySteps: Math.max(1, Math.floor(H / 2)),
      refitEverySeconds: AUTO_VALIDATION_SECONDS,
    };
    const results: CandidateResult[] = [];
    for (const name of this.candidates) {
      signal?.throwIfAborted();
      const forecaster = this.lookup(name).create(this.createOptions(false));
      try {
        const backtest = await runBacktest(train, forecaster, plan, { signal });
        results.push({
          model: name,
          rmse: backtestRmse(train, backtest.originsSeconds, backtest.point, H),
          origins: backtest.originsSeconds.length,
          fitMilliseconds: Math.round(backtest.fitMilliseconds.reduce((a, b) => a + b, 0)),
        });
      } catch (error) {
        if (!(error instanceof PrescaleError)) throw error;
        results.push({ model: name, skipped: `${error.code}: ${error.message}` });
      }
    }
    const ranked = results.filter((r) => Number.isFinite(r.rmse)).sort((a, b) => a.rmse! - b.rmse!);
    if (ranked.length === 0) {
      throw new PrescaleError(
        'not-enough-data',
        `auto: no candidate could be compared on this series (${results.map((r) => `${r.model}: ${r.skipped ?? 'no score'}`).join('; ')})`,
        { field: 'auto' },
      );
    }
    const [best, ...rest] = ranked;
    const others = rest.map((r) => `${r.model} ${r.rmse!.toPrecision(4)}`).join(', ');
    const skipped = results.filter((r) => r.skipped).map((r) => r.model);
    const selection: AutoSelection = {
      chosen: best.model as ModelName,
      reason:
        `${best.model}: lowest RMSE over h=1..${H} on the last 24 h of training data, ${best.rmse!.toPrecision(4)}` +
        (others ? ` (${others})` : '') +
        (skipped.length ? `; could not compare ${skipped.join(', ')}` : ''),
      validationStartSeconds: validationStart,
      validationEndSeconds: trainEnd,
      candidates: results,
    };
    const chosen = await this.lookup(best.model).create(this.createOptions(true)).fit(train, signal);
    return new FittedAuto(
      metadataFor('auto', train, { chosen: best.model, candidates: this.candidates }),
      chosen,
      selection,
    );
  }

  /**
   * Options for a candidate or the winner. A training checkpoint (`checkpointDir` of the neural models) belongs to
   * one training run, so only the winner's final fit gets it; the comparison fits train from scratch.
   */
  private createOptions(final: boolean): ModelOptions {
    const { checkpointDir, ...rest } = this.options as AutoOptions & { checkpointDir?: string };
    return {
      ...rest,
      ...(final && checkpointDir ? { checkpointDir } : {}),
      seasonSeconds: this.options.seasonSeconds ?? DEFAULT_SEASON_SECONDS,
      horizonSteps: this.horizonSteps,
    };
  }
}

/** The chosen model with the record of why; it forecasts, saves and loads as the chosen model does. */
export class FittedAuto implements FittedForecaster {
  /** Present when the chosen model saves as a folder (a neural model): then `auto` does too. */
  readonly artifacts?: () => Readonly<Record<string, Uint8Array>>;

  constructor(
    readonly metadata: ModelMetadata,
    readonly chosen: FittedForecaster,
    readonly selection: AutoSelection,
  ) {
    const chosenArtifacts = chosen.artifacts?.bind(chosen);
    if (chosenArtifacts) this.artifacts = chosenArtifacts;
  }

  forecast(context: Series, horizonSteps: number, level?: number): Forecast {
    return this.chosen.forecast(context, horizonSteps, level);
  }

  toJSON(): SavedModel {
    return { metadata: this.metadata, parameters: { selection: this.selection, chosen: this.chosen.toJSON() } };
  }
}

/** The registry entry of `auto`, given the registry's lookup and the names it tries by default (all but itself). */
export function defineAutoModel(lookup: ModelLookup, defaultCandidates: () => readonly string[]): ModelDefinition {
  return {
    name: 'auto',
    description: 'chooses per series: backtests the candidates on the last day of the training data, keeps the best',
    create: (options) => new AutoForecaster(lookup, defaultCandidates(), options as AutoOptions | undefined),
    load: (saved, artifacts) => {
      if (saved?.metadata?.model !== 'auto') {
        throw new PrescaleError(
          'model-mismatch',
          `metadata.model: expected 'auto', found '${saved?.metadata?.model}'`,
          {
            field: 'metadata.model',
          },
        );
      }
      const parameters = saved.parameters as { selection?: AutoSelection; chosen?: SavedModel };
      if (!parameters?.chosen || !parameters.selection) {
        throw new PrescaleError(
          'model-mismatch',
          'parameters.chosen: missing; the file is corrupt, fit and save again',
          {
            field: 'parameters.chosen',
          },
        );
      }
      const chosen = lookup(String(parameters.chosen.metadata?.model), 'parameters.chosen.metadata.model').load(
        parameters.chosen,
        artifacts,
      );
      return new FittedAuto(saved.metadata, chosen, parameters.selection);
    },
  };
}
