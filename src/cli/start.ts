import { PrescaleError } from '../core/index.js';
import { BUNDLED_DATASETS_PATH } from '../experiments/datasets.js';
import { runExperimentInvocation } from './experiment.js';
import type { RegisterCommand } from './run.js';

/** The embedded default: the NASA July 1995 trace shipped in `data/`. */
const DEFAULT_DATASET = 'nasa-jul95';
/** The policies of the headline comparison. */
const POLICIES = ['hpa', 'prescale', 'oracle', 'oracle-cost'] as const;

/**
 * `prescale start` (what `npm start` runs): the main job on the embedded default, needing no cluster and
 * no Prometheus — the HPA-vs-Prescale experiment on a simulated cluster replaying the bundled NASA trace's
 * test week, with the table at the end and the report's path. (`prescale backtest` scores the models.)
 */
export const registerStart: RegisterCommand = (program, run) => {
  program
    .command('start')
    .description(
      `the main job on the embedded default: hpa vs prescale vs the oracles on a simulated cluster replaying the bundled ${DEFAULT_DATASET} trace`,
    )
    .option('--out <dir>', 'directory for results.json, the CSVs and report.html', 'results/start')
    .option('--seeds <n>', 'seeds (arrival noise and pod delays); figures are mean ± std over them', '3')
    .action(
      run(async (opts: { out: string; seeds: string }) => {
        const seeds = Number(opts.seeds);
        if (!(Number.isInteger(seeds) && seeds >= 1)) {
          throw new PrescaleError(
            'invalid-input',
            `--seeds: ${opts.seeds} is not a whole number ≥ 1; give a count such as 3`,
            {
              field: '--seeds',
            },
          );
        }
        const command = `prescale experiment --dataset ${DEFAULT_DATASET} --datasets data/datasets.json --policies ${POLICIES.join(',')} --seeds ${seeds} --out ${opts.out}`;
        process.stdout.write(
          `Prescale: the HPA (CPU 70 %, default behavior) vs. Prescale (forecast + planner) vs. the oracle (the planner fed the true future)\n` +
            `and oracle-cost (the cheapest schedule that holds the SLO, from the true future: the limit),\n` +
            `each driving the same simulated cluster through the test week of the bundled ${DEFAULT_DATASET} trace (NASA KSC HTTP requests per minute, July 1995)\n` +
            `at 1 s resolution, ${seeds} seed${seeds > 1 ? 's' : ''}. Same as: ${command}\n`,
        );
        const { reportPath } = await runExperimentInvocation({
          datasets: [DEFAULT_DATASET],
          datasetsPath: BUNDLED_DATASETS_PATH,
          policies: [...POLICIES],
          seeds,
          outDir: opts.out,
          userConfig: {},
          configSource: 'config',
          command,
        });
        process.stdout.write(`report: ${reportPath}\n`);
      }),
    );
};
