import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modelDefinition } from '../../models/registry.js';
import { parseSimulationConfig, type SimulationConfig } from '../config.js';
import { nasaSimulationInput } from '../fixtures.js';
import { simulate } from '../simulate.js';
import type { AutoscalingPolicy } from '../types.js';
import { modelForecastSource, plannedPolicy, trueFutureSource } from './planned.js';

// Re-fit every hour so the 4 hours below cross three re-fits, before and after the perturbation.
const config = parseSimulationConfig({ workload: { spec: { model: 'naive', prediction: { retrainEvery: '1h' } } } });
const HOURS = 4;
const PERTURB_AFTER = 2 * 3600;

function prescale(cfg: SimulationConfig, startSeconds: number) {
  const { workload } = cfg;
  return plannedPolicy({
    name: 'prescale',
    policy: workload.policy,
    pod: { loadPerPod: cfg.perPodRate, cpuRequestMillicores: 1000, costPerHour: cfg.cluster.costPerPodHour },
    source: modelForecastSource({
      forecaster: modelDefinition(workload.model).create({ seasonSeconds: 86400, horizonSteps: 10 }),
      horizonSteps: 10,
      level: 0.8,
      trainStartSeconds: startSeconds - 14 * 86400,
      firstFitSeconds: startSeconds,
      retrainEverySeconds: workload.prediction.retrainEverySeconds,
      historySeconds: workload.prediction.historySeconds,
    }),
  });
}

/** Every decision of a run: time (relative to the start), replicas and reason. */
async function decisions(
  makePolicy: (arrivals: Float64Array, startSeconds: number) => AutoscalingPolicy,
  perturb: boolean,
): Promise<{ t: number; replicas: number; reason: string }[]> {
  const { input } = await nasaSimulationInput({
    seconds: HOURS * 3600,
    config,
    transformArrivals: (arrivals) => {
      // After t, a surge to 2.5× the trace.
      if (perturb) for (let s = PERTURB_AFTER; s < arrivals.length; s++) arrivals[s] *= 2.5;
    },
  });
  const out: { t: number; replicas: number; reason: string }[] = [];
  await simulate(makePolicy(input.arrivals, input.startSeconds), input, {
    onDecision: (now, d) => out.push({ t: now - input.startSeconds, replicas: d.replicas, reason: d.reason }),
  });
  return out;
}

test('Prescale never sees the future: perturbing the load after t leaves every decision up to t unchanged', async () => {
  const makePrescale = (_arrivals: Float64Array, start: number) => prescale(config, start);
  const original = await decisions(makePrescale, false);
  const perturbed = await decisions(makePrescale, true);
  assert.equal(original.length, (HOURS * 3600) / 15 - 1);
  const upTo = (list: typeof original) => list.filter((d) => d.t <= PERTURB_AFTER);
  assert.ok(upTo(original).length > 400);
  assert.deepEqual(upTo(perturbed), upTo(original));
  // The surge does change what Prescale does afterwards (so the comparison above means something).
  const after = (list: typeof original) => list.filter((d) => d.t > PERTURB_AFTER).map((d) => d.replicas);
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
  const before = (list: typeof original) => list.filter((d) => d.t <= PERTURB_AFTER);
  assert.notDeepEqual(before(perturbed), before(original));
});
