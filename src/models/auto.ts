import { type Forecast, PrescaleError, type Series, seriesEndSeconds } from '../core/index.js';
import { detectSeasonalPeriods } from '../preprocessor/index.js';
import { runBacktest } from './backtest.js';
import { DEFAULT_CALIBRATED_HORIZON_STEPS, DEFAULT_SEASON_SECONDS, lastObservedIndex, metadataFor } from './common.js';
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

/** Observed span from which `auto` runs its full selection: a day to fit the candidates on, a day to compare on. */
export const AUTO_FULL_SELECTION_SECONDS = 2 * AUTO_VALIDATION_SECONDS;

/**
 * Observed history below which `auto` serves nothing: naive's intervals come from its own errors at every h, and an
 * hour gives them errors up to a one-hour horizon (the default one at 60 s steps).
 */
export const AUTO_FIRST_MODEL_SECONDS = 3600;

/** The model that serves in warm-up when nothing can be compared yet: it needs a single observed value. */
const WARM_UP_FLOOR = 'naive';

/** In warm-up the candidates are compared on this share of the observed history, the latest. */
const WARM_UP_HOLDOUT_FRACTION = 1 / 3;

/** Options of `auto`: the candidates (by default the registry's: all but `auto` and the opt-in ones); `refitOf`: see `refitWinner`. */
export interface AutoOptions extends ModelOptions {
  readonly candidates?: readonly string[];
  readonly refitOf?: AutoSelection;
}

/** How one candidate did on the validation tail: its RMSE over h = 1..H, or why it could not take part. */
export interface CandidateResult {
  readonly model: string;
  readonly rmse?: number;
  /** Σ|error| / Σ|actual| × 100 over the same points, to compare with the online error (absent in older records). */
  readonly wapePercent?: number;
  readonly origins?: number;
  readonly fitMilliseconds?: number;
  readonly skipped?: string;
  /** The season a warm-up seasonal naive repeats (the detected period), when not the configured one. */
  readonly seasonSeconds?: number;
}

/**
 * How far `auto` has come with a series: `warm-up` while less than 48 h have been observed (the candidates that fit
 * the history so far, compared on its last third), `full` once the last day can be backtested.
 */
export type AutoStage = 'warm-up' | 'full';

/** The record of a choice, saved with the chosen model: every candidate's result and the reason in one line. */
export interface AutoSelection {
  readonly chosen: ModelName;
  readonly reason: string;
  readonly stage: AutoStage;
  /** Observed (non-missing) training buckets × step: the history the stage was decided on. */
  readonly historySeconds: number;
  /** In warm-up, the history at which a refit widens the candidates (the next stage); null in the full stage. */
  readonly nextStageHistorySeconds: number | null;
  readonly validationStartSeconds: number;
  readonly validationEndSeconds: number;
  readonly candidates: readonly CandidateResult[];
  /** After a refit of the winner alone (the rest is the last selection's): "refit of ets on 72.0 h; last selection at …". */
  readonly refitNote?: string;
}

/**
 * How `auto` finds the other models: the registry passes its lookup in (`defineAutoModel`), so this module does
 * not import the registry that lists it.
 */
type ModelLookup = (name: string, field?: string) => ModelDefinition;

/** A candidate to compare: its name and the options it is created with. */
interface Candidate {
  readonly name: string;
  readonly options: ModelOptions;
}

/** RMSE and WAPE over every origin and h of a backtest, against the observed buckets (gaps are not scored). */
function backtestErrors(series: Series, originsSeconds: number[], point: Float64Array, H: number) {
  let squared = 0;
  let absolute = 0;
  let load = 0;
  let n = 0;
  originsSeconds.forEach((origin, i) => {
    const first = Math.round((origin - series.startSeconds) / series.stepSeconds);
    for (let h = 0; h < H; h++) {
      const actual = series.values[first + h];
      if (Number.isNaN(actual)) continue;
      const error = actual - point[i * H + h];
      squared += error ** 2;
      absolute += Math.abs(error);
      load += Math.abs(actual);
      n++;
    }
  });
  return {
    rmse: n > 0 ? Math.sqrt(squared / n) : Number.NaN,
    wapePercent: load > 0 ? (100 * absolute) / load : Number.NaN,
  };
}

