import { basename, resolve } from 'node:path';
import { readTraceFile } from '../collector/trace-file.js';
import type { Dataset } from '../config/datasets.js';
import { PrescaleError, type Series } from '../core/index.js';
import { resampleToStep } from '../preprocessor/index.js';
import type { LoadedDataset } from './datasets.js';

/** The length of the train or the test period: a share of the file's span, or a duration. */
export type PeriodLength = { readonly fraction: number } | { readonly seconds: number };

/** A number of steps, given as steps or as a duration that is a whole number of steps. */
export type StepCount = { readonly steps: number } | { readonly seconds: number };

/**
 * How to split a user's own trace: the same fields a datasets file entry holds, in lengths instead of
 * unix times, so `--file` and `--dataset` backtests follow one protocol.
 */
export interface TraceSplitOptions {
  readonly stepSeconds: number;
  /** From the first bucket; with `test` absent the test period is the rest of the file. */
  readonly train?: PeriodLength;
  /** Right after training; with `train` absent it is the end of the file and training is everything before. */
  readonly test?: PeriodLength;
  readonly horizon?: StepCount;
  /** Steps between forecast origins. */
  readonly stride?: StepCount;
  readonly seasonSeconds?: number;
}

/** Training share when neither period is given: the last quarter of the file is the test period. */
const DEFAULT_TRAIN_FRACTION = 0.75;
/** The benchmark datasets forecast 30 minutes ahead (30 one-minute or 6 five-minute steps). */
const DEFAULT_HORIZON_SECONDS = 1800;
const DEFAULT_SEASON_SECONDS = 86_400;

function invalid(flag: string, message: string): PrescaleError {
  return new PrescaleError('invalid-input', `${flag}: ${message}`, { field: flag });
}

/** A step count in steps; a duration must be a whole number of steps (at least one). */
export function stepsOf(count: StepCount, stepSeconds: number, flag: string): number {
  if ('steps' in count) return count.steps;
  const steps = count.seconds / stepSeconds;
  if (!(Number.isInteger(steps) && steps >= 1)) {
    throw invalid(
      flag,
      `${count.seconds} s is not a whole number of ${stepSeconds} s steps; give a multiple of --step or a count of steps`,
    );
  }
  return steps;
}

/** Whole steps of a period within a file of `totalSteps` (durations and shares round down to the grid). */
function periodSteps(length: PeriodLength, totalSteps: number, stepSeconds: number): number {
  return 'fraction' in length ? Math.floor(length.fraction * totalSteps) : Math.floor(length.seconds / stepSeconds);
}

/** The report horizons of the benchmark datasets (5, 15, 30 of 30; 1, 3, 6 of 6): a sixth, half and all of H. */
function reportHorizons(horizonSteps: number): number[] {
  const picks = [Math.round(horizonSteps / 6), Math.round(horizonSteps / 2), horizonSteps].map((h) => Math.max(1, h));
  return [...new Set(picks)];
}

/**
 * The datasets-file entry for a series resampled to `options.stepSeconds`: train from its first bucket,
 * test right after, horizon, origin stride, report horizons and season. Every problem names its flag.
 */
export function splitForSeries(series: Series, file: string, options: TraceSplitOptions): Dataset {
  const step = options.stepSeconds;
  const totalSteps = series.values.length;
  if (totalSteps === 0) throw invalid('--file', `${file} holds no observations; give a trace with data rows`);
  const given = {
    train: options.train && periodSteps(options.train, totalSteps, step),
    test: options.test && periodSteps(options.test, totalSteps, step),
  };
  const trainSteps =
    given.train ??
    (given.test === undefined ? Math.floor(DEFAULT_TRAIN_FRACTION * totalSteps) : totalSteps - given.test);
  const testSteps = given.test ?? totalSteps - trainSteps;
  const span = `the file holds ${totalSteps} steps of ${step} s`;
  if (trainSteps < 1) throw invalid('--train', `leaves no training data (${span}); give a longer --train or --step`);
  if (trainSteps >= totalSteps) throw invalid('--train', `leaves no test period (${span}); shorten --train`);
  if (testSteps < 1) throw invalid('--test', `is shorter than one step (${span}); give a longer --test`);
  if (trainSteps + testSteps > totalSteps) {
    throw invalid(
      '--test',
      `${trainSteps} training + ${testSteps} test steps run past the end of the file (${span}); shorten --train or --test`,
    );
  }
  const horizonSteps =
    options.horizon === undefined
      ? Math.max(1, Math.round(DEFAULT_HORIZON_SECONDS / step))
      : stepsOf(options.horizon, step, '--horizon');
  if (testSteps < horizonSteps) {
    throw invalid(
      '--horizon',
      `${horizonSteps} steps do not fit in the ${testSteps}-step test period; shorten --horizon or lengthen --test`,
    );
  }
  const strideSteps =
    options.stride === undefined ? Math.ceil(horizonSteps / 2) : stepsOf(options.stride, step, '--stride');
  const trainStart = series.startSeconds;
  const trainEnd = trainStart + trainSteps * step;
  return {
    file,
    step_seconds: step,
    train_start: trainStart,
    train_end: trainEnd,
    test_end: trainEnd + testSteps * step,
    horizon_steps: horizonSteps,
    origin_every_steps: strideSteps,
    report_h: reportHorizons(horizonSteps),
    season_seconds: options.seasonSeconds ?? DEFAULT_SEASON_SECONDS,
  };
}

/** Reads a user's trace (any format `readTraceFile` takes) as bucket means on a `stepSeconds` grid; errors name `--file`. */
export async function loadTraceSeries(path: string, stepSeconds: number): Promise<Series> {
  const trace = await readTraceFile(path).catch((error: unknown) => {
    if (!(error instanceof PrescaleError)) throw error;
    throw new PrescaleError(error.code, `--file: ${error.message}`, { field: error.field, cause: error });
  });
  return resampleToStep(trace.series, { stepSeconds, aggregation: 'mean' });
}

/** Reads a user's trace (any format `readTraceFile` takes), resamples it and splits it as a dataset. */
export async function loadTraceDataset(path: string, options: TraceSplitOptions): Promise<LoadedDataset> {
  const series = await loadTraceSeries(path, options.stepSeconds);
  const dataset = splitForSeries(series, path, options);
  return { name: basename(path), dataset, seriesPath: resolve(path), series };
}
