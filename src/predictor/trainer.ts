import { Worker } from 'node:worker_threads';
import { PrescaleError, type Series } from '../core/index.js';
import { modelDefinition } from '../models/registry.js';
import type { FittedForecaster, ModelOptions, SavedModel } from '../models/types.js';

/** What to fit: a model name (or `auto` over candidates), its options and the training series. */
export interface FitRequest {
  /** A registry name, or `auto` to pick the best of `candidates` on a holdout. */
  readonly model: string;
  readonly candidates: readonly string[];
  readonly options: ModelOptions;
  readonly train: Series;
}

/** How one `auto` candidate did on the holdout (pooled WAPE over the horizon), or why it failed. */
export interface CandidateScore {
  readonly model: string;
  readonly wapePercent: number | null;
  readonly error: string | null;
}

/** A fitted model in its portable form (crosses a worker boundary), plus the `auto` scores. */
export interface FitResult {
  readonly saved: SavedModel;
  readonly artifacts: Readonly<Record<string, Uint8Array>> | undefined;
  /** Empty unless `model` was `auto`. */
  readonly selection: readonly CandidateScore[];
}

/**
 * Fits models for the live loop. The `worker` trainer runs fits in a worker thread, so a long fit (Prophet,
 * a neural network) never stalls forecasts, the gRPC scaler or the API; `in-process` is for tests and tiny
 * models. Both return the portable form, which the caller loads with the registry.
 */
export interface Trainer {
  fit(request: FitRequest, signal?: AbortSignal): Promise<FitResult>;
  close(): Promise<void>;
}

/** Share of the training series held out to score `auto` candidates. */
const HOLDOUT_FRACTION = 0.2;
/** Fewest scored origins for the holdout to mean something. */
const MIN_HOLDOUT_ORIGINS = 3;

/** Fits one model, or picks and fits the best `auto` candidate: the work both trainers do. */
export async function fitModel(request: FitRequest, signal?: AbortSignal): Promise<FitResult> {
  if (request.model !== 'auto') {
    const fitted = await modelDefinition(request.model).create(request.options).fit(request.train, signal);
    return portable(fitted, []);
  }
  const selection: CandidateScore[] = [];
  for (const model of request.candidates) {
    signal?.throwIfAborted();
    try {
      selection.push({ model, wapePercent: await holdoutWape(model, request, signal), error: null });
    } catch (error) {
      selection.push({ model, wapePercent: null, error: (error as Error).message });
    }
  }
  const scored = selection.filter((s) => s.wapePercent !== null) as { model: string; wapePercent: number }[];
  if (scored.length === 0) {
    throw new PrescaleError(
      'not-enough-data',
      `model auto: no candidate could be scored (${selection.map((s) => `${s.model}: ${s.error}`).join('; ')}); give more history or name a model`,
      { field: 'spec.model' },
    );
  }
  const best = scored.reduce((a, b) => (b.wapePercent < a.wapePercent ? b : a));
  const fitted = await modelDefinition(best.model).create(request.options).fit(request.train, signal);
  return portable(fitted, selection);
}

function portable(fitted: FittedForecaster, selection: CandidateScore[]): FitResult {
  return { saved: fitted.toJSON(), artifacts: fitted.artifacts?.(), selection };
}

/**
 * Fits `model` on the head of the training series and scores forecasts from origins spread over the tail,
 * each conditioning on everything before its origin (no refit): pooled WAPE in percent.
 */
async function holdoutWape(model: string, request: FitRequest, signal?: AbortSignal): Promise<number> {
  const { train } = request;
  const H = Math.max(1, request.options.horizonSteps ?? 1);
  const n = train.values.length;
  const split = Math.floor(n * (1 - HOLDOUT_FRACTION));
  const every = Math.max(1, Math.floor(H / 2));
  const origins: number[] = [];
  for (let o = split; o + H <= n; o += every) origins.push(o);
  if (origins.length < MIN_HOLDOUT_ORIGINS) {
    throw new PrescaleError('not-enough-data', `${n} steps leave too few holdout origins for a ${H}-step horizon`, {
      field: 'prediction.history',
    });
  }
  const head = { ...train, values: train.values.subarray(0, split) };
  const fitted = await modelDefinition(model).create(request.options).fit(head, signal);
  let sumError = 0;
  let sumActual = 0;
  for (const origin of origins) {
    const forecast = fitted.forecast({ ...train, values: train.values.subarray(0, origin) }, H);
    for (let h = 0; h < H; h++) {
      const actual = train.values[origin + h];
      if (!Number.isFinite(actual)) continue;
      const predicted = forecast.point[h];
      if (!Number.isFinite(predicted))
        throw new PrescaleError('non-finite-input', `forecast at h=${h + 1} is not finite`);
      sumError += Math.abs(actual - predicted);
      sumActual += Math.abs(actual);
    }
  }
  if (!(sumActual > 0)) throw new PrescaleError('not-enough-data', 'the holdout has no load to score against');
  return (100 * sumError) / sumActual;
}

/** Fits on the calling thread (tests, tiny models): simple, but a long fit blocks the event loop. */
export const inProcessTrainer: Trainer = {
  fit: (request, signal) => fitModel(request, signal),
  close: async () => undefined,
};

interface WorkerReply {
  readonly id: number;
  readonly result?: FitResult;
  readonly error?: { readonly message: string; readonly code?: string; readonly field?: string };
}

/**
 * Fits in one long-lived worker thread, one request at a time (a 2-core machine gains nothing from more).
 * The worker runs the same `fitModel`; a crash rejects the pending fit and the next fit starts a new worker.
 */
export class WorkerTrainer implements Trainer {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: FitResult) => void; reject: (e: Error) => void }>();
  private queue: Promise<unknown> = Promise.resolve();

  fit(request: FitRequest, signal?: AbortSignal): Promise<FitResult> {
    const run = this.queue.then(() => this.send(request, signal));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker !== null) await worker.terminate();
  }

  private send(request: FitRequest, signal?: AbortSignal): Promise<FitResult> {
    signal?.throwIfAborted();
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<FitResult>((resolve, reject) => {
      const onAbort = () => {
        this.pending.delete(id);
        // The fit cannot be interrupted inside the worker: replace the worker.
        void this.close();
        reject(signal?.reason ?? new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (result) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      worker.postMessage({ id, request });
    });
  }

  private ensureWorker(): Worker {
    if (this.worker !== null) return this.worker;
    // Workers do not inherit the parent's tsx hooks: the .mjs entry registers them, then loads fit-worker.ts.
    const worker = new Worker(new URL('./fit-worker-entry.mjs', import.meta.url));
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      const entry = this.pending.get(reply.id);
      if (entry === undefined) return;
      this.pending.delete(reply.id);
      if (reply.result !== undefined) entry.resolve(reply.result);
      else {
        const code = reply.error?.code as ConstructorParameters<typeof PrescaleError>[0] | undefined;
        entry.reject(
          code !== undefined
            ? new PrescaleError(code, reply.error?.message ?? 'fit failed', { field: reply.error?.field })
            : new Error(reply.error?.message ?? 'fit failed'),
        );
      }
    });
    const failAll = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const entry of this.pending.values()) entry.reject(error);
      this.pending.clear();
    };
    worker.on('error', (error) => failAll(new Error(`fit worker crashed: ${error.message}`)));
    worker.on('exit', (code) => failAll(new Error(`fit worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }
}
