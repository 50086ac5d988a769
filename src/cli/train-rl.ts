import { rm } from 'node:fs/promises';
import { PrescaleError } from '../core/index.js';
import { BUNDLED_DATASETS_PATH, loadDataset } from '../experiments/datasets.js';
import { parseSimulationConfig } from '../simulator/config.js';
import { readSimulationConfigFile } from './experiment.js';
import { createProgressBars } from './progress.js';
import { runResumableTraining } from './resumable-training.js';
import type { RegisterCommand } from './run.js';

/** A whole number ≥ `min` from a flag, or an error naming the flag. */
function wholeNumber(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= min)) {
    throw new PrescaleError('invalid-input', `${flag}: ${text} is not a whole number ≥ ${min}; pass e.g. ${min + 9}`, {
      field: flag,
    });
  }
  return n;
}

/**
 * `prescale train-rl`: trains the RL autoscaler (a double DQN, docs/rl.md) in the simulated cluster on a dataset's
 * training split and saves the Q-network where `prescale experiment --policies rl` reads it
 * (`policies.rl.checkpoint`). One line per episode; a checkpoint after each; Ctrl-C stops, the same command resumes.
 */
export const registerTrainRl: RegisterCommand = (program, run) => {
  program
    .command('train-rl')
    .description('train the reinforcement-learning autoscaler in the simulated cluster on a dataset’s training split')
    .requiredOption('--dataset <name>', 'dataset name in the datasets file, e.g. nasa-jul95')
    .requiredOption('--out <dir>', 'where to save the trained Q-network (model.json + weights.bin)')
    .option('--datasets <file>', 'datasets file (default: the bundled data/datasets.json)')
    .option('--episodes <n>', 'episodes to train', '40')
    .option('--seed <n>', 'training seed: network initialisation, exploration, replay sampling, episode days', '1')
    .option('--episode-hours <n>', 'hours simulated per episode, from a random hour of the training split', '24')
    .option('--config <file>', 'simulation config (YAML or JSON) laid over the defaults, as for prescale experiment')
    .option('--checkpoint <dir>', 'training checkpoint directory (default: <out>.checkpoint)')
    .action(
      run(
        async (opts: {
          dataset: string;
          out: string;
          datasets?: string;
          episodes: string;
          seed: string;
          episodeHours: string;
          config?: string;
          checkpoint?: string;
        }) => {
          const episodes = wholeNumber('--episodes', opts.episodes, 1);
          const seed = wholeNumber('--seed', opts.seed, 0);
          const episodeHours = wholeNumber('--episode-hours', opts.episodeHours, 1);
          const userConfig = opts.config === undefined ? {} : await readSimulationConfigFile(opts.config);
          const config = parseSimulationConfig(userConfig, opts.config ?? 'config');
          // Loaded here, not at CLI start: training brings TensorFlow.
          const [
            { trainingEnvironment },
            { DQN_DEFAULTS, trainDqn },
            { saveQNetwork },
            { RL_ACTIONS, RL_FEATURE_NAMES },
          ] = await Promise.all([
            import('../experiments/rl-training.js'),
            import('../simulator/rl/dqn.js'),
            import('../simulator/rl/q-network.js'),
            import('../simulator/policies/rl.js'),
          ]);
          const loaded = await loadDataset(opts.dataset, opts.datasets ?? BUNDLED_DATASETS_PATH);
          const environment = trainingEnvironment(loaded, config, episodeHours * 3600);
          const settings = { ...DQN_DEFAULTS, episodes, seed };
          const checkpointDir = opts.checkpoint ?? `${opts.out}.checkpoint`;
          process.stdout.write(
            `training rl on ${opts.dataset}: ${environment.episodeStarts.length} episode start hours, ${episodes} episodes of ${episodeHours} h, seed ${seed}, violation minute $${environment.violationMinutePrice}\n`,
          );
          const bars = createProgressBars('train-rl');
          await runResumableTraining(checkpointDir, 'episode', async (signal) => {
            const result = await trainDqn(environment, settings, {
              checkpointDir,
              signal,
              onEpisode: (r) => {
                bars.update('episodes', r.episode, episodes);
                process.stdout.write(
                  `episode ${String(r.episode).padStart(3)}/${episodes}  ε ${r.epsilon.toFixed(2)}  ${new Date(r.startSeconds * 1000).toISOString().slice(0, 13)}  cost $${r.cost.toFixed(2)}  violation min ${r.violationMinutes.toFixed(1)}  return ${r.return.toFixed(2)}  loss ${r.loss.toFixed(4)}  ${(r.milliseconds / 1000).toFixed(1)} s\n`,
                );
              },
            }).finally(() => bars.stop());
            await saveQNetwork(result.model, opts.out, {
              format: 'prescale-rl-agent/1',
              dataset: opts.dataset,
              settings,
              episodeHours,
              features: RL_FEATURE_NAMES,
              actions: RL_ACTIONS,
              syncPeriodSeconds: environment.syncPeriodSeconds,
              violationMinutePrice: environment.violationMinutePrice,
              cpuSeconds: result.cpuSeconds,
              resumedAfterEpisode: result.resumedAfterEpisode,
              episodes: result.reports,
            });
            result.model.dispose();
            await rm(checkpointDir, { recursive: true, force: true });
            process.stdout.write(
              `trained in ${result.cpuSeconds.toFixed(0)} s CPU${result.resumedAfterEpisode > 0 ? ` (after resuming at episode ${result.resumedAfterEpisode})` : ''}; saved ${opts.out}\n`,
            );
          });
        },
      ),
    );
};
