import type { ServiceConfig } from '../config/service.js';
import { PrescaleError, type Series } from '../core/index.js';
import type { AutoSelection } from '../models/auto.js';
import { type SerializedModel, serializeModel } from '../models/persistence.js';
import { loadFittedModel, modelDefinition } from '../models/registry.js';
import type { FittedForecaster, ModelOptions, PortableModel, SavedModel } from '../models/types.js';
import { WorkerCalls } from './worker-calls.js';

/** What to fit: a registry name (`auto` picks among `candidates`), its options and the training series. */
export interface FitRequest {
  readonly model: string;
  /** Candidates of `auto` (ignored by other models). */
  readonly candidates: readonly string[];
  readonly options: ModelOptions;
  readonly train: Series;
  /** `auto` only: refit this full selection's winner alone, keeping its record, instead of selecting again. */
  readonly refitOf?: AutoSelection;
  /** The model serving now, to continue from (`FitOptions.warmStart`); a model that cannot, fits cold. */
  readonly warmStart?: PortableModel;
}

/**
 * A fitted model that passed `checkForecasts`, in its portable form (it crosses a worker boundary; the caller loads
 * it with the registry) and as the bytes to save, both made where the fit ran so the service's thread only loads
 * and writes.
 */
export interface FitResult {
  readonly saved: SavedModel;
  readonly artifacts: Readonly<Record<string, Uint8Array>> | undefined;
  readonly serialized: SerializedModel;
}

/**
 * Fits models for the live loop. The `worker` trainer runs fits in a worker thread, so a long fit (Prophet,
 * a neural network, `auto` backtesting its candidates) never stalls forecasts, the gRPC scaler or the API;
 * `in-process` is for tests and tiny models. Both return the portable form.
 */
export interface Trainer {
  fit(request: FitRequest, signal?: AbortSignal): Promise<FitResult>;
  close(): Promise<void>;
}

/**
 * Fits one model through the registry (`auto` included, with its candidates) and checks it: the work every
 * trainer does (the worker thread, the calling thread, a training Job).
 */
export async function fitModel(request: FitRequest, signal?: AbortSignal): Promise<FitResult> {
  const options =
    request.model === 'auto'
      ? { ...request.options, candidates: request.candidates, ...(request.refitOf ? { refitOf: request.refitOf } : {}) }
      : request.options;
  const fitted = await modelDefinition(request.model)
    .create(options)
    .fit(request.train, signal, { warmStart: request.warmStart });
  const portable = { saved: fitted.toJSON(), artifacts: fitted.artifacts?.() };
  // The portable form is what the service will serve: it is the one that must load and forecast.
  checkForecasts(loadFittedModel(portable.saved, portable.artifacts), request.train, request.options.horizonSteps ?? 1);
  return { ...portable, serialized: serializeModel(portable) };
}

/** A freshly fitted model must forecast finite values from the end of its training data, or it is refused. */
function checkForecasts(model: FittedForecaster, train: Series, horizonSteps: number): void {
  const forecast = model.forecast(train, horizonSteps);
  const bad = forecast.point.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new Error(`${model.metadata.model}: the fitted model forecasts a non-finite value at h=${bad + 1}; refused`);
  }
}

/** Fits on the calling thread (tests, tiny models): simple, but a long fit blocks the event loop. */
export const inProcessTrainer: Trainer = {
  fit: (request, signal) => fitModel(request, signal),
  close: async () => undefined,
};

/**
 * Fits in one long-lived worker thread, one request at a time (a 2-core machine gains nothing from more).
 * The worker runs the same `fitModel`; a crash rejects the pending fit and the next fit starts a new worker.
 */
export class WorkerTrainer implements Trainer {
  private readonly calls = new WorkerCalls<FitRequest, FitResult>(
    new URL('./fit-worker.ts', import.meta.url),
    'fit worker',
  );
  private queue: Promise<unknown> = Promise.resolve();

  fit(request: FitRequest, signal?: AbortSignal): Promise<FitResult> {
    // A fit cannot be interrupted inside the worker: an aborted one replaces the worker.
    const run = this.queue.then(() => this.calls.call(request, signal, 'terminate'));
    this.queue = run.catch(() => undefined);
    return run;
  }

  close(): Promise<void> {
    return this.calls.close();
  }
}

/**
 * Spreads fits over several trainers, each fit to the one with the fewest in flight: `loop.trainingConcurrency`
 * worker threads, so that many fits run at once (the training queue admits no more than that).
 */
export class TrainerPool implements Trainer {
  private readonly inFlight: number[];

  constructor(private readonly members: readonly Trainer[]) {
    this.inFlight = members.map(() => 0);
  }

  async fit(request: FitRequest, signal?: AbortSignal): Promise<FitResult> {
    const index = this.inFlight.indexOf(Math.min(...this.inFlight));
    this.inFlight[index]++;
    try {
      return await this.members[index].fit(request, signal);
    } finally {
      this.inFlight[index]--;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((member) => member.close()));
  }
}

/**
 * The trainer `loop` asks for: `trainingConcurrency` worker threads, or the calling thread. Kubernetes Jobs need a
 * client and the pod's identity, so `prescale serve` builds that trainer (`JobTrainer`) and passes it instead.
 */
export function trainerFor(loop: Pick<ServiceConfig['loop'], 'trainer' | 'trainingConcurrency'>): Trainer {
  switch (loop.trainer) {
    case 'worker':
      return new TrainerPool(Array.from({ length: loop.trainingConcurrency }, () => new WorkerTrainer()));
    case 'in-process':
      return inProcessTrainer;
    case 'job':
      throw new PrescaleError('invalid-input', 'loop.trainer: job needs a JobTrainer; pass options.trainer', {
        field: 'loop.trainer',
      });
  }
}
