// Chooses the warm-start settings of LSTM and GRU (docs/neural.md, "Warm-start refits") on validation days that lie
// before each dev set's test range (data/warm-start-validation-datasets.json). Per dataset and model: the cold
// backtest (every daily refit cold), then one chain of daily warm refits per candidate setting, each continuing from
// the cold backtest's first fit (a cold fit reads no warm-phase setting, and a warm start ignores them when it
// compares settings), so the cold first fit is paid once. Scored like the shared scorer; one JSON line per run:
//
//   npx tsx bench/warm-start-settings.ts --dataset D --model lstm,gru --epochs 1,2 --learning-rate 0.001,0.002 [--out DIR]
//
// (`--datasets FILE` for another datasets file; `--out` writes each run's forecasts in the scorer's CSV format;
// `--cold-from FILE`, an earlier run's output, takes the cold RMSE from it and fits only the first day cold;
// `--first-dir DIR` keeps each model's first cold fit there, and a later run with the same DIR reads it back.)
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../src/core/atomic-write.js';
import { planForDataset } from '../src/experiments/backtest-suite.js';
import { loadDataset, repoRoot } from '../src/experiments/datasets.js';
import { type BacktestForecasts, forecastsToCsv, runBacktest, sliceSeries } from '../src/models/backtest.js';
import type { NeuralOptions, NeuralSettings } from '../src/models/neural/settings.js';
import { readFittedModel, saveFittedModel } from '../src/models/persistence.js';
import { modelDefinition } from '../src/models/registry.js';
import { scoreForecasts } from '../src/models/scoring.js';
import type { FittedForecaster, Forecaster } from '../src/models/types.js';

const { values: flags } = parseArgs({
  options: {
    datasets: { type: 'string', default: resolve(repoRoot, 'data/warm-start-validation-datasets.json') },
    dataset: { type: 'string' },
    model: { type: 'string', default: 'lstm,gru' },
    epochs: { type: 'string', default: '2' },
    'learning-rate': { type: 'string', default: '0.002' },
    out: { type: 'string' },
    'cold-from': { type: 'string' },
    'first-dir': { type: 'string' },
  },
});
if (flags.dataset === undefined) throw new Error('--dataset: required; name a dataset of the validation file');
const numbers = (text: string) => (text === '' ? [] : text.split(',').map(Number));
type WarmPhase = Pick<NeuralSettings, 'warmStartEpochs' | 'warmStartLearningRate'>;
const candidates: WarmPhase[] = numbers(flags.epochs).flatMap((warmStartEpochs) =>
  numbers(flags['learning-rate']).map((warmStartLearningRate) => ({ warmStartEpochs, warmStartLearningRate })),
);

const loaded = await loadDataset(flags.dataset, resolve(flags.datasets));
const { dataset, series } = loaded;
const plan = planForDataset(loaded);
if (flags.out !== undefined) await mkdir(flags.out, { recursive: true });
/** The cold RMSE per model of an earlier run of this script on the same dataset. */
const earlierColdRmse = new Map<string, number>();
if (flags['cold-from'] !== undefined) {
  for (const line of (await readFile(flags['cold-from'], 'utf8')).split('\n').filter(Boolean)) {
    const run = JSON.parse(line) as { dataset: string; model: string; run: string; rmse: number };
    if (run.run === 'cold' && run.dataset === flags.dataset) earlierColdRmse.set(run.model, run.rmse);
  }
}
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** Scores a run, writes its CSV if asked, and prints its line. */
async function report(model: string, run: string, forecasts: BacktestForecasts, coldRmse: number): Promise<number> {
  const { mean1ToH } = scoreForecasts(series, forecasts, dataset.report_h, dataset.season_seconds);
  if (flags.out !== undefined) {
    await writeFileAtomic(join(flags.out, `${model}-${run}.csv`), forecastsToCsv(forecasts), 'forecast CSV');
  }
  const cpuSeconds = forecasts.fitCpuMilliseconds.map((ms) => ms / 1000);
  console.log(
    JSON.stringify({
      dataset: flags.dataset,
      model,
      run,
      rmse: mean1ToH.rmse,
      rmseVsCold: mean1ToH.rmse / coldRmse - 1,
      coverage80: mean1ToH.coverage80,
      firstFitCpuSeconds: cpuSeconds[0],
      refitCpuSeconds: mean(cpuSeconds.slice(1)),
      fitStarts: forecasts.fitStarts,
    }),
  );
  return mean1ToH.rmse;
}

for (const model of flags.model.split(',')) {
  const definition = modelDefinition(model);
  const base: NeuralOptions = { seasonSeconds: dataset.season_seconds, horizonSteps: plan.horizonSteps };
  const cold = definition.create(base);
  let first: FittedForecaster | undefined;
  const keepingFirst: Forecaster = {
    name: cold.name,
    fit: async (train, signal, options) => {
      const fitted = await cold.fit(train, signal, options);
      first ??= fitted;
      return fitted;
    },
  };
  const firstPath = flags['first-dir'] && join(flags['first-dir'], `${flags.dataset}-${model}`);
  if (firstPath && existsSync(firstPath)) first = await readFittedModel(firstPath);
  let coldRmse = earlierColdRmse.get(model);
  if (coldRmse === undefined) {
    coldRmse = await report(model, 'cold', await runBacktest(series, keepingFirst, plan), Number.NaN);
  } else if (first === undefined) {
    await keepingFirst.fit(sliceSeries(series, dataset.train_start, dataset.train_end));
  }
  if (firstPath && !existsSync(firstPath)) await saveFittedModel(first!, firstPath);
  for (const settings of candidates) {
    const options: NeuralOptions = { ...base, settings };
    const warm = definition.create(options);
    // The first fit of the chain is the cold backtest's (runBacktest asks for it without a model to continue from).
    const continuing: Forecaster = {
      name: warm.name,
      fit: async (train, signal, options) => (options?.warmStart ? warm.fit(train, signal, options) : first!),
    };
    const forecasts = await runBacktest(series, continuing, plan, { warmStart: true });
    await report(model, `e${settings.warmStartEpochs}-lr${settings.warmStartLearningRate}`, forecasts, coldRmse!);
  }
}
