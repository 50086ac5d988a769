import { PrescaleError } from '../core/index.js';
import type { BacktestSuiteResult } from '../experiments/backtest-suite.js';
import { BUNDLED_DATASETS_PATH, type LoadedDataset, loadDataset } from '../experiments/datasets.js';
import { loadTraceDataset, stepsOf, type TraceSplitOptions } from '../experiments/file-dataset.js';
import { DEFAULT_INTERVAL_LEVEL } from '../models/common.js';
import { MODEL_NAMES } from '../models/names.js';
import type { ForecastScore } from '../models/scoring.js';
import { createProgressBars } from './progress.js';
import type { RegisterCommand } from './run.js';
import { parsePeriodLength, parsePositiveDuration, parseStepCount } from './split-flags.js';
import { formatNumber, formatTable } from './table.js';

/**
 * Models backtested when `--model` is not given: the classic ones, a few minutes in all. The neural models
 * and `auto` train networks at every daily re-estimation, so they are asked for by name.
 */
const DEFAULT_BACKTEST_MODELS = ['naive', 'seasonal-naive', 'ets', 'mstl', 'prophet'] as const;

/** Parses `--level`: an interval coverage strictly between 0 and 1. */
function parseLevel(text: string): number {
  const level = Number(text);
  if (!(level > 0 && level < 1)) {
    throw new PrescaleError('invalid-input', `--level: ${text} is not between 0 and 1; give a coverage such as 0.8`, {
      field: '--level',
    });
  }
  return level;
}

/** Parses `--model a,b,c`: names in the given order, duplicates dropped. */
export function parseModelList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    ),
  ];
}

/** Unix seconds as RFC 3339 UTC without milliseconds. */
function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** The score table of a suite: one row per model and reported horizon, plus the mean over 1..H. */
export function formatBacktestTable(result: BacktestSuiteResult): string {
  const H = result.plan.horizonSteps;
  const rows: string[][] = [];
  const cells = (model: string, h: string, s: ForecastScore) => [
    model,
    h,
    formatNumber(s.rmse),
    formatNumber(s.mae),
    formatNumber(s.wape),
    formatNumber(s.rmseVsSnaive),
    formatNumber(s.coverage80, 3),
  ];
  for (const { forecasts, scores } of result.results) {
    for (const [h, score] of scores.byH) rows.push(cells(forecasts.model, String(h), score));
    rows.push(cells(forecasts.model, `1..${H}`, scores.mean1ToH));
  }
  const { dataset, plan } = result;
  const title = `dataset ${dataset.name}: ${result.results[0]?.forecasts.originsSeconds.length ?? 0} origins x ${H} steps of ${plan.stepSeconds}s`;
  const split = `train ${isoTime(plan.trainStartSeconds)} to ${isoTime(plan.trainEndSeconds)}, test to ${isoTime(plan.testEndSeconds)}`;
  return `${title}\n${split}\n${formatTable(['model', 'h', 'rmse', 'mae', 'wape', 'rmse/snaive', 'cover80'], rows)}`;
}

/** Scores as JSON, in the shared scorer's field names, one entry per model. */
function backtestJson(result: BacktestSuiteResult) {
  const json = (s: ForecastScore) => ({
    n: s.n,
    rmse: s.rmse,
    mae: s.mae,
    wape: s.wape,
    rmse_vs_snaive: s.rmseVsSnaive,
    coverage80: s.coverage80,
    pinball90_hi: s.pinball90Hi,
  });
  return {
    dataset: result.dataset.name,
    origins: result.results[0]?.forecasts.originsSeconds.length ?? 0,
    horizon_steps: result.plan.horizonSteps,
    step_seconds: result.plan.stepSeconds,
    models: Object.fromEntries(
      result.results.map(({ forecasts, scores, csvPath }) => [
        forecasts.model,
        {
          forecasts: csvPath ?? null,
          by_h: Object.fromEntries([...scores.byH].map(([h, s]) => [h, json(s)])),
          mean_1_to_H: json(scores.mean1ToH),
          fit_ms: forecasts.fitMilliseconds,
          fit_cpu_ms: forecasts.fitCpuMilliseconds,
          fit_starts: forecasts.fitStarts,
          forecast_ms_per_origin: forecasts.forecastMilliseconds / forecasts.originsSeconds.length,
        },
      ]),
    ),
  };
}

/** The `prescale backtest` flags as commander hands them over. */
interface BacktestFlags {
  dataset?: string;
  datasets?: string;
  file?: string;
  step?: string;
  train?: string;
  test?: string;
  stride?: string;
  season?: string;
  model: string;
  horizon?: string;
  level: string;
  out?: string;
  json?: boolean;
  filterAnomalies?: boolean;
  warmStart?: boolean;
}

/** Flags that describe a split of `--file`; a named dataset's split comes from its datasets file. */
const FILE_ONLY_FLAGS = ['step', 'train', 'test', 'stride', 'season'] as const;

function invalidFlag(flag: string, message: string): PrescaleError {
  return new PrescaleError('invalid-input', `${flag}: ${message}`, { field: flag });
}

/**
 * Reads the dataset a backtest runs on: a named entry of a datasets file, or a user's own trace split by
 * the flags. Every flag is parsed before any file is read.
 */
