import type { Series } from '../core/index.js';
import type { SimulationConfig } from './config.js';
import { arrivalsPerSecond, bucketRates, meanRate, type ScaledLoad, scaleTrace } from './load.js';
import type { QueueTable } from './queueing.js';
import { createRandom } from './random.js';
import type { SimulationInput } from './simulate.js';

/** A trace's train/test split, unix seconds (the benchmark datasets' fields). */
export interface TraceSplit {
  readonly trainStartSeconds: number;
  readonly trainEndSeconds: number;
  readonly testEndSeconds: number;
}

/**
 * One trace made ready to simulate: scaled so the test period's peak needs `load.peakPods` pods, the
 * simulated period (the test period, or its first `limitSeconds`), the load history Prometheus holds at
 * its start (the training split at `metric.step`), and the noise-free rate of each simulated second.
 */
export interface Scenario {
  readonly load: ScaledLoad;
  readonly split: TraceSplit;
  readonly startSeconds: number;
  readonly endSeconds: number;
  readonly history: Series;
  readonly rate: Float64Array;
}

/** Builds the scenario of `series` (the trace at its own step) under `config`. */
export function buildScenario(
  series: Series,
  split: TraceSplit,
  config: SimulationConfig,
  limitSeconds?: number,
): Scenario {
  const load = scaleTrace(series, {
    peakPods: config.load.peakPods,
    perPodRate: config.perPodRate,
    peakFromSeconds: split.trainEndSeconds,
    peakToSeconds: split.testEndSeconds,
  });
  const startSeconds = split.trainEndSeconds;
  const endSeconds =
    limitSeconds === undefined ? split.testEndSeconds : Math.min(split.testEndSeconds, startSeconds + limitSeconds);
  const rate = new Float64Array(endSeconds - startSeconds);
  for (let s = 0; s < rate.length; s++) rate[s] = meanRate(load, startSeconds + s, startSeconds + s + 1);
  const history = bucketRates(load, split.trainStartSeconds, startSeconds, config.workload.metric.stepSeconds);
  return { load, split, startSeconds, endSeconds, history, rate };
}

/** The requests of each simulated second for `seed` (Poisson noise per the config), shared by every policy. */
export function scenarioArrivals(scenario: Scenario, config: SimulationConfig, seed: number): Float64Array {
  return arrivalsPerSecond(
    scenario.load,
    scenario.startSeconds,
    scenario.endSeconds,
    config.load.noise,
    createRandom(seed, 'arrivals'),
  );
}

/** What the first second's load needs at the capacity per pod, within the workload's min/max. */
export function initialReplicas(scenario: Scenario, config: SimulationConfig): number {
  const { minReplicas, maxReplicas } = config.workload.policy;
  return Math.min(maxReplicas, Math.max(minReplicas, Math.ceil(scenario.rate[0] / config.perPodRate)));
}

/** The input of one run of the scenario. */
export function simulationInput(
  scenario: Scenario,
  config: SimulationConfig,
  queue: QueueTable,
  arrivals: Float64Array,
  seed: number,
  replicasAtStart = initialReplicas(scenario, config),
): SimulationInput {
  return {
    cluster: config.cluster,
    queue,
    startSeconds: scenario.startSeconds,
    endSeconds: scenario.endSeconds,
    arrivals,
    rate: scenario.rate,
    perPodRate: config.perPodRate,
    history: scenario.history,
    initialReplicas: replicasAtStart,
    seed,
  };
}
