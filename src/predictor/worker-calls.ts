import { parentPort, type Transferable, Worker } from 'node:worker_threads';
import { PrescaleError, type PrescaleErrorCode } from '../core/index.js';

/** An error as data, to cross a thread boundary (a class does not): the message, and a PrescaleError's code and field. */
interface WorkerError {
  readonly message: string;
  readonly code?: PrescaleErrorCode;
  readonly field?: string;
}

interface Reply<Result> {
  readonly id: number;
  readonly result?: Result;
  readonly error?: WorkerError;
}

/** What a call does when its signal aborts: give up on the answer, or also stop the work (replace the worker). */
export type OnAbort = 'abandon' | 'terminate';

/**
 * Calls to one long-lived worker thread running `script` (a TypeScript module that answers with `answerCalls`),
 * any number in flight. A crash rejects the calls in flight, and the next call starts a new worker.
 */
export class WorkerCalls<Request, Result> {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Result) => void; reject: (e: Error) => void }>();

  /** `what` names the worker in crash errors (`fit worker crashed: …`). */
  constructor(
    private readonly script: URL,
    private readonly what: string,
  ) {}

  call(request: Request, signal?: AbortSignal, onAbort: OnAbort = 'abandon'): Promise<Result> {
    signal?.throwIfAborted();
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<Result>((resolve, reject) => {
      const aborted = () => {
        this.pending.delete(id);
        // Work inside the worker cannot be interrupted: stopping it means replacing the worker.
        if (onAbort === 'terminate') void this.close();
        reject(signal?.reason ?? new Error('aborted'));
      };
      signal?.addEventListener('abort', aborted, { once: true });
      this.pending.set(id, {
        resolve: (result) => {
          signal?.removeEventListener('abort', aborted);
          resolve(result);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', aborted);
          reject(error);
        },
      });
      worker.postMessage({ id, request });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker !== null) await worker.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker !== null) return this.worker;
    // Workers do not inherit the parent's tsx hooks: the .mjs entry registers them, then loads the script.
    const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), {
      workerData: { script: this.script.href },
    });
    worker.unref();
    worker.on('message', (reply: Reply<Result>) => {
      const entry = this.pending.get(reply.id);
      if (entry === undefined) return;
      this.pending.delete(reply.id);
      if (reply.error === undefined) entry.resolve(reply.result as Result);
      else {
        const { message, code, field } = reply.error;
        entry.reject(code !== undefined ? new PrescaleError(code, message, { field }) : new Error(message));
      }
    });
    const failAll = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const entry of this.pending.values()) entry.reject(error);
      this.pending.clear();
    };
    worker.on('error', (error) => failAll(new Error(`${this.what} crashed: ${error.message}`)));
    worker.on('exit', (code) => failAll(new Error(`${this.what} exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }
}

/**
 * The worker's side of `WorkerCalls`: answers each call with `handle`'s result, its `transfer` list moved rather than
 * copied (typed arrays), or with its error as data.
 */
export function answerCalls<Request, Result>(
  handle: (request: Request) => Promise<Result>,
  transfer: (result: Result) => Transferable[] = () => [],
): void {
  parentPort?.on('message', async ({ id, request }: { id: number; request: Request }) => {
    try {
      const result = await handle(request);
      parentPort?.postMessage({ id, result } satisfies Reply<Result>, transfer(result));
    } catch (error) {
      const e = error as Error;
      const prescale = error instanceof PrescaleError;
      parentPort?.postMessage({
        id,
        error: {
          message: e.message ?? String(error),
          code: prescale ? error.code : undefined,
          field: prescale ? error.field : undefined,
        },
      } satisfies Reply<Result>);
    }
  });
}