/** The history a fit actually has: observed buckets × step, and the series from its first observed bucket on. */
export function observedHistory(train: Series): { readonly seconds: number; readonly series: Series } {
  let observed = 0;
  let first = -1;
  train.values.forEach((v, i) => {
    if (Number.isNaN(v)) return;
    observed++;
    if (first < 0) first = i;
  });
  const from = Math.max(0, first);
  return {
    seconds: observed * train.stepSeconds,
    series:
      from === 0
        ? train
        : {
            ...train,
            startSeconds: train.startSeconds + from * train.stepSeconds,
            values: train.values.subarray(from),
          },
  };
}

/** Hours with one decimal, for reasons people read. */
const hours = (seconds: number) => `${(seconds / 3600).toFixed(1)} h`;

/**
 * `auto` picks a model per series. With 48 h observed, each candidate is fitted on the training data without its
 * last day and backtested over that day (rolling origins, forecast benchmark protocol), the lowest RMSE over
 * h = 1..H wins, and the winner is refitted on the whole training range. Before that (warm-up, from 1 h on), the
 * candidates that fit the shorter history (naive always, seasonal naive at the detected period) are compared the
 * same way on its last third, and the history at which to refit for a wider choice is recorded. A candidate that
 * cannot fit this series (too little data, optimizer failure) is recorded as skipped with its reason, not fatal.
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
    const history = observedHistory(train);
    if (history.seconds < AUTO_FIRST_MODEL_SECONDS) {
      throw new PrescaleError(
        'not-enough-data',
        `auto: history ${hours(history.seconds)} observed; the first model (${WARM_UP_FLOOR}) serves from ${hours(AUTO_FIRST_MODEL_SECONDS)} on, ${hours(AUTO_FIRST_MODEL_SECONDS - history.seconds)} to go`,
        { field: 'auto' },
      );
    }
    const series = history.series;
    const step = series.stepSeconds;
    const validationStart = seriesEndSeconds(series) - Math.round(AUTO_VALIDATION_SECONDS / step) * step;
    if (validationStart - series.startSeconds < AUTO_VALIDATION_SECONDS) {
      return this.warmUp(series, history.seconds, signal);
    }
    const refitOf = this.options.refitOf;
    return refitOf?.stage === 'full'
      ? this.refitWinner(series, history.seconds, refitOf, signal)
      : this.fullSelection(series, history.seconds, signal);
  }

  /**
   * Between selections: the last selection's winner alone, fitted on the new data, with that selection's record
   * and a note. A history shrunk below 48 h selects again instead (above), as a warm-up.
   */
  private async refitWinner(
    train: Series,
    historySeconds: number,
    previous: AutoSelection,
    signal?: AbortSignal,
  ): Promise<FittedAuto> {
    const selectedAt = new Date(previous.validationEndSeconds * 1000).toISOString().replace('.000Z', 'Z');
    return this.finish(train, previous.chosen, this.createOptions(true), signal, {
      ...previous,
      refitNote: `refit of ${previous.chosen} on ${hours(historySeconds)}; last selection at ${selectedAt}`,
    });
  }

  /** Today's choice among every candidate, on the last day of at least 48 h. */
  private async fullSelection(train: Series, historySeconds: number, signal?: AbortSignal): Promise<FittedAuto> {
    const H = this.horizonSteps;
    const candidates = this.candidates.map((name) => ({ name, options: this.createOptions(false) }));
    const { results, validationStart } = await this.compare(train, AUTO_VALIDATION_SECONDS, candidates, signal);
    const ranked = rank(results);
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
    return this.finish(train, best.model, this.createOptions(true), signal, {
      reason:
        `${best.model}: lowest RMSE over h=1..${H} on the last 24 h of training data, ${best.rmse!.toPrecision(4)}` +
        (others ? ` (${others})` : '') +
        (skipped.length ? `; could not compare ${skipped.join(', ')}` : ''),
      stage: 'full',
      historySeconds,
      nextStageHistorySeconds: null,
      validationStartSeconds: validationStart,
      validationEndSeconds: seriesEndSeconds(train),
      candidates: results,
    });
  }

  /**
   * Under 48 h: the candidates (and naive, the floor) compared on the last third of the history; seasonal naive
   * repeats the configured season once the two thirds fitted on cover it, else the strongest detected period. When
   * nothing can be compared (the third is shorter than the horizon, or nothing fits), naive serves.
   */
  private async warmUp(train: Series, historySeconds: number, signal?: AbortSignal): Promise<FittedAuto> {
    const H = this.horizonSteps;
    const step = train.stepSeconds;
    const holdoutSeconds = Math.floor(train.values.length * WARM_UP_HOLDOUT_FRACTION) * step;
    const names = this.candidates.includes(WARM_UP_FLOOR) ? this.candidates : [...this.candidates, WARM_UP_FLOOR];
    const seasonSeconds = warmUpSeasonSeconds(
      train,
      this.configuredSeasonSeconds(),
      train.values.length * step - holdoutSeconds,
    );
    const candidates: Candidate[] = [];
    const results: CandidateResult[] = [];
    // The corrected models (ETS) calibrate on a holdout as long as the compared tail instead of a day.
    const warmUpOptions = (final: boolean) => ({ ...this.createOptions(final), calibrationSeconds: holdoutSeconds });
    for (const name of names) {
      if (name !== 'seasonal-naive') candidates.push({ name, options: warmUpOptions(false) });
      else if (typeof seasonSeconds === 'number') {
        candidates.push({ name, options: { ...warmUpOptions(false), seasonSeconds } });
      } else results.push({ model: name, skipped: `not-enough-data: ${seasonSeconds.problem}` });
    }
    const compared = await this.compare(train, holdoutSeconds, candidates, signal);
    results.push(
      ...compared.results.map((r) =>
        r.model === 'seasonal-naive' && typeof seasonSeconds === 'number' ? { ...r, seasonSeconds } : r,
      ),
    );
    const ranked = rank(results);
    const best = ranked[0];
    const chosen = best?.model ?? WARM_UP_FLOOR;
    const others = ranked
      .slice(1)
      .map((r) => `${r.model} ${r.rmse!.toPrecision(4)}`)
      .join(', ');
    const why =
      best === undefined
        ? `the simplest model, as nothing could be compared on the last ${hours(holdoutSeconds)} over h=1..${H}`
        : `lowest RMSE over h=1..${H} on the last ${hours(holdoutSeconds)}, ${best.rmse!.toPrecision(4)}` +
          (others ? ` (${others})` : '');
    const waiting = results.filter((r) => r.skipped && r.model !== chosen).map((r) => r.model);
    const chosenOptions =
      chosen === 'seasonal-naive' && typeof seasonSeconds === 'number'
        ? { ...warmUpOptions(true), seasonSeconds }
        : warmUpOptions(true);
    return this.finish(train, chosen, chosenOptions, signal, {
      reason:
        `history ${hours(historySeconds)}: serving ${chosen} until ${AUTO_FULL_SELECTION_SECONDS / 3600} h allows a backtest among ${this.candidates.length} candidates; ${chosen}: ${why}` +
        (waiting.length ? `; not yet comparable: ${waiting.join(', ')}` : ''),
      stage: 'warm-up',
      historySeconds,
      nextStageHistorySeconds: nextWarmUpStage(historySeconds),
      validationStartSeconds: compared.validationStart,
      validationEndSeconds: seriesEndSeconds(train),
      candidates: results,
    });
  }

  /** Backtests each candidate over the last `validationSeconds` of `train`, fitted once at the start of that tail. */
  private async compare(
    train: Series,
    validationSeconds: number,
    candidates: readonly Candidate[],
    signal?: AbortSignal,
  ): Promise<{ results: CandidateResult[]; validationStart: number }> {
    const step = train.stepSeconds;
    const H = this.horizonSteps;
    const trainEnd = seriesEndSeconds(train);
    const validationStart = trainEnd - Math.round(validationSeconds / step) * step;
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
    for (const { name, options } of candidates) {
      signal?.throwIfAborted();
      const forecaster = this.lookup(name).create(options);
      try {
        const backtest = await runBacktest(train, forecaster, plan, { signal });
        if (backtest.originsSeconds.length === 0) {
          results.push({
            model: name,
            skipped: `not-enough-data: the last ${hours(validationSeconds)} hold no forecast origin for h=1..${H}`,
          });
          continue;
        }
        const errors = backtestErrors(train, backtest.originsSeconds, backtest.point, H);
        results.push({
          model: name,
          rmse: errors.rmse,
          ...(Number.isFinite(errors.wapePercent) ? { wapePercent: errors.wapePercent } : {}),
          origins: backtest.originsSeconds.length,
          fitMilliseconds: Math.round(backtest.fitMilliseconds.reduce((a, b) => a + b, 0)),
        });
      } catch (error) {
        if (!(error instanceof PrescaleError)) throw error;
        results.push({ model: name, skipped: `${error.code}: ${error.message}` });
      }
    }
    return { results, validationStart };
  }

  /** Refits the winner on the whole training range and wraps it with the record of the choice. */
  private async finish(
    train: Series,
    chosen: string,
    options: ModelOptions,
    signal: AbortSignal | undefined,
    selection: Omit<AutoSelection, 'chosen'>,
  ): Promise<FittedAuto> {
    const model = await this.lookup(chosen).create(options).fit(train, signal);
    return new FittedAuto(metadataFor('auto', train, { chosen, candidates: this.candidates }), model, {
      chosen: chosen as ModelName,
      ...selection,
    });
  }

  private configuredSeasonSeconds(): number {
    return this.options.seasonSeconds ?? DEFAULT_SEASON_SECONDS;
  }

  /**
   * Options for a candidate or the winner. A training checkpoint (`checkpointDir` of the neural models) belongs to
   * one training run, so only the winner's final fit gets it; the comparison fits train from scratch.
   */
  private createOptions(final: boolean): ModelOptions {
    const { checkpointDir, refitOf: _, ...rest } = this.options as AutoOptions & { checkpointDir?: string };
    return {
      ...rest,
      ...(final && checkpointDir ? { checkpointDir } : {}),
      seasonSeconds: this.configuredSeasonSeconds(),
      horizonSteps: this.horizonSteps,
    };
  }
}

