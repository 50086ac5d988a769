import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { PrescaleError } from '../core/index.js';
import {
  type BacktestForecasts,
  type BacktestPlan,
  type BacktestProgress,
  forecastsToCsv,
  runBacktest,
} from '../models/backtest.js';
import { modelDefinition } from '../models/registry.js';
import { type BacktestScores, scoreForecasts } from '../models/scoring.js';
import { cleanTrainingSeries } from '../preprocessor/index.js';
import type { LoadedDataset } from './datasets.js';

/** What `prescale backtest` runs: several models over one dataset's test period. */
export interface BacktestSuiteOptions {
  /** A named dataset of a datasets file (`loadDataset`) or a user's trace split by flags (`loadTraceDataset`). */
  readonly dataset: LoadedDataset;
  readonly models: readonly string[];
  /** Overrides the dataset's horizon (steps). */
  readonly horizonSteps?: number;
  readonly level?: number;
  /** Directory for one scorer-format CSV per model. */
  readonly outDir?: string;
  readonly signal?: AbortSignal;
  /** Called as each model advances, for progress bars. */
  readonly onProgress?: (model: string, progress: BacktestProgress) => void;
  /** Fit on training windows cleaned by the anomaly filter (as the live loop does when the workload asks). */
  readonly filterAnomalies?: boolean;
  /** Each refit after the first continues from the previous one (`runBacktest`'s `warmStart`). */
  readonly warmStart?: boolean;
}

/** One model's backtest and its scores. */
export interface ModelBacktest {
  readonly forecasts: BacktestForecasts;
  readonly scores: BacktestScores;
  /** Where its CSV was written, if asked. */
  readonly csvPath?: string;
}

/** The results of a suite, in the order the models were asked for. */
export interface BacktestSuiteResult {
  readonly dataset: LoadedDataset;
  readonly plan: BacktestPlan;
  readonly reportH: readonly number[];
  readonly results: ModelBacktest[];
}

/** The protocol's plan for a dataset; a horizon override must be a whole number ≥ 1. */
export function planForDataset(loaded: LoadedDataset, horizonSteps?: number): BacktestPlan {
  const { dataset } = loaded;
  const horizon = horizonSteps ?? dataset.horizon_steps;
  if (!(Number.isInteger(horizon) && horizon >= 1)) {
    throw new PrescaleError(
      'invalid-input',
      `--horizon: ${horizonSteps} is not a whole number ≥ 1; forecast at least one step`,
      {
        field: '--horizon',
      },
    );
  }
  return {
    stepSeconds: dataset.step_seconds,
    trainStartSeconds: dataset.train_start,
    trainEndSeconds: dataset.train_end,
    testEndSeconds: dataset.test_end,
    horizonSteps: horizon,
    originEverySteps: dataset.origin_every_steps,
    refitEverySeconds: 86400,
  };
}

/**
 * Backtests each model on the dataset and scores it like the shared scorer. Every model name is checked
 * before any work starts, and CSVs are written only after all models succeeded, each atomically, so a
 * failure leaves no partial output.
 */
export async function runBacktestSuite(options: BacktestSuiteOptions): Promise<BacktestSuiteResult> {
  const loaded = options.dataset;
  const plan = planForDataset(loaded, options.horizonSteps);
  const reportH = loaded.dataset.report_h.filter((h) => h <= plan.horizonSteps);
  const definitions = options.models.map((name) => modelDefinition(name));
  if (definitions.length === 0) {
    throw new PrescaleError('invalid-input', '--model: no model given; name at least one', { field: '--model' });
  }
  const runs: { forecasts: BacktestForecasts; scores: BacktestScores }[] = [];
  for (const definition of definitions) {
    const forecaster = definition.create({
      seasonSeconds: loaded.dataset.season_seconds,
      horizonSteps: plan.horizonSteps,
    });
    const forecasts = await runBacktest(loaded.series, forecaster, plan, {
      level: options.level,
      signal: options.signal,
      onProgress: (progress) => options.onProgress?.(definition.name, progress),
      cleanTraining: options.filterAnomalies ? cleanTrainingSeries : undefined,
      warmStart: options.warmStart,
    });
    runs.push({ forecasts, scores: scoreForecasts(loaded.series, forecasts, reportH, loaded.dataset.season_seconds) });
  }
  const results: ModelBacktest[] = [];
  if (options.outDir) await mkdir(options.outDir, { recursive: true });
  for (const run of runs) {
    const csvPath = options.outDir ? join(options.outDir, `${run.forecasts.model}.csv`) : undefined;
    if (csvPath) await writeFileAtomic(csvPath, forecastsToCsv(run.forecasts), 'forecast CSV');
    results.push({ ...run, csvPath });
  }
  return { dataset: loaded, plan, reportH, results };
}
