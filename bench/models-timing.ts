// Shared by bench/models-{ceemdan,ets,mstl,prophet}.bench.ts: fit and per-origin forecast time of one model on the
// nasa-jul95 training split (14 days of 1-minute data), the way the backtest and the predictor call it.
import { performance } from 'node:perf_hooks';
import { loadDataset } from '../src/experiments/datasets.js';
import { sliceSeries } from '../src/models/backtest.js';
import type { ModelDefinition } from '../src/models/types.js';
import { sharedDatasetsPath } from '../src/testing/paths.js';

const HORIZON_STEPS = 30;
const ORIGIN_EVERY_STEPS = 15;
const FORECAST_PASSES = 20;

/** Times `fitRuns` fits (each: the calibration fit, the calibration and the final fit) and the forecasts of one day. */
export async function benchModel(definition: ModelDefinition, fitRuns: number): Promise<void> {
  const { dataset, series } = await loadDataset('nasa-jul95', sharedDatasetsPath);
  const train = sliceSeries(series, dataset.train_start, dataset.train_end);
  const forecaster = definition.create({ seasonSeconds: dataset.season_seconds, horizonSteps: HORIZON_STEPS });
  const fitMs: number[] = [];
  const fitCpuMs: number[] = [];
  let fitted = await forecaster.fit(train); // warm-up: WASM compilation
  for (let run = 0; run < fitRuns; run++) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    fitted = await forecaster.fit(train);
    fitMs.push(performance.now() - started);
    fitCpuMs.push(cpuMilliseconds(cpu));
  }
  // Forecasts from every origin of the first test day, the span one fit serves; context from the training start.
  const origins: number[] = [];
  for (let o = dataset.train_end; o < dataset.train_end + 86_400; o += ORIGIN_EVERY_STEPS * dataset.step_seconds) {
    origins.push(o);
  }
  const contexts = origins.map((o) => sliceSeries(series, dataset.train_start, o));
  const cpu = process.cpuUsage();
  for (let pass = 0; pass < FORECAST_PASSES; pass++) {
    for (const context of contexts) fitted.forecast(context, HORIZON_STEPS);
  }
  const forecastMicros = (cpuMilliseconds(cpu) * 1000) / (FORECAST_PASSES * contexts.length);
  const settings = JSON.stringify(fitted.metadata.settings);
  console.log(
    `model ${definition.name} on nasa-jul95 train (${train.values.length} points of 60 s), settings ${settings}`,
  );
  console.log(`fit: CPU ${summary(fitCpuMs)}; wall ${summary(fitMs)} (${fitRuns} runs)`);
  console.log(
    `forecast: ${forecastMicros.toFixed(1)} µs CPU per origin (H = ${HORIZON_STEPS}, context ${contexts[0].values.length}+ points, ${contexts.length} origins × ${FORECAST_PASSES})`,
  );
}

/**
 * CPU time (user + system) of this process since `start`: the machine's 2 cores are shared, so wall time
 * measures the neighbours as much as the model.
 */
export function cpuMilliseconds(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function summary(milliseconds: number[]): string {
  const sorted = [...milliseconds].sort((a, b) => a - b);
  return `min ${sorted[0].toFixed(0)} ms, median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms`;
}