/** Candidates with a finite backtest RMSE, best first. */
function rank(results: readonly CandidateResult[]): CandidateResult[] {
  return results.filter((r) => Number.isFinite(r.rmse)).sort((a, b) => a.rmse! - b.rmse!);
}

/**
 * Histories at which a warm-up refit may widen the candidates, at the default daily season and 60 s steps: seasonal
 * naive at an hourly period from 3 h (three cycles), ETS from 18 h (its 6 h fit and as long a calibration within the
 * compared two thirds), seasonal naive at the day from 36 h, the full selection at 48 h; the points between catch
 * periods detected in the data. docs/models.md has the table.
 */
const WARM_UP_REFIT_HOURS = [2, 3, 6, 12, 18, 24, 36, 48];

/** The history of the next warm-up refit: the next point of the schedule, 48 h at the latest. */
export function nextWarmUpStage(historySeconds: number): number {
  const next = WARM_UP_REFIT_HOURS.find((hours) => hours * 3600 > historySeconds);
  return Math.min((next ?? Number.POSITIVE_INFINITY) * 3600, AUTO_FULL_SELECTION_SECONDS);
}

/**
 * The season a warm-up seasonal naive repeats: the configured one once the part fitted on covers it, else the
 * strongest period detected in the observed history (three cycles seen); a problem when there is neither.
 */
