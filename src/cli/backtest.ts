import { PrescaleError } from '../core/index.js';
import { type BacktestSuiteResult, runBacktestSuite } from '../experiments/backtest-suite.js';
import { defaultDatasetsPath } from '../experiments/datasets.js';
import { DEFAULT_INTERVAL_LEVEL } from '../models/common.js';
import { modelNames } from '../models/registry.js';
import type { ForecastScore } from '../models/scoring.js';
import type { RegisterCommand } from './commands.js';
import { createProgressBars } from './progress.js';
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

/** Parses `--horizon`: a whole number of steps ≥ 1. */
function parseHorizon(text: string): number {
  const horizon = Number(text);
  if (!(Number.isInteger(horizon) && horizon >= 1)) {
    throw new PrescaleError(
      'invalid-input',
      `--horizon: ${text} is not a whole number ≥ 1; forecast at least one step`,
      {
        field: '--horizon',
      },
    );
  }
  return horizon;
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
  return `${title}\n${formatTable(['model', 'h', 'rmse', 'mae', 'wape', 'rmse/snaive', 'cover80'], rows)}`;
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
          forecast_ms_per_origin: forecasts.forecastMilliseconds / forecasts.originsSeconds.length,
        },
      ]),
    ),
  };
}

/** `prescale backtest`: rolling-origin evaluation per the shared forecast benchmark protocol. */
export const registerBacktest: RegisterCommand = (program, run) => {
  program
    .command('backtest')
    .description('rolling-origin backtest of forecast models on a benchmark dataset, scored like the shared scorer')
    .requiredOption('--dataset <name>', 'dataset name in the datasets file, e.g. nasa-jul95')
    .option(
      '--datasets <file>',
      'datasets file (default: ../shared/bench/datasets.json if present, else the bundled data/datasets.json)',
    )
    .option('--model <list>', `comma-separated models, of: ${modelNames.join(', ')}`, DEFAULT_BACKTEST_MODELS.join(','))
    .option('--horizon <steps>', "override the dataset's horizon (steps)")
    .option('--level <coverage>', 'prediction interval coverage', String(DEFAULT_INTERVAL_LEVEL))
    .option('--out <dir>', 'write one scorer-format CSV per model (origin,h,yhat,lo,hi) into this directory')
    .option('--json', 'print the scores as JSON instead of a table')
    .action(
      run(
        async (opts: {
          dataset: string;
          datasets?: string;
          model: string;
          horizon?: string;
          level: string;
          out?: string;
          json?: boolean;
        }) => {
          const level = parseLevel(opts.level);
          const horizonSteps = opts.horizon === undefined ? undefined : parseHorizon(opts.horizon);
          const bars = createProgressBars('backtest');
          let result: BacktestSuiteResult;
          try {
            result = await runBacktestSuite({
              datasetName: opts.dataset,
              datasetsPath: opts.datasets ?? defaultDatasetsPath(),
              models: parseModelList(opts.model),
              horizonSteps,
              level,
              outDir: opts.out,
              onProgress: (model, p) => bars.update(model, p.doneOrigins, p.totalOrigins),
            });
          } finally {
            bars.stop();
          }
          process.stdout.write(
            opts.json ? `${JSON.stringify(backtestJson(result))}\n` : `${formatBacktestTable(result)}\n`,
          );
          for (const { csvPath } of result.results)
            if (csvPath && !opts.json) process.stdout.write(`wrote ${csvPath}\n`);
        },
      ),
    );
};
