import type { Series } from '../../core/index.js';
import { DEFAULT_CALIBRATED_HORIZON_STEPS, DEFAULT_SEASON_SECONDS } from '../common.js';
import type { ModelOptions } from '../types.js';
import { CALENDAR_FEATURES, type FeatureLayout } from './features.js';
import type { RecurrentCell } from './network.js';
import type { EpochProgress } from './train.js';

/** Every setting of a neural forecaster; all of it is recorded in the saved model. */
export interface NeuralSettings {
  readonly cell: RecurrentCell;
  readonly windowSteps: number;
  readonly patchSteps: number;
  readonly horizonSteps: number;
  readonly hiddenUnits: number;
  readonly layers: number;
  readonly calendar: readonly FeatureLayout['calendar'][number][];
  readonly maxEpochs: number;
  /**
   * Epochs of a warm-start refit (one that continues from the previous fit's network, `warm-start.ts`), early
   * stopping on the validation tail as a cold fit does; the previous network itself is its epoch 0.
   */
  readonly warmStartEpochs: number;
  /**
   * Adam's step size in a warm-start refit (`learningRate` is the cold fit's). A fresh Adam's first steps are about
   * this large whatever the gradient, so on a network that has already converged it sets how far the refit moves.
   */
  readonly warmStartLearningRate: number;
  readonly patience: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  /** Share of the training windows, the latest, held out for early stopping and interval calibration. */
  readonly validationFraction: number;
  /**
   * The held-out tail spans at least this much time (one season, a day by default), up to half the windows, so
   * that early stopping and the intervals see every hour of the day and not only the last few.
   */
  readonly validationMinSeconds: number;
  /** Windows are taken every k steps so that at most this many are trained on (the time budget of a fit). */
  readonly maxTrainingWindows: number;
  /**
   * The forecast is the base plus the anchor plus the network's output, the anchor being the mean of the anchor
   * channel over the last `anchorSteps` buckets: 1 (the last value, the reference setup) for LSTM and GRU.
   */
  readonly anchorSteps: number;
}

/** Options of a neural forecaster beyond the shared `ModelOptions`. */
export interface NeuralOptions extends ModelOptions {
  /** Overrides of the defaults (`defaultNeuralSettings`). */
  readonly settings?: Partial<NeuralSettings>;
  /** Called after each epoch with the losses, for progress display. */
  readonly onEpoch?: (progress: EpochProgress) => void;
  /** Where training keeps its checkpoint; a matching checkpoint there is resumed. */
  readonly checkpointDir?: string;
}

/**
 * Training data needed before the day of week becomes an input: below three weeks each weekday is seen once or
 * twice, and the network memorizes those days instead of learning the week.
 */
export const DAY_OF_WEEK_MIN_TRAIN_SECONDS = 21 * 86_400;

/**
 * The reference setup of `shared/bench/anchors.md` (window 120 one-minute steps or 48 coarser ones, one layer of
 * 32 units, time of day, early stopping on the last 15%), with the window read 4 buckets per recurrent step to fit
 * the training budget of a 2-core machine, and the day of week from three weeks of training data on.
 */
export function defaultNeuralSettings(
  cell: RecurrentCell,
  stepSeconds: number,
  horizonSteps: number,
  trainSeconds: number,
  seasonSeconds: number,
): NeuralSettings {
  return {
    cell,
    windowSteps: stepSeconds < 300 ? 120 : 48,
    patchSteps: 4,
    horizonSteps,
    hiddenUnits: 32,
    layers: 1,
    calendar: trainSeconds >= DAY_OF_WEEK_MIN_TRAIN_SECONDS ? CALENDAR_FEATURES : ['time-of-day'],
    maxEpochs: 30,
    // Chosen on validation days before the dev sets' test ranges (docs/neural.md, "How the warm phase was chosen").
    warmStartEpochs: 1,
    warmStartLearningRate: 0.006,
    patience: 4,
    batchSize: 256,
    learningRate: 0.002,
    seed: 42,
    validationFraction: 0.15,
    validationMinSeconds: seasonSeconds,
    maxTrainingWindows: 6000,
    anchorSteps: 1,
  };
}

/** The horizon and settings a neural forecaster is created with. */
export function resolveNeuralSettings(cell: RecurrentCell, train: Series, options?: NeuralOptions): NeuralSettings {
  const horizon = options?.horizonSteps ?? DEFAULT_CALIBRATED_HORIZON_STEPS;
  const trainSeconds = train.values.length * train.stepSeconds;
  const season = options?.seasonSeconds ?? DEFAULT_SEASON_SECONDS;
  return { ...defaultNeuralSettings(cell, train.stepSeconds, horizon, trainSeconds, season), ...options?.settings };
}
