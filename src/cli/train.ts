import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PrescaleError } from '../core/index.js';
import { BUNDLED_DATASETS_PATH, loadDataset } from '../experiments/datasets.js';
import { MODEL_NAMES } from '../models/names.js';
import type { EpochProgress, NeuralOptions } from '../models/neural/index.js';
import { runResumableTraining } from './resumable-training.js';
import type { RegisterCommand } from './run.js';

/** One line per finished epoch: what a person watching a long training wants to see. */
export function formatEpoch(p: EpochProgress): string {
  const best = p.bestEpoch === p.epoch ? ' (best)' : ` (best ${p.bestEpoch})`;
  return `epoch ${String(p.epoch).padStart(3)}/${p.maxEpochs}  loss ${p.loss.toFixed(4)}  val loss ${p.validationLoss.toFixed(4)}${best}  ${(p.milliseconds / 1000).toFixed(1)} s`;
}

/**
 * `prescale train`: fits one model on a dataset's training split and saves it (a JSON file, or a folder with
 * model.onnx + meta.json for the neural models). Neural training prints each epoch and keeps a checkpoint; Ctrl-C
 * stops it, and the same command resumes from the last finished epoch.
 */
export const registerTrain: RegisterCommand = (program, run) => {
  program
    .command('train')
    .description(
      "fit a model on a dataset's training split and save it; neural training shows epochs and resumes after Ctrl-C",
    )
    .requiredOption('--dataset <name>', 'dataset name in the datasets file, e.g. nasa-jul95')
    .requiredOption('--model <name>', `model to fit (${MODEL_NAMES.join(', ')})`)
    .requiredOption('--out <path>', 'where to save the fitted model (a folder for neural models)')
    .option('--datasets <file>', 'datasets file (default: the bundled data/datasets.json)')
    .option('--max-epochs <n>', 'neural models: most epochs to train (early stopping usually ends sooner)')
    .option('--checkpoint <dir>', 'training checkpoint directory for neural models (default: <out>.checkpoint)')
    .action(
      run(
        async (opts: {
          dataset: string;
          model: string;
          out: string;
          datasets?: string;
          checkpoint?: string;
          maxEpochs?: string;
        }) => {
          // Loaded here, not at CLI start: the models bring ONNX Runtime and TensorFlow.
          const [{ modelDefinition }, { saveFittedModel }, { sliceSeries }] = await Promise.all([
            import('../models/registry.js'),
            import('../models/persistence.js'),
            import('../models/backtest.js'),
          ]);
          const definition = modelDefinition(opts.model);
          const loaded = await loadDataset(opts.dataset, opts.datasets ?? BUNDLED_DATASETS_PATH);
          const { dataset } = loaded;
          const train = sliceSeries(loaded.series, dataset.train_start, dataset.train_end);
          const checkpointDir = opts.checkpoint ?? `${opts.out}.checkpoint`;
          const maxEpochs = opts.maxEpochs === undefined ? undefined : Number(opts.maxEpochs);
          if (maxEpochs !== undefined && !(Number.isInteger(maxEpochs) && maxEpochs >= 1)) {
            throw new PrescaleError(
              'invalid-input',
              `--max-epochs: ${opts.maxEpochs} is not a whole number ≥ 1; pass e.g. 30`,
              {
                field: '--max-epochs',
              },
            );
          }
          const options: NeuralOptions = {
            ...(maxEpochs ? { settings: { maxEpochs } } : {}),
            seasonSeconds: dataset.season_seconds,
            horizonSteps: dataset.horizon_steps,
            checkpointDir,
            onEpoch: (p) => process.stdout.write(`${formatEpoch(p)}\n`),
          };
          process.stdout.write(
            `training ${opts.model} on ${opts.dataset} ${new Date(dataset.train_start * 1000).toISOString()} .. ${new Date(dataset.train_end * 1000).toISOString()}\n`,
          );
          const started = performance.now();
          await runResumableTraining(checkpointDir, 'epoch', async (signal) => {
            const fitted = await definition.create(options).fit(train, signal);
            await saveFittedModel(fitted, opts.out);
            await rm(join(checkpointDir, 'checkpoint.json'), { force: true });
            await rm(checkpointDir, { recursive: true, force: true });
            process.stdout.write(
              `fitted in ${((performance.now() - started) / 1000).toFixed(1)} s; saved ${opts.out}\n`,
            );
          });
        },
      ),
    );
};