async function backtestDataset(opts: BacktestFlags): Promise<{ loaded: LoadedDataset; horizonSteps?: number }> {
  const horizon = opts.horizon === undefined ? undefined : parseStepCount(opts.horizon, '--horizon');
  if (opts.file === undefined) {
    if (opts.dataset === undefined) {
      throw invalidFlag('--dataset', 'required; name a dataset (e.g. --dataset nasa-jul95) or give --file with --step');
    }
    const misplaced = FILE_ONLY_FLAGS.find((flag) => opts[flag] !== undefined);
    if (misplaced !== undefined) {
      throw invalidFlag(`--${misplaced}`, "applies to --file only; a dataset's split is set in its datasets file");
    }
    const loaded = await loadDataset(opts.dataset, opts.datasets ?? BUNDLED_DATASETS_PATH);
    return {
      loaded,
      horizonSteps: horizon && stepsOf(horizon, loaded.dataset.step_seconds, '--horizon'),
    };
  }
  if (opts.dataset !== undefined || opts.datasets !== undefined) {
    throw invalidFlag('--file', 'cannot be combined with --dataset or --datasets; give one source');
  }
  if (opts.step === undefined) throw invalidFlag('--step', 'required with --file; give the bucket size, e.g. 1m or 5m');
  const split: TraceSplitOptions = {
    stepSeconds: parsePositiveDuration(opts.step, '--step'),
    train: opts.train === undefined ? undefined : parsePeriodLength(opts.train, '--train'),
    test: opts.test === undefined ? undefined : parsePeriodLength(opts.test, '--test'),
    horizon,
    stride: opts.stride === undefined ? undefined : parseStepCount(opts.stride, '--stride'),
    seasonSeconds: opts.season === undefined ? undefined : parsePositiveDuration(opts.season, '--season'),
  };
  return { loaded: await loadTraceDataset(opts.file, split) };
}

/** `prescale backtest`: rolling-origin evaluation per the forecast benchmark protocol (docs/models.md). */
export const registerBacktest: RegisterCommand = (program, run) => {
  program
    .command('backtest')
    .description(
      'rolling-origin backtest of forecast models on a named dataset or on your own trace (--file); protocol and flags: docs/models.md',
    )
    .option('--dataset <name>', 'dataset name in the datasets file, e.g. nasa-jul95')
    .option('--datasets <file>', 'datasets file (default: the bundled data/datasets.json)')
    .option(
      '--file <csv>',
      'your own trace instead of a dataset: timestamp,value / offset_seconds,value / ds,y; .gz ok',
    )
    .option('--step <duration>', 'with --file: bucket size the trace is averaged to, e.g. 1m or 5m')
    .option(
      '--train <length>',
      'with --file: training period from the start, a share (0.7) or a duration (14d); default 0.75, or all before --test',
    )
    .option('--test <length>', 'with --file: test period after training (default: the rest of the file)')
    .option(
      '--stride <steps>',
      'with --file: steps (or a duration) between forecast origins (default: half the horizon)',
    )
    .option('--season <duration>', 'with --file: the seasonal period of the models and the scorer (default: 1d)')
    .option(
      '--model <list>',
      `comma-separated models, of: ${MODEL_NAMES.join(', ')}`,
      DEFAULT_BACKTEST_MODELS.join(','),
    )
    .option(
      '--horizon <steps>',
      "steps (30) or a duration (30m) to forecast; default the dataset's, or 30m with --file",
    )
    .option('--level <coverage>', 'prediction interval coverage', String(DEFAULT_INTERVAL_LEVEL))
    .option('--out <dir>', 'write one scorer-format CSV per model (origin,h,yhat,lo,hi) into this directory')
    .option('--json', 'print the scores as JSON instead of a table')
    .option('--filter-anomalies', "fit on training windows cleaned by the anomaly filter, as a workload's loop does")
    .option(
      '--warm-start',
      "each daily refit after the first continues from the previous day's model, as the service's refits do (neural models)",
    )
    .action(
      run(async (opts: BacktestFlags) => {
        const level = parseLevel(opts.level);
        const { loaded, horizonSteps } = await backtestDataset(opts);
        // Loaded here, not at CLI start: the models bring ONNX Runtime and TensorFlow.
        const { runBacktestSuite } = await import('../experiments/backtest-suite.js');
        const bars = createProgressBars('backtest');
        let result: BacktestSuiteResult;
        try {
          result = await runBacktestSuite({
            dataset: loaded,
            models: parseModelList(opts.model),
            horizonSteps,
            level,
            outDir: opts.out,
            filterAnomalies: opts.filterAnomalies === true,
            warmStart: opts.warmStart === true,
            onProgress: (model, p) => bars.update(model, p.doneOrigins, p.totalOrigins),
          });
        } finally {
          bars.stop();
        }
        process.stdout.write(
          opts.json ? `${JSON.stringify(backtestJson(result))}\n` : `${formatBacktestTable(result)}\n`,
        );
        for (const { csvPath } of result.results) if (csvPath && !opts.json) process.stdout.write(`wrote ${csvPath}\n`);
      }),
    );
};
