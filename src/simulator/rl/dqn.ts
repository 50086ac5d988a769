import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { PrescaleError } from '../../core/index.js';
import { readNamedJson } from '../../core/named-file.js';
import { ensureWasmBackend, SeededRandom } from '../../models/neural/train.js';
import { RL_ACTIONS, RL_FEATURE_COUNT, type RlScaling, type RlStep, rlPolicy } from '../policies/rl.js';
import { type SimulationInput, simulate } from '../simulate.js';
import type { ServiceLevel } from '../summary.js';
import { buildQNetwork, copyWeights, greedyChooser, loadQNetwork, saveQNetwork } from './q-network.js';
import { decisionOutcomes } from './reward.js';

/*
 * Double DQN with experience replay and a target network (docs/rl.md). Each episode is one simulated run under the
 * ε-greedy agent; its decisions become transitions (features, action, reward of the interval, next features), and
 * then the network takes one gradient step per `decisionsPerGradientStep` new decisions on minibatches drawn from
 * the replay buffer. Everything random is seeded: the same settings give the same network.
 */

/** How to train; all fixed by the caller so the same seed reproduces. */
export interface DqnSettings {
  readonly hiddenUnits: readonly number[];
  readonly episodes: number;
  /** Per decision (a sync apart): 0.97 at 15 s weighs about the next 8 minutes. */
  readonly discount: number;
  readonly learningRate: number;
  readonly batchSize: number;
  readonly replayCapacity: number;
  /** Gradient steps between copies of the online network into the target network. */
  readonly targetUpdateSteps: number;
  readonly decisionsPerGradientStep: number;
  /** ε of the ε-greedy agent, from start to end linearly over `epsilonDecayEpisodes`, then held. */
  readonly epsilonStart: number;
  readonly epsilonEnd: number;
  readonly epsilonDecayEpisodes: number;
  readonly seed: number;
}

export const DQN_DEFAULTS: Omit<DqnSettings, 'seed' | 'episodes'> = {
  hiddenUnits: [32, 32],
  discount: 0.97,
  learningRate: 0.0005,
  batchSize: 128,
  replayCapacity: 100_000,
  targetUpdateSteps: 500,
  decisionsPerGradientStep: 4,
  epsilonStart: 1,
  epsilonEnd: 0.05,
  epsilonDecayEpisodes: 15,
};

/** The simulated world the agent trains in. */
export interface RlEnvironment {
  readonly scaling: RlScaling;
  readonly syncPeriodSeconds: number;
  readonly slo: ServiceLevel;
  /** Dollars one SLO-violation minute is charged in the reward. */
  readonly violationMinutePrice: number;
  /** The input of one training episode; `random` draws its start and seed, so episodes follow the training seed. */
  episode(random: () => number): SimulationInput;
}

/** One finished episode, in the experiment's units. */
export interface EpisodeReport {
  readonly episode: number;
  readonly epsilon: number;
  readonly startSeconds: number;
  readonly cost: number;
  readonly violationMinutes: number;
  /** −(cost + price × violation minutes), dollars. */
  readonly return: number;
  /** Mean Huber loss of the episode's gradient steps (scaled units); NaN before the buffer fills a batch. */
  readonly loss: number;
  readonly milliseconds: number;
}

/** The trained network and how training went. */
export interface DqnResult {
  readonly model: tf.LayersModel;
  readonly reports: readonly EpisodeReport[];
  /** Episodes done before this call (from a checkpoint). */
  readonly resumedAfterEpisode: number;
  /** Process CPU time of this call (user + system), seconds. */
  readonly cpuSeconds: number;
}

const DOWN_ACTIONS = RL_ACTIONS.flatMap((a, i) => ('delta' in a && a.delta < 0 ? [i] : []));
const OTHER_ACTIONS = RL_ACTIONS.flatMap((a, i) => ('delta' in a && a.delta < 0 ? [] : [i]));
/**
 * Share of exploring moves that scale down. Uniform over the actions the replica count drifts up (+1.2 pods per
 * decision at 10 pods: three of seven actions add 2–5) and exploration would only ever see the maximum; at 0.6
 * the walk has about no drift at 10 pods, so exploring episodes visit under- and over-provisioned states alike.
 */
const EXPLORE_DOWN_SHARE = 0.6;

/** A random action for exploration, drawn so the replica count does not drift (`EXPLORE_DOWN_SHARE`). */
function exploringAction(next: () => number): number {
  const from = next() < EXPLORE_DOWN_SHARE ? DOWN_ACTIONS : OTHER_ACTIONS;
  return from[Math.floor(next() * from.length)];
}

