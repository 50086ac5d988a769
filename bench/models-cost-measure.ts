// The child processes of bench/models-cost.bench.ts, one per job, started with `fork` (IPC) and `--expose-gc`:
// `cost` fits, refits, installs and serves one model on one trace, so that the process's CPU time around a fit is
// that fit's own (every thread it starts, ONNX Runtime's and the GC's included); `memory` loads copies of the model
// `cost` saved in a fresh process, whose heap and RSS hold nothing of the fits.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Series } from '../src/core/index.js';
import { loadDataset } from '../src/experiments/datasets.js';
import type { FittedAuto } from '../src/models/auto.js';
import { sliceSeries } from '../src/models/backtest.js';
import { DEFAULT_INTERVAL_LEVEL } from '../src/models/common.js';
import type { NeuralParameters } from '../src/models/neural/index.js';
import { readFittedModel, saveFittedModel } from '../src/models/persistence.js';
import { loadFittedModel } from '../src/models/registry.js';
import type { FittedForecaster } from '../src/models/types.js';
import { type FitRequest, type FitResult, fitModel } from '../src/predictor/trainer.js';
import { cpuMilliseconds } from './models-timing.js';

const DAY_SECONDS = 86_400;
/** The warm-up fit (WASM compilation, module set-up, which a long-lived fit worker pays once) uses this much data. */
const WARM_UP_SECONDS = 5 * DAY_SECONDS;

/** One model on one trace, with the service's settings. */
export interface MeasureRequest {
  readonly job: 'cost' | 'memory';
  /** `cost` saves the fitted model here; `memory` loads it. */
  readonly modelPath: string;
  readonly datasetsPath: string;
  readonly dataset: string;
  readonly stepSeconds: number;
  readonly model: string;
  readonly candidates: readonly string[];
  readonly horizonSteps: number;
  readonly historySeconds: number;
  readonly contextWindowSeconds: number;
  readonly syncPeriodSeconds: number;
  /** Measured fits of each kind (the median is kept), after one warm-up fit. */
  readonly fits: number;
  /** Served copies loaded to measure the memory of one. */
  readonly copies: number;
}

/** What the `cost` job sends back. */
export interface CostReply {
  readonly serving: string;
  readonly trainPoints: number;
  readonly fitCpuSeconds: number;
  readonly cheapRefitCpuSeconds: number | null;
  readonly cheapRefitKind: CheapRefitKind | null;
  readonly installCpuSeconds: number;
  readonly forecastCpuMilliseconds: number;
}

/** What the `memory` job sends back: per served copy. */
export interface MemoryReply {
  readonly heapBytes: number;
  readonly rssBytes: number;
  readonly savedBytes: number;
}

/**
 * The windows of a measurement: the service's training window (`prediction.history`, clipped to the trace) ending a
 * day before the trace does, and that last day, which the fitted model serves until its next refit.
 */
function costWindows(
  series: Series,
  endSeconds: number,
  historySeconds: number,
): { readonly train: Series; readonly servedFromSeconds: number; readonly servedToSeconds: number } {
  const servedFromSeconds = endSeconds - DAY_SECONDS;
  const train = sliceSeries(
    series,
    Math.max(series.startSeconds, servedFromSeconds - historySeconds),
    servedFromSeconds,
  );
  return { train, servedFromSeconds, servedToSeconds: endSeconds };
}

/** How a scheduled refit can be cheaper than a full fit: `auto` refits its winner, a neural model warm-starts. */
export type CheapRefitKind = 'winner-refit' | 'warm-start';

/** How a fit started, for the models that record it (the neural ones: `training.start`); undefined for the others. */
function networkStart(fitted: FitResult): { readonly kind: string } | undefined {
  return (fitted.saved.parameters as Partial<NeuralParameters>).training?.start;
}

/**
 * The cheaper scheduled refit a model has between full fits, given the last full fit's result: `auto` refits its
 * winner alone (`refitOf`); a model that records how its network started continues from the previous fit, as the
 * service's refits do (`FitRequest.warmStart`). Null when every refit is a full fit.
 */
async function cheapRefit(
  request: FitRequest,
  fitted: FitResult,
  runs: number,
): Promise<{ kind: CheapRefitKind; cpuSeconds: number } | null> {
  if (request.model === 'auto') {
    const selection = (loadFittedModel(fitted.saved, fitted.artifacts) as FittedAuto).selection;
    const { cpuSeconds } = await medianFitCpuSeconds({ ...request, refitOf: selection }, runs);
    return { kind: 'winner-refit', cpuSeconds };
  }
  if (networkStart(fitted) === undefined) return null;
  const warm = await medianFitCpuSeconds({ ...request, warmStart: fitted }, runs);
  const start = networkStart(warm.last);
  if (start?.kind !== 'warm') throw new Error(`${request.model}: the refit did not continue from the previous fit`);
  return { kind: 'warm-start', cpuSeconds: warm.cpuSeconds };
}

