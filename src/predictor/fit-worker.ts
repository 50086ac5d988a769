// The fit worker of `WorkerTrainer`: receives fit requests, runs `fitModel` and posts the portable result.
import { parentPort } from 'node:worker_threads';
import { PrescaleError } from '../core/index.js';
import { type FitRequest, fitModel } from './trainer.js';

parentPort?.on('message', async ({ id, request }: { id: number; request: FitRequest }) => {
  try {
    const result = await fitModel(request);
    parentPort?.postMessage({ id, result });
  } catch (error) {
    const e = error as Error;
    parentPort?.postMessage({
      id,
      error: {
        message: e.message ?? String(error),
        code: error instanceof PrescaleError ? error.code : undefined,
        field: error instanceof PrescaleError ? error.field : undefined,
      },
    });
  }
});
