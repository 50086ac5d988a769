import { runBacktestSuite } from '../experiments/backtest-suite.js';
import { BUNDLED_DATASETS_PATH } from '../experiments/datasets.js';
import { modelNames } from '../models/registry.js';
import { formatBacktestTable } from './backtest.js';
import type { RegisterCommand } from './commands.js';
import { createProgressBars } from './progress.js';

/** The embedded default: the NASA July 1995 trace shipped in `data/`. */
const DEFAULT_DATASET = 'nasa-jul95';

/**
 * `prescale start` (what `npm start` runs): the main job on the embedded default, needing no cluster and
 * no Prometheus — every model backtested on the bundled NASA trace, with the score table.
 */
export const registerStart: RegisterCommand = (program, run) => {
  program
    .command('start')
    .description(`the main job on the embedded default: backtest every model on the bundled ${DEFAULT_DATASET} trace`)
    .option('--out <dir>', 'also write one scorer-format CSV per model into this directory')
    .action(
      run(async (opts: { out?: string }) => {
        process.stdout.write(
          `Prescale: backtesting ${modelNames.join(', ')} on the bundled ${DEFAULT_DATASET} trace (data/, NASA KSC HTTP requests per minute, July 1995)\n`,
        );
        const bars = createProgressBars('backtest');
        try {
          const result = await runBacktestSuite({
            datasetName: DEFAULT_DATASET,
            datasetsPath: BUNDLED_DATASETS_PATH,
            models: modelNames,
            outDir: opts.out,
            onProgress: (model, p) => bars.update(model, p.doneOrigins, p.totalOrigins),
          });
          bars.stop();
          process.stdout.write(`${formatBacktestTable(result)}\n`);
          process.stdout.write(
            'rmse/snaive below 1 beats "same time yesterday"; cover80 is the share of actuals inside the 80% interval.\n',
          );
        } finally {
          bars.stop();
        }
      }),
    );
};