/** The return and its parts of a run of `model`, greedy, on `input`. */
export async function evaluateGreedy(
  model: tf.LayersModel,
  environment: RlEnvironment,
  input: SimulationInput,
): Promise<{ cost: number; violationMinutes: number; return: number }> {
  const { outcomes } = await runEpisode(environment, input, greedyChooser(model));
  return sumOutcomes(outcomes, environment.violationMinutePrice);
}

function sumOutcomes(outcomes: readonly { cost: number; violationMinutes: number }[], price: number) {
  let cost = 0;
  let violationMinutes = 0;
  for (const o of outcomes) {
    cost += o.cost;
    violationMinutes += o.violationMinutes;
  }
  return { cost, violationMinutes, return: -(cost + price * violationMinutes) };
}

async function runEpisode(
  environment: RlEnvironment,
  input: SimulationInput,
  choose: (features: Float32Array) => number,
  signal?: AbortSignal,
) {
  const steps: RlStep[] = [];
  const policy = rlPolicy({
    name: 'rl',
    syncPeriodSeconds: environment.syncPeriodSeconds,
    scaling: environment.scaling,
    choose,
    onStep: (step) => steps.push(step),
  });
  const record = await simulate(policy, input, { signal });
  const outcomes = decisionOutcomes(
    record,
    steps.map((s) => s.nowSeconds),
    environment.slo,
    environment.violationMinutePrice,
  );
  return { steps, outcomes };
}

/** A ring buffer of transitions in flat typed arrays. */
class ReplayBuffer {
  readonly states: Float32Array;
  readonly next: Float32Array;
  readonly actions: Int32Array;
  readonly rewards: Float32Array;
  size = 0;
  private cursor = 0;

  constructor(readonly capacity: number) {
    this.states = new Float32Array(capacity * RL_FEATURE_COUNT);
    this.next = new Float32Array(capacity * RL_FEATURE_COUNT);
    this.actions = new Int32Array(capacity);
    this.rewards = new Float32Array(capacity);
  }