async function medianFitCpuSeconds(
  request: FitRequest,
  runs: number,
): Promise<{ cpuSeconds: number; last: FitResult }> {
  const cpuMs: number[] = [];
  let last: FitResult | undefined;
  for (let run = 0; run < runs; run++) {
    const cpu = process.cpuUsage();
    last = await fitModel(request);
    cpuMs.push(cpuMilliseconds(cpu));
  }
  return { cpuSeconds: cpuMs.sort((a, b) => a - b)[Math.floor(runs / 2)] / 1000, last: last! };
}

/** The forecasts of a served day as the live loop makes them: every sync, from the recent window ending at the last whole step. */
function servedDayForecastCpuMilliseconds(
  model: FittedForecaster,
  series: Series,
  request: MeasureRequest,
  fromSeconds: number,
  toSeconds: number,
): number {
  const contexts: Series[] = [];
  for (let sync = fromSeconds; sync < toSeconds; sync += request.syncPeriodSeconds) {
    const origin = Math.floor(sync / request.stepSeconds) * request.stepSeconds;
    contexts.push(sliceSeries(series, origin - request.contextWindowSeconds, origin));
  }
  const cpu = process.cpuUsage();
  for (const context of contexts) model.forecast(context, request.horizonSteps, DEFAULT_INTERVAL_LEVEL);
  return cpuMilliseconds(cpu) / contexts.length;
}

async function bytesOnDisk(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  const sizes = await Promise.all((await readdir(path)).map((name) => bytesOnDisk(join(path, name))));
  return sizes.reduce((a, b) => a + b, 0);
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run the measuring child with --expose-gc');
  gc();
  gc();
}

/** Heap and RSS per served copy: `copies` loads of the saved model, each forecasting once, after one to warm up. */
async function servedMemory(request: MeasureRequest): Promise<MemoryReply> {
  const { dataset, series } = await loadDataset(request.dataset, request.datasetsPath);
  const context = sliceSeries(series, dataset.test_end - request.contextWindowSeconds, dataset.test_end);
  const load = async () => {
    const model = await readFittedModel(request.modelPath);
    model.forecast(context, request.horizonSteps, DEFAULT_INTERVAL_LEVEL);
    return model;
  };
  await load();
  collectGarbage();
  const before = process.memoryUsage();
  const copies: FittedForecaster[] = [];
  for (let copy = 0; copy < request.copies; copy++) copies.push(await load());
  collectGarbage();
  const after = process.memoryUsage();
  return {
    heapBytes: (after.heapUsed - before.heapUsed) / copies.length,
    rssBytes: (after.rss - before.rss) / copies.length,
    savedBytes: await bytesOnDisk(request.modelPath),
  };
}

/** Fits, refits, installs and serves one model for a day, and saves it for the `memory` job. */
async function fitAndServe(request: MeasureRequest): Promise<CostReply> {
  const { dataset, series } = await loadDataset(request.dataset, request.datasetsPath);
  if (dataset.step_seconds !== request.stepSeconds) {
    throw new Error(`${request.dataset} has a ${dataset.step_seconds} s step, not ${request.stepSeconds} s`);
  }
  const { train, servedFromSeconds, servedToSeconds } = costWindows(series, dataset.test_end, request.historySeconds);
  const fitRequest: FitRequest = {
    model: request.model,
    candidates: request.candidates,
    options: { horizonSteps: request.horizonSteps },
    train,
  };
  const trainEnd = train.startSeconds + train.values.length * train.stepSeconds;
  await fitModel({ ...fitRequest, train: sliceSeries(train, trainEnd - WARM_UP_SECONDS, trainEnd) });
  const full = await medianFitCpuSeconds(fitRequest, request.fits);
  const cheap = await cheapRefit(fitRequest, full.last, request.fits);

  // What the model holder does with a fit's result: load it, and check that it forecasts from the training data.
  const installCpu = process.cpuUsage();
  const model = loadFittedModel(full.last.saved, full.last.artifacts);
  model.forecast(train, request.horizonSteps);
  const installCpuSeconds = cpuMilliseconds(installCpu) / 1000;

  const forecastCpuMilliseconds = servedDayForecastCpuMilliseconds(
    model,
    series,
    request,
    servedFromSeconds,
    servedToSeconds,
  );
  await saveFittedModel(model, request.modelPath);
  return {
    serving: (model as Partial<FittedAuto>).selection?.chosen ?? request.model,
    trainPoints: train.values.length,
    fitCpuSeconds: full.cpuSeconds,
    cheapRefitCpuSeconds: cheap?.cpuSeconds ?? null,
    cheapRefitKind: cheap?.kind ?? null,
    installCpuSeconds,
    forecastCpuMilliseconds,
  };
}

process.once('message', async (request: MeasureRequest) => {
  try {
    const reply = request.job === 'cost' ? await fitAndServe(request) : await servedMemory(request);
    process.send?.({ ok: true, reply });
  } catch (error) {
    process.send?.({ ok: false, error: (error as Error).stack ?? String(error) });
  }
  process.disconnect?.();
});
