/**
 * The forecast API served for real on 127.0.0.1, with two models fitted on the NASA July 1995 trace: 'nasa-naive'
 * and 'nasa-lstm' (a small network, its batched calls counted), and a poster of JSON bodies.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { readTraceFile } from '../collector/trace-file.js';
import type { Series } from '../core/index.js';
import type { FittedNeural, NeuralOptions } from '../models/neural/index.js';
import { modelDefinition } from '../models/registry.js';
import type { FittedForecaster } from '../models/types.js';
import { type ApiContext, buildHttpApi } from '../predictor/http-api.js';
import { ServiceMetrics } from '../predictor/metrics.js';
import { sharedRoot } from './paths.js';

export const BODY_LIMIT = 64 * 1024;

/** A small network (the code path of the defaults, a fraction of the training). */
const tiny: NeuralOptions = {
  horizonSteps: 10,
  settings: { windowSteps: 40, patchSteps: 4, hiddenUnits: 6, maxEpochs: 2, batchSize: 64, maxTrainingWindows: 400 },
};

/** An answer of the API: its status and its body, parsed when it is JSON. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface ForecastApiServer {
  readonly context: ApiContext;
  readonly app: FastifyInstance;
  /** `http://127.0.0.1:port`. */
  readonly base: string;
  /** The first day of the trace, by minute. */
  readonly nasa: Series;
  readonly naive: FittedForecaster;
  readonly lstm: FittedNeural;
  /** The sizes of the batched calls the API made to the LSTM (the real model, counted). */
  readonly lstmBatches: number[];
  /** POSTs `body` (JSON unless a string is given) to `path`. */
  readonly post: (path: string, body: unknown, contentType?: string) => Promise<ApiAnswer>;
}

/** Fits both models and starts the API on a free port; the caller closes `app`. */
export async function startForecastApi(): Promise<ForecastApiServer> {
  const lstmBatches: number[] = [];
  const trace = await readTraceFile(join(sharedRoot, 'data/nasa-http/nasa_jul95_requests_per_minute.csv'));
  const n = 1440;
  const nasa: Series = {
    startSeconds: trace.series.timestampsSeconds[0],
    stepSeconds: 60,
    values: trace.series.values.slice(0, n),
  };
  const naive = await modelDefinition('naive').create({ horizonSteps: 30 }).fit(nasa);
  const lstm = (await modelDefinition('lstm')
    .create(tiny)
    .fit({ ...nasa, values: trace.series.values.slice(0, 2 * n) })) as FittedNeural;
  const countedLstm = Object.assign(Object.create(lstm) as FittedNeural, {
    forecastMany: (contexts: readonly Series[], horizonSteps: number, level?: number) => {
      lstmBatches.push(contexts.length);
      return lstm.forecastMany(contexts, horizonSteps, level);
    },
  });
  const models: Record<string, FittedForecaster> = { 'nasa-naive': naive, 'nasa-lstm': countedLstm };
  const context: ApiContext = {
    workloads: () => [],
    model: (name) => models[name],
    modelNames: () => Object.keys(models),
    history: () => [],
    metrics: new ServiceMetrics({ processMetrics: false }),
    health: () => ({ ok: true, reasons: [] }),
    readiness: () => ({ ok: true, reasons: [] }),
  };
  const app = buildHttpApi(context, { bodyLimitBytes: BODY_LIMIT });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  const post = async (path: string, body: unknown, contentType = 'application/json'): Promise<ApiAnswer> => {
    const response = await fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: response.status, body: json as Record<string, unknown> };
  };
  return { context, app, base, nasa, naive, lstm, lstmBatches, post };
}
