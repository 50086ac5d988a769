import { PrescaleError } from '../core/index.js';

/**
 * Runs a checkpointed training (`prescale train`, `prescale train-rl`): Ctrl-C aborts `work`'s signal, the training
 * stops after its current `unit` with the last finished one kept in `checkpointDir`, and the error says how to resume.
 */
export async function runResumableTraining<T>(
  checkpointDir: string,
  unit: 'epoch' | 'episode',
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  try {
    return await work(controller.signal);
  } catch (error) {
    if (controller.signal.aborted) {
      throw new PrescaleError(
        'invalid-input',
        `training stopped; the last finished ${unit} is kept in ${checkpointDir}, run the same command to resume`,
        { field: '--checkpoint', cause: error },
      );
    }
    throw error;
  } finally {
    process.off('SIGINT', stop);
  }
}
