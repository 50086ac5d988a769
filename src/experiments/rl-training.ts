import { resolve } from 'node:path';
import { PrescaleError } from '../core/index.js';
import type { SimulationConfig } from '../simulator/config.js';
import { arrivalsPerSecond, bucketRates, meanRate } from '../simulator/load.js';
import { RL_ACTIONS, RL_FEATURE_NAMES, type RlChooser, type RlScaling } from '../simulator/policies/rl.js';
import { buildQueueTable } from '../simulator/queueing.js';
import { createRandom } from '../simulator/random.js';
import type { RlEnvironment } from '../simulator/rl/dqn.js';
import { greedyChooser, loadQNetwork } from '../simulator/rl/q-network.js';
import { buildScenario } from '../simulator/scenario.js';
import type { SimulationInput } from '../simulator/simulate.js';
import { type LoadedDataset, repoRoot } from './datasets.js';

const DAY_SECONDS = 86_400;
const HOUR_SECONDS = 3600;

/** The RL checkpoint shipped with Prescale (trained on nasa-jul95's training weeks; docs/rl.md). */
export const SHIPPED_RL_CHECKPOINT = resolve(repoRoot, 'models/rl-nasa');

/**
 * The greedy chooser of the agent named by `policies.rl.checkpoint` (null: the shipped one). Refuses a checkpoint
 * whose features or actions are not the policy's, naming the field and the fix.
 */
export async function loadRlChooser(config: SimulationConfig): Promise<RlChooser> {
  const dir = config.rl.checkpoint === null ? SHIPPED_RL_CHECKPOINT : resolve(config.rl.checkpoint);
  const { model, meta } = await loadQNetwork(dir);
  const saved = meta as { features?: unknown; actions?: unknown } | null;
  if (
    JSON.stringify(saved?.features) !== JSON.stringify(RL_FEATURE_NAMES) ||
    JSON.stringify(saved?.actions) !== JSON.stringify(RL_ACTIONS)
  ) {
    model.dispose();
    throw new PrescaleError(
      'model-mismatch',
      `policies.rl.checkpoint: ${dir} was trained with other features or actions than this version's rl policy; retrain it with prescale train-rl`,
      { field: 'policies.rl.checkpoint' },
    );
  }
  const chooser = greedyChooser(model);
  model.dispose();
  return chooser;
}

/** The agent's feature scaling under a config: the workload's capacity per pod and replica bounds. */
export function rlScaling(config: SimulationConfig): RlScaling {
  const { minReplicas, maxReplicas } = config.workload.policy;
  return { perPodRate: config.perPodRate, minReplicas, maxReplicas };
}

/**
 * The training environment on a dataset's TRAINING split (docs/rl.md): each episode is `episodeSeconds` from a
 * random whole hour of the split (never in the first day, so Prometheus holds a day of history for the
 * seasonal-naive feature; episodes shorter than a day thus still see every time of day), with Poisson arrivals of a
 * random seed. The load is scaled exactly as the experiment
 * scales it, so the agent trains on the pod counts it is tested on; nothing of the test period is simulated.
 */
export function trainingEnvironment(
  loaded: LoadedDataset,
  config: SimulationConfig,
  episodeSeconds = DAY_SECONDS,
): RlEnvironment & { readonly episodeStarts: readonly number[] } {
  const { dataset } = loaded;
  const split = {
    trainStartSeconds: dataset.train_start,
    trainEndSeconds: dataset.train_end,
    testEndSeconds: dataset.test_end,
  };
  const { load } = buildScenario(loaded.series, split, config, 0);
  const step = config.workload.metric.stepSeconds;
  const episodeStarts: number[] = [];
  for (let t = dataset.train_start + DAY_SECONDS; t + episodeSeconds <= dataset.train_end; t += HOUR_SECONDS) {
    episodeStarts.push(t);
  }
  if (episodeStarts.length === 0) {
    throw new PrescaleError(
      'not-enough-data',
      `${loaded.name}: the training split holds no day after a first day of history with ${episodeSeconds / 3600} h after it; give a longer split or shorter episodes`,
      { field: 'train_start' },
    );
  }
  const queue = buildQueueTable(config.cluster.pod.service, config.slo.latencyP95Seconds);
  const { minReplicas, maxReplicas } = config.workload.policy;
  return {
    episodeStarts,
    scaling: rlScaling(config),
    syncPeriodSeconds: config.workload.policy.syncPeriodSeconds,
    slo: config.slo,
    violationMinutePrice: config.rl.violationMinutePrice,
    episode(random): SimulationInput {
      const startSeconds = episodeStarts[Math.floor(random() * episodeStarts.length)];
      const seed = 1 + Math.floor(random() * 1_000_000);
      const endSeconds = startSeconds + episodeSeconds;
      const rate = new Float64Array(episodeSeconds);
      for (let s = 0; s < rate.length; s++) rate[s] = meanRate(load, startSeconds + s, startSeconds + s + 1);
      return {
        cluster: config.cluster,
        queue,
        startSeconds,
        endSeconds,
        arrivals: arrivalsPerSecond(load, startSeconds, endSeconds, config.load.noise, createRandom(seed, 'arrivals')),
        rate,
        perPodRate: config.perPodRate,
        history: bucketRates(load, dataset.train_start, startSeconds, step),
        initialReplicas: Math.min(maxReplicas, Math.max(minReplicas, Math.ceil(rate[0] / config.perPodRate))),
        seed,
      };
    },
  };
}
