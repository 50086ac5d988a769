// The daily refit of `model: auto` before and after the reselect rule: a full selection (every candidate backtested
// on the last day, the winner refitted) vs a refit of the winner alone, on the nasa-jul95 training split (14 days of
// 1-minute data, the default prediction.history) with the service's default candidates:
// npx tsx bench/models-auto-refit.bench.ts [runs] [candidates, comma-separated; default the service's]
import { SERVICE_DEFAULTS } from '../src/config/service.js';
import { loadDataset } from '../src/experiments/datasets.js';
import type { AutoOptions, FittedAuto } from '../src/models/auto.js';
import { sliceSeries } from '../src/models/backtest.js';
import { modelDefinition } from '../src/models/registry.js';
import { sharedDatasetsPath } from '../src/testing/paths.js';
import { cpuMilliseconds } from './models-timing.js';

const HORIZON_STEPS = 30;
const RUNS = Number(process.argv[2] ?? 3);
/** One selection a week (prediction.reselectEvery 7d), a winner refit on the six other days. */
const DAYS_PER_SELECTION = 7;

const { dataset, series } = await loadDataset('nasa-jul95', sharedDatasetsPath);
const train = sliceSeries(series, dataset.train_start, dataset.train_end);
const options: AutoOptions = {
  seasonSeconds: dataset.season_seconds,
  horizonSteps: HORIZON_STEPS,
  candidates: process.argv[3]?.split(',') ?? SERVICE_DEFAULTS.loop.autoCandidates,
};
const auto = modelDefinition('auto');

async function cpuOfFits(fitOptions: AutoOptions): Promise<{ medianMs: number; fitted: FittedAuto }> {
  let fitted = (await auto.create(fitOptions).fit(train)) as FittedAuto; // warm-up: WASM compilation
  const cpuMs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const cpu = process.cpuUsage();
    fitted = (await auto.create(fitOptions).fit(train)) as FittedAuto;
    cpuMs.push(cpuMilliseconds(cpu));
  }
  return { medianMs: cpuMs.sort((a, b) => a - b)[Math.floor(RUNS / 2)], fitted };
}

const selection = await cpuOfFits(options);
const refit = await cpuOfFits({ ...options, refitOf: selection.fitted.selection });
const chosen = selection.fitted.selection.chosen;
const perDayAfter = (selection.medianMs + (DAYS_PER_SELECTION - 1) * refit.medianMs) / DAYS_PER_SELECTION;
console.log(
  `auto on nasa-jul95 train (${train.values.length} points of 60 s, H = ${HORIZON_STEPS}), candidates ${options.candidates!.join(', ')}; chosen ${chosen}; median CPU of ${RUNS} runs`,
);
console.log(`full selection (before: every daily refit): ${(selection.medianMs / 1000).toFixed(2)} s CPU`);
console.log(
  `winner refit (${chosen} alone): ${(refit.medianMs / 1000).toFixed(2)} s CPU (${(selection.medianMs / refit.medianMs).toFixed(1)}× less)`,
);
console.log(
  `per workload-day with a weekly selection: ${(perDayAfter / 1000).toFixed(2)} s CPU (${(selection.medianMs / perDayAfter).toFixed(1)}× less than ${(selection.medianMs / 1000).toFixed(2)} s)`,
);
