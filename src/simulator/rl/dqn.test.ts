import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PrescaleError } from '../../core/index.js';
import { ensureWasmBackend } from '../../models/neural/train.js';
import { queueTableFor } from '../../testing/simulation-fixtures.js';
import { tempDir } from '../../testing/temp-dir.js';
import { parseSimulationConfig } from '../config.js';
import { RL_ACTIONS, RL_FEATURE_COUNT } from '../policies/rl.js';
import { buildScenario, scenarioArrivals, simulationInput } from '../scenario.js';
import { DQN_DEFAULTS, type DqnSettings, evaluateGreedy, type RlEnvironment, trainDqn } from './dqn.js';
import { buildQNetwork, greedyChooser, loadQNetwork, saveQNetwork } from './q-network.js';

/*
 * A constructed bursty scenario: a day of history, then an hour whose load swings between ~6 and ~16 pods' worth
 * with a 1.6× burst every seventh minute, the kind of minute-scale step that breaks the SLO until new pods are ready.
 */
const START_SECONDS = 1_700_006_400;
const HISTORY_MINUTES = 24 * 60;
const EPISODE_MINUTES = 60;
const config = parseSimulationConfig({});

function burstyScenario() {
  const values = new Float64Array(HISTORY_MINUTES + EPISODE_MINUTES);
  for (let m = 0; m < values.length; m++) {
    const wave = 1 + 0.45 * Math.sin((2 * Math.PI * m) / 40);
    values[m] = 100 * wave * (m % 7 === 0 ? 1.6 : 1);
  }
  const split = {
    trainStartSeconds: START_SECONDS,
    trainEndSeconds: START_SECONDS + HISTORY_MINUTES * 60,
    testEndSeconds: START_SECONDS + values.length * 60,
  };
  return buildScenario({ startSeconds: START_SECONDS, stepSeconds: 60, values }, split, config);
}

await ensureWasmBackend();
const scenario = burstyScenario();
const inputFor = (seed: number) =>
  simulationInput(scenario, config, queueTableFor(config), scenarioArrivals(scenario, config, seed), seed);

const environment: RlEnvironment = {
  scaling: { perPodRate: config.perPodRate, minReplicas: 2, maxReplicas: 50 },
  syncPeriodSeconds: 15,
  slo: config.slo,
  violationMinutePrice: 0.03,
  episode: (random) => inputFor(1 + Math.floor(random() * 1000)),
};

const tiny: DqnSettings = {
  ...DQN_DEFAULTS,
  hiddenUnits: [16],
  episodes: 12,
  batchSize: 32,
  learningRate: 0.003,
  decisionsPerGradientStep: 1,
  targetUpdateSteps: 100,
  epsilonDecayEpisodes: 6,
  seed: 7,
};

test('a tiny DQN run improves the return on a bursty scenario over the untrained network (seeded, deterministic)', async () => {
  const evaluation = inputFor(4242);
  const untrained = buildQNetwork(RL_FEATURE_COUNT, tiny.hiddenUnits, RL_ACTIONS.length, tiny.seed);
  const before = await evaluateGreedy(untrained, environment, evaluation);
  untrained.dispose();
  const first = await trainDqn(environment, tiny);
  const after = await evaluateGreedy(first.model, environment, evaluation);
  assert.equal(first.reports.length, tiny.episodes);
  assert.ok(first.cpuSeconds > 0);
  assert.ok(after.return > before.return + 0.1, `before ${JSON.stringify(before)} after ${JSON.stringify(after)}`);
  // The same seed trains the same network.
  const second = await trainDqn(environment, tiny);
  assert.deepEqual(await evaluateGreedy(second.model, environment, evaluation), after);
  assert.deepEqual(
    second.reports.map((r) => r.return),
    first.reports.map((r) => r.return),
  );
  first.model.dispose();
  second.model.dispose();
});

test('a saved Q-network loads back with the same weights, choices and meta', async (t) => {
  const dir = await tempDir(t);
  const model = buildQNetwork(RL_FEATURE_COUNT, [8, 8], RL_ACTIONS.length, 3);
  await saveQNetwork(model, dir, { note: 'round trip' });
  const loaded = await loadQNetwork(dir);
  assert.deepEqual(loaded.meta, { note: 'round trip' });
  const weights = (m: typeof loaded.model) => m.getWeights().map((w) => Array.from(w.dataSync()));
  assert.deepEqual(weights(loaded.model), weights(model));
  const a = greedyChooser(model);
  const b = greedyChooser(loaded.model);
  for (let k = 0; k < 50; k++) {
    const features = Float32Array.from({ length: RL_FEATURE_COUNT }, (_, i) => Math.sin(k * 7 + i * 3));
    assert.equal(b(features), a(features));
  }
  model.dispose();
  loaded.model.dispose();
  await assert.rejects(loadQNetwork(join(dir, 'missing')), (error) => error instanceof PrescaleError);
});

test('training resumes from its checkpoint after the last finished episode; another run’s checkpoint is refused', async (t) => {
  const dir = await tempDir(t);
  const short = { ...tiny, episodes: 2, hiddenUnits: [8] };
  const first = await trainDqn(environment, short, { checkpointDir: dir });
  first.model.dispose();
  assert.ok(existsSync(join(dir, 'state.json')) && existsSync(join(dir, 'online', 'weights.bin')));
  const other = await trainDqn(environment, { ...short, hiddenUnits: [4] }, { checkpointDir: dir }).catch((e) => e);
  assert.ok(other instanceof PrescaleError && other.field === '--checkpoint', String(other));
  // Asking for more episodes extends the run: the first two are kept, one more is trained.
  const extended = await trainDqn(environment, { ...short, episodes: 3 }, { checkpointDir: dir });
  assert.equal(extended.resumedAfterEpisode, 2);
  assert.equal(extended.reports.length, 3);
  assert.deepEqual(extended.reports.slice(0, 2), first.reports);
  extended.model.dispose();
});
