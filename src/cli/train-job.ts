import type { RegisterCommand } from './run.js';

/**
 * `prescale train-job --request FILE`: what a training Job's pod runs (`loop.trainer: job`, docs/operator.md
 * "Training Jobs"). Fits every request of the batch file a serving replica wrote into the shared model store,
 * writes each model (or the fit's error) beside it atomically, and exits 0; the replica reads them back once the
 * Job is Complete. A non-zero exit (unreadable request, unwritable store) fails the pod, which the Job retries.
 */
export const registerTrainJob: RegisterCommand = (program, run) => {
  program
    .command('train-job')
    .description("run a training Job's batch: fit each request of the file, write the models beside it")
    .requiredOption('--request <file>', "the batch's request.json in the shared model store (written by the replica)")
    .action(
      run(async (opts: { request: string }) => {
        // Loaded here, not at CLI start: the models bring ONNX Runtime and TensorFlow.
        const { runTrainingBatch } = await import('../predictor/training-batch.js');
        const controller = new AbortController();
        process.once('SIGTERM', () => controller.abort(new Error('SIGTERM')));
        const { fitted, failed } = await runTrainingBatch(opts.request, controller.signal);
        process.stdout.write(`${JSON.stringify({ request: opts.request, fitted, failed })}\n`);
      }),
    );
};