function warmUpSeasonSeconds(
  train: Series,
  configuredSeconds: number,
  fittedSpanSeconds: number,
): number | { problem: string } {
  if (fittedSpanSeconds >= configuredSeconds) return configuredSeconds;
  const last = lastObservedIndex(train.values);
  const observed = { ...train, values: train.values.subarray(0, last + 1) };
  try {
    const [strongest] = detectSeasonalPeriods(observed).sort((a, b) => b.strength - a.strength);
    if (strongest !== undefined && strongest.periodSeconds <= fittedSpanSeconds) return strongest.periodSeconds;
    return {
      problem: `seasonal-naive: no period detected in ${hours(train.values.length * train.stepSeconds)} that the compared part covers (a period must repeat three times), and the season of ${hours(configuredSeconds)} is longer than the ${hours(fittedSpanSeconds)} fitted on`,
    };
  } catch (error) {
    if (!(error instanceof PrescaleError)) throw error;
    return { problem: error.message };
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
    description:
      'chooses per series: backtests the candidates on the last day of the training data, keeps the best (from 1 h of history, among those that fit it)',
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
      const parameters = saved.parameters as { selection?: Partial<AutoSelection>; chosen?: SavedModel };
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
      // Files written before the warm-up stage record only full selections.
      const selection: AutoSelection = {
        stage: 'full',
        historySeconds: saved.metadata.trainEndSeconds - saved.metadata.trainStartSeconds,
        nextStageHistorySeconds: null,
        ...parameters.selection,
      } as AutoSelection;
      return new FittedAuto(saved.metadata, chosen, selection);
    },
  };
}
