import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nasaSimulationInput } from '../../testing/simulation-fixtures.js';
import { parseSimulationConfig, type SimulationConfig } from '../config.js';
import { simulate } from '../simulate.js';
import type { AutoscalingPolicy } from '../types.js';
import { integrationHpa, liveServicePolicy } from './live.js';
import { plannedPolicy, trueFutureSource } from './planned.js';

// Re-fit every hour so the 4 hours below cross refits before and after the perturbation.
const config = parseSimulationConfig({ workload: { spec: { model: 'naive', prediction: { retrainEvery: '1h' } } } });
const HOURS = 4;
const PERTURB_AFTER = 2 * 3600;

/** Prescale exactly as the experiment runs it: the service's loop, behind the integration HPA. */
function prescale(cfg: SimulationConfig) {
  const live = liveServicePolicy({
    name: 'prescale',
    workload: cfg.prescale.workload,
    loop: cfg.prescale.loop,
    queries: cfg.prescale.queries,
    syncPeriodSeconds: 15,
  });
  return { live, policy: integrationHpa(live, cfg.prescale.hpa!) };
}

type Decision = { t: number; replicas: number; reason: string };

/** Every decision of a run (time relative to the start, replicas, reason) and the policy used. */
async function decisions(
  makePolicy: (arrivals: Float64Array, startSeconds: number) => AutoscalingPolicy,
  perturb: boolean,
) {
  const { input } = await nasaSimulationInput({
    seconds: HOURS * 3600,
    config,
    transformArrivals: (arrivals) => {
      // After t, a surge to 2.5× the trace.
      if (perturb) for (let s = PERTURB_AFTER; s < arrivals.length; s++) arrivals[s] *= 2.5;
    },
  });
  const out: Decision[] = [];
  const policy = makePolicy(input.arrivals, input.startSeconds);
  await simulate(policy, input, {
    onDecision: (now, d) => out.push({ t: now - input.startSeconds, replicas: d.replicas, reason: d.reason }),
  });
  return out;
}

const upTo = (list: Decision[]) => list.filter((d) => d.t <= PERTURB_AFTER);
const after = (list: Decision[]) => list.filter((d) => d.t > PERTURB_AFTER).map((d) => d.replicas);

test('Prescale never sees the future: perturbing the load after t leaves every decision up to t unchanged', async () => {
  const runs: ReturnType<typeof prescale>[] = [];
  const make = () => {
    const run = prescale(config);
    runs.push(run);
    return run.policy;
  };
  const original = await decisions(make, false);
  const perturbed = await decisions(make, true);
  assert.equal(original.length, (HOURS * 3600) / 15 - 1);
  assert.ok(upTo(original).length > 400);
  assert.deepEqual(upTo(perturbed), upTo(original));
  // The service published the same values up to t too, and re-fitted its model on the way.
  const publishedUpTo = (i: number) =>
    runs[i].live.published.filter(
      (d) => d.timestampSeconds - runs[i].live.published[0].timestampSeconds < PERTURB_AFTER,
    );
  assert.deepEqual(publishedUpTo(1), publishedUpTo(0));
  assert.ok(runs[0].live.fits.length >= 4, `${runs[0].live.fits.length} fits`);
  // The surge does change what Prescale does afterwards, so the comparison above means something.
  assert.notDeepEqual(after(perturbed), after(original));
  assert.ok(Math.max(...after(perturbed)) > Math.max(...after(original)));
});

test('the same check catches a policy that reads the future: the oracle changes its decisions before t', async () => {
  const makeOracle = (arrivals: Float64Array, startSeconds: number) =>
    plannedPolicy({
      name: 'oracle',
      policy: config.workload.policy,
      pod: { loadPerPod: config.perPodRate, cpuRequestMillicores: 1000, costPerHour: config.cluster.costPerPodHour },
      source: trueFutureSource({ arrivals, startSeconds, stepSeconds: 60, horizonSteps: 10 }),
    });
  const original = await decisions(makeOracle, false);
  const perturbed = await decisions(makeOracle, true);
  assert.notDeepEqual(upTo(perturbed), upTo(original));
});

test('the service starts with a model fitted on the training split and serves from the first sync', async () => {
  const { input } = await nasaSimulationInput({ seconds: 600, config });
  const { live, policy } = prescale(config);
  await simulate(policy, input);
  assert.equal(live.fits.length, 1);
  // Fitted during the warm-up syncs just before the start, when Prometheus held only the history.
  const fittedAt = live.fits[0].atSeconds;
  assert.ok(
    fittedAt < input.startSeconds && fittedAt >= input.startSeconds - 300,
    String(fittedAt - input.startSeconds),
  );
  assert.ok(live.published.length > 0);
  assert.equal(live.published[0].source, 'plan', live.published[0].reason);
});