  add(state: Float32Array, action: number, reward: number, next: Float32Array): void {
    const i = this.cursor;
    this.states.set(state, i * RL_FEATURE_COUNT);
    this.next.set(next, i * RL_FEATURE_COUNT);
    this.actions[i] = action;
    this.rewards[i] = reward;
    this.cursor = (i + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }
}

interface TrainingState {
  readonly format: 'prescale-rl-checkpoint/1';
  readonly fingerprint: string;
  readonly episode: number;
  readonly randomState: number;
  readonly gradientSteps: number;
  readonly reports: EpisodeReport[];
}

/**
 * Trains a Q-network in `environment`. With `checkpointDir`, the online and target networks and the training state
 * (episode, PRNG, reports) are written there after every episode, and a later call with the same settings (more
 * episodes allowed) resumes after the last finished episode (the replay buffer and Adam's moments start empty again). An aborted `signal`
 * stops within the current episode; the last finished one stays in the checkpoint.
 */
export async function trainDqn(
  environment: RlEnvironment,
  settings: DqnSettings,
  options: {
    readonly checkpointDir?: string;
    readonly onEpisode?: (report: EpisodeReport) => void;
    readonly signal?: AbortSignal;
  } = {},
): Promise<DqnResult> {
  await ensureWasmBackend();
  const cpuStart = process.cpuUsage();
  const actions = RL_ACTIONS.length;
  const F = RL_FEATURE_COUNT;
  const online = buildQNetwork(F, settings.hiddenUnits, actions, settings.seed);
  const target = buildQNetwork(F, settings.hiddenUnits, actions, settings.seed);
  target.trainable = false;
  copyWeights(online, target);
  const optimizer = tf.train.adam(settings.learningRate);
  const random = new SeededRandom(settings.seed);
  const replay = new ReplayBuffer(settings.replayCapacity);
  // The episode count is left out: a finished run can be extended by asking for more episodes.
  const fingerprint = JSON.stringify({
    settings: { ...settings, episodes: undefined },
    environment: { ...environment, episode: undefined },
  });
  const reports: EpisodeReport[] = [];
  let gradientSteps = 0;
  let resumedAfterEpisode = 0;
  const statePath = options.checkpointDir ? join(options.checkpointDir, 'state.json') : undefined;
  if (statePath && existsSync(statePath)) {
    const state = (await readNamedJson(statePath, {
      field: '--checkpoint',
      what: 'the training state',
      fix: 'delete it or use another --checkpoint directory',
    })) as TrainingState;
    if (state.format !== 'prescale-rl-checkpoint/1' || state.fingerprint !== fingerprint) {
      throw new PrescaleError(
        'model-mismatch',
        `${statePath}: the checkpoint belongs to another training run (different settings or environment); delete it or use another --checkpoint directory`,
        { field: '--checkpoint' },
      );
    }
    for (const [name, model] of [
      ['online', online],
      ['target', target],
    ] as const) {
      const saved = await loadQNetwork(join(options.checkpointDir!, name));
      copyWeights(saved.model, model);
      saved.model.dispose();
    }
    random.state = state.randomState;
    gradientSteps = state.gradientSteps;
    reports.push(...state.reports);
    resumedAfterEpisode = state.episode;
  }
  const trainable = online.trainableWeights.map((w) => w.read() as tf.Variable);
  const batch = settings.batchSize;
  const sB = new Float32Array(batch * F);
  const nB = new Float32Array(batch * F);
  const aB = new Int32Array(batch);
  const rB = new Float32Array(batch);

  const gradientStep = (): number => {
    for (let b = 0; b < batch; b++) {
      const i = Math.floor(random.next() * replay.size);
      sB.set(replay.states.subarray(i * F, (i + 1) * F), b * F);
      nB.set(replay.next.subarray(i * F, (i + 1) * F), b * F);
      aB[b] = replay.actions[i];
      rB[b] = replay.rewards[i];
    }
    // Double DQN: the online network picks the next action, the target network values it.
    const y = tf.tidy(() => {
      const next = tf.tensor2d(nB, [batch, F]);
      const best = (online.predict(next) as tf.Tensor2D).argMax(1);
      const value = tf.sum(tf.mul(target.predict(next) as tf.Tensor2D, tf.oneHot(best, actions)), 1);
      return tf.add(tf.tensor1d(rB), tf.mul(settings.discount, value));
    });
    const loss = optimizer.minimize(
      () => {
        const q = online.apply(tf.tensor2d(sB, [batch, F])) as tf.Tensor2D;
        const chosen = tf.sum(tf.mul(q, tf.oneHot(tf.tensor1d(aB, 'int32'), actions)), 1);
        return tf.losses.huberLoss(y, chosen) as tf.Scalar;
      },
      true,
      trainable,
    );
    const value = loss!.dataSync()[0];
    tf.dispose([y, loss!]);
    gradientSteps++;
    if (gradientSteps % settings.targetUpdateSteps === 0) copyWeights(online, target);
    return value;
  };

  try {
    for (let episode = resumedAfterEpisode + 1; episode <= settings.episodes; episode++) {
      const started = performance.now();
      const progress = Math.min(1, (episode - 1) / Math.max(1, settings.epsilonDecayEpisodes));
      const epsilon = settings.epsilonStart + (settings.epsilonEnd - settings.epsilonStart) * progress;
      const input = environment.episode(() => random.next());
      // The online network does not change within an episode: its greedy choice is read out once.
      const greedy = greedyChooser(online);
      const { steps, outcomes } = await runEpisode(
        environment,
        input,
        (features) => (random.next() < epsilon ? exploringAction(() => random.next()) : greedy(features)),
        options.signal,
      );
      // Rewards in units of what the largest Deployment costs per sync, so Q-values stay near 1.
      const rewardScale =
        (input.cluster.costPerPodHour * environment.syncPeriodSeconds * environment.scaling.maxReplicas) / 3600;
      // The run's end is a time limit, not a terminal state: its last decision has no next state and is dropped.
      for (let i = 0; i + 1 < steps.length; i++) {
        replay.add(steps[i].features, steps[i].action, outcomes[i].reward / rewardScale, steps[i + 1].features);
      }
      let lossSum = 0;
      let lossCount = 0;
      if (replay.size >= batch) {
        const count = Math.floor(steps.length / settings.decisionsPerGradientStep);
        for (let k = 0; k < count; k++) {
          if (k % 50 === 0) {
            // tfjs resolves without a macrotask turn: yield so Ctrl-C gets through.
            await new Promise((resolve) => setImmediate(resolve));
            options.signal?.throwIfAborted();
          }
          lossSum += gradientStep();
          lossCount++;
        }
      }
      const totals = sumOutcomes(outcomes, environment.violationMinutePrice);
      const report: EpisodeReport = {
        episode,
        epsilon,
        startSeconds: input.startSeconds,
        ...totals,
        loss: lossCount > 0 ? lossSum / lossCount : Number.NaN,
        milliseconds: performance.now() - started,
      };
      reports.push(report);
      if (options.checkpointDir) {
        await saveQNetwork(online, join(options.checkpointDir, 'online'), null);
        await saveQNetwork(target, join(options.checkpointDir, 'target'), null);
        const state: TrainingState = {
          format: 'prescale-rl-checkpoint/1',
          fingerprint,
          episode,
          randomState: random.state,
          gradientSteps,
          reports,
        };
        await writeFileAtomic(statePath!, JSON.stringify(state), 'RL training state');
      }
      options.onEpisode?.(report);
    }
  } catch (error) {
    online.dispose();
    throw error;
  } finally {
    target.dispose();
    optimizer.dispose();
  }
  const cpu = process.cpuUsage(cpuStart);
  return { model: online, reports, resumedAfterEpisode, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}
