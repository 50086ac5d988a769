import { PrescaleError, type Series, seriesEndSeconds } from '../../core/index.js';
import { sliceSeries } from '../backtest.js';
import { DEFAULT_SEASON_SECONDS, lastObservedIndex } from '../common.js';
import { prophetModel } from '../prophet.js';
import type { CorrectedParameters } from '../residual-correction.js';
import type { FitOptions, FittedForecaster, Forecaster, ModelDefinition } from '../types.js';
import { fitNeural } from './fit.js';
import { loadNeural } from './fitted-neural.js';
import type { NeuralBase } from './saved-format.js';
import { type NeuralOptions, resolveNeuralSettings } from './settings.js';
import { resolveNetworkStart } from './warm-start.js';
import type { TrainingSegment } from './windows.js';

const DAY_SECONDS = 86_400;

/** Least training data Prophet accepts (its own holdout day plus two seasons), checked before any fit. */
const PROPHET_MIN_TRAIN_SECONDS = 3 * DAY_SECONDS;

/**
 * At most this many days of out-of-sample Prophet residuals to train the network on: each costs a Prophet fit, and
 * a week already shows every weekday.
 */
const MAX_RESIDUAL_DAYS = 7;

/** Options of the hybrid: the neural options plus how many out-of-sample days to train on. */
export interface ProphetLstmOptions extends NeuralOptions {
  readonly residualDays?: number;
}

/**
 * Prophet fitted on `train` (the Prophet model of `prophet.ts`): the fitted model, whose forecast follows the level
 * through its residual correction, and its raw path (trend + seasonality, uncorrected).
 */
async function fitProphet(train: Series, seasonSeconds: number, horizonSteps: number, signal?: AbortSignal) {
  const fitted = await prophetModel.create({ seasonSeconds, horizonSteps }).fit(train, signal);
  const { path } = fitted.toJSON().parameters as CorrectedParameters;
  return { fitted, path: { startSeconds: path.startSeconds, values: Float64Array.from(path.values) } };
}

/** The path on the grid of `series`: base[i] for bucket i (NaN where the path does not reach). */
function alignPath(path: { startSeconds: number; values: Float64Array }, series: Series): Float64Array {
  const base = new Float64Array(series.values.length).fill(Number.NaN);
  const offset = Math.round((path.startSeconds - series.startSeconds) / series.stepSeconds);
  for (let j = 0; j < path.values.length; j++) {
    const i = offset + j;
    if (i >= 0 && i < base.length) base[i] = path.values[j];
  }
  return base;
}

/**
 * Prophet + LSTM. Prophet keeps trend and seasonality: the base forecast is the Prophet model of `prophet.ts`
 * (its path plus its residual correction, which follows the current level). An LSTM reads the last window of the
 * residuals against Prophet's path and of the observed values (scaled) with the calendar, and forecasts what that
 * base misses over 1..H; the forecast is their sum. The network trains on what deployment sees: for each of the
 * last days of the training range, Prophet is fitted on the data before that day, and that day's windows use its
 * path (inputs) and its corrected forecast from each origin (targets). The last of those days is the validation
 * tail (early stopping and conformal intervals). The served Prophet is then fitted on the whole range.
 */
class ProphetLstmForecaster implements Forecaster {
  readonly name = 'prophet-lstm' as const;

  constructor(private readonly options: ProphetLstmOptions = {}) {}

  async fit(train: Series, signal?: AbortSignal, fitOptions?: FitOptions): Promise<FittedForecaster> {
    if (lastObservedIndex(train.values) < 0) {
      throw new PrescaleError('not-enough-data', `${this.name}: the training series has no observed value`, {
        field: this.name,
      });
    }
    const started = performance.now();
    const step = train.stepSeconds;
    const seasonSeconds = this.options.seasonSeconds ?? DEFAULT_SEASON_SECONDS;
    const settings = resolveNeuralSettings('lstm', train, this.options);
    const trainEnd = seriesEndSeconds(train);
    const spanDays = Math.floor((train.values.length * step - PROPHET_MIN_TRAIN_SECONDS) / DAY_SECONDS);
    const days = Math.min(this.options.residualDays ?? MAX_RESIDUAL_DAYS, spanDays);
    if (days < 1) {
      throw new PrescaleError(
        'not-enough-data',
        `${this.name}: the training data covers ${(train.values.length * step) / 3600} h; the hybrid needs at least ${(PROPHET_MIN_TRAIN_SECONDS + DAY_SECONDS) / 3600} h (Prophet's minimum plus one day of out-of-sample residuals); pass a longer training range`,
        { field: this.name },
      );
    }
    const H = settings.horizonSteps;
    const segments: TrainingSegment[] = [];
    for (let k = days; k >= 1; k--) {
      const cut = trainEnd - k * DAY_SECONDS;
      const prophet = await fitProphet(sliceSeries(train, train.startSeconds, cut), seasonSeconds, H, signal);
      const firstOrigin = Math.round((cut - train.startSeconds) / step);
      segments.push({
        series: train,
        base: alignPath(prophet.path, train),
        // what the deployed Prophet (fitted before this day, correcting with the day's residuals) forecasts here
        forecastAt: (origin) =>
          prophet.fitted.forecast(sliceSeries(train, train.startSeconds, train.startSeconds + origin * step), H).point,
        firstOrigin,
        endOrigin: Math.min(train.values.length, firstOrigin + Math.round(DAY_SECONDS / step)),
      });
    }
    const prophetMilliseconds = performance.now() - started;
    const served = await fitProphet(train, seasonSeconds, H, signal);
    const base: NeuralBase = {
      kind: 'path',
      startSeconds: served.path.startSeconds,
      values: Array.from(served.path.values),
      forecaster: served.fitted.toJSON(),
    };
    // With two days or more, the last day is the validation tail and the days before it train the network.
    return fitNeural(
      this.name,
      train,
      settings,
      {
        segments,
        base,
        extra: { residualDays: days, prophetFits: days + 1, prophetMilliseconds },
        validationFromSeconds: days > 1 ? trainEnd - DAY_SECONDS : undefined,
        baseForecaster: served.fitted,
        // Prophet is refitted every time (it is the base); only the network continues from the previous fit.
        start: resolveNetworkStart(this.name, settings, step, fitOptions?.warmStart),
      },
      this.options,
      signal,
    );
  }
}

/** The hybrid's registry entry; a saved hybrid is meta.json (with Prophet's path) + model.onnx, loaded without tfjs. */
export const prophetLstmModel: ModelDefinition = {
  name: 'prophet-lstm',
  description: 'Prophet (residual-corrected) + an LSTM on its out-of-sample residuals and the recent values',
  create: (options) => new ProphetLstmForecaster(options as ProphetLstmOptions | undefined),
  load: (saved, artifacts) => loadNeural('prophet-lstm', saved, artifacts, (base) => prophetModel.load(base)),
};
