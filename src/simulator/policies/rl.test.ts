import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constantRateInput, nasaSimulationInput } from '../../testing/simulation-fixtures.js';
import { parseSimulationConfig } from '../config.js';
import { simulate } from '../simulate.js';
import { applyRlAction, RL_ACTIONS, RL_FEATURE_COUNT, type RlChooser, type RlScaling, rlPolicy } from './rl.js';

const config = parseSimulationConfig({});
const scaling: RlScaling = { perPodRate: config.perPodRate, minReplicas: 2, maxReplicas: 50 };
const indexOf = (label: object) => RL_ACTIONS.findIndex((a) => JSON.stringify(a) === JSON.stringify(label));

/** A chooser that reacts to the load per pod (feature 1), like a trained agent would: up when hot, down when cold. */
const thresholds: RlChooser = (features) => {
  assert.equal(features.length, RL_FEATURE_COUNT);
  assert.ok(features.every(Number.isFinite), String(features));
  if (features[1] > 0.95) return indexOf({ delta: 2 });
  if (features[1] < 0.6) return indexOf({ delta: -1 });
  return indexOf({ delta: 0 });
};

const HOURS = 3;
const PERTURB_AFTER = 2 * 3600;

async function decisions(perturb: boolean) {
  const { input } = await nasaSimulationInput({
    seconds: HOURS * 3600,
    config,
    transformArrivals: (arrivals) => {
      if (perturb) for (let s = PERTURB_AFTER; s < arrivals.length; s++) arrivals[s] *= 2.5;
    },
  });
  const out: { t: number; replicas: number; features: number[] }[] = [];
  let features: number[] = [];
  const policy = rlPolicy({
    name: 'rl',
    syncPeriodSeconds: 15,
    scaling,
    choose: thresholds,
    onStep: (step) => {
      features = [...step.features];
    },
  });
  await simulate(policy, input, {
    onDecision: (now, d) => out.push({ t: now - input.startSeconds, replicas: d.replicas, features }),
  });
  return out;
}

test('the rl policy never sees the future: perturbing the load after t leaves every feature and decision up to t unchanged', async () => {
  const original = await decisions(false);
  const perturbed = await decisions(true);
  assert.equal(original.length, (HOURS * 3600) / 15 - 1);
  const upTo = (list: typeof original) => list.filter((d) => d.t <= PERTURB_AFTER);
  assert.ok(upTo(original).length > 400);
  assert.deepEqual(upTo(perturbed), upTo(original));
  // The surge does change what it does afterwards, so the equality above means something.
  const after = (list: typeof original) => list.filter((d) => d.t > PERTURB_AFTER).map((d) => d.replicas);
  assert.ok(Math.max(...after(perturbed)) > Math.max(...after(original)));
});

test('applyRlAction: each action from 10 pods, and clamped at the bounds', () => {
  assert.deepEqual(
    RL_ACTIONS.map((a) => applyRlAction(a, 10, scaling)),
    [8, 9, 10, 11, 12, 14, 15],
  );
  assert.equal(applyRlAction({ delta: -2 }, 3, scaling), 2);
  assert.equal(applyRlAction({ factor: 1.5 }, 40, scaling), 50);
  assert.equal(applyRlAction({ delta: 4 }, 48, scaling), 50);
  assert.equal(applyRlAction({ factor: 1.5 }, 3, scaling), 5);
});

test('in a run the replicas stay within min/max whatever the agent picks', async () => {
  const input = constantRateInput(config, new Array(1800).fill(400), 10, 1_700_006_400);
  for (const [label, bound] of [
    [{ factor: 1.5 }, 50],
    [{ delta: -2 }, 2],
  ] as const) {
    const replicas: number[] = [];
    const policy = rlPolicy({ name: 'rl', syncPeriodSeconds: 15, scaling, choose: () => indexOf(label) });
    await simulate(policy, input, { onDecision: (_t, d) => replicas.push(d.replicas) });
    assert.ok(replicas.every((r) => r >= 2 && r <= 50));
    assert.equal(replicas.at(-1), bound);
  }
});
