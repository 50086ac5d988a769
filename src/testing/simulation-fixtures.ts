import { resolve } from 'node:path';
import { readTraceFile } from '../collector/index.js';
import { resampleToStep } from '../preprocessor/index.js';
import { parseSimulationConfig, type SimulationConfig } from '../simulator/config.js';
import { buildQueueTable, type QueueTable } from '../simulator/queueing.js';
import { buildScenario, type Scenario, scenarioArrivals, simulationInput } from '../simulator/scenario.js';
import type { SimulationInput } from '../simulator/simulate.js';
import { repoRoot } from './paths.js';

/** The nasa-jul95 split (`data/datasets.json`): training 1–15 July 04:00 UTC, test the next 7 days. */
export const NASA_SPLIT = { trainStartSeconds: 804_571_200, trainEndSeconds: 805_780_800, testEndSeconds: 806_385_600 };

let queueCache: { key: string; table: QueueTable } | null = null;

/** The queue table of a config, built once per process (it takes a fraction of a second). */
export function queueTableFor(config: SimulationConfig): QueueTable {
  const key = JSON.stringify([config.cluster.pod.service, config.slo.latencyP95Seconds]);
  if (queueCache?.key !== key) {
    queueCache = { key, table: buildQueueTable(config.cluster.pod.service, config.slo.latencyP95Seconds) };
  }
  return queueCache.table;
}

/**
 * A run's input on the bundled NASA trace, for tests and benchmarks: the first `seconds` of the test week,
 * scaled and with arrivals drawn as the experiment does. `transformArrivals` lets a test perturb them.
 */
export async function nasaSimulationInput(options: {
  readonly seconds: number;
  readonly seed?: number;
  readonly config?: SimulationConfig;
  readonly transformArrivals?: (arrivals: Float64Array, startSeconds: number) => void;
}): Promise<{ input: SimulationInput; config: SimulationConfig; scenario: Scenario }> {
  const config = options.config ?? parseSimulationConfig({});
  const seed = options.seed ?? 1;
  const trace = await readTraceFile(resolve(repoRoot, 'data/nasa_jul95_requests_per_minute.csv'));
  const series = resampleToStep(trace.series, { stepSeconds: 60, aggregation: 'mean' });
  const scenario = buildScenario(series, NASA_SPLIT, config, options.seconds);
  const arrivals = scenarioArrivals(scenario, config, seed);
  options.transformArrivals?.(arrivals, scenario.startSeconds);
  return { config, scenario, input: simulationInput(scenario, config, queueTableFor(config), arrivals, seed) };
}

/**
 * A run's input with a given request rate per second from `startSeconds`, no arrival noise beyond what the
 * config says, and a flat hour of history at the first rate.
 */
export function constantRateInput(
  config: SimulationConfig,
  rates: readonly number[],
  initialReplicas: number,
  startSeconds: number,
): SimulationInput {
  const arrivals = Float64Array.from(rates);
  return {
    cluster: config.cluster,
    queue: queueTableFor(config),
    startSeconds,
    endSeconds: startSeconds + rates.length,
    arrivals,
    rate: arrivals,
    perPodRate: config.perPodRate,
    history: { startSeconds: startSeconds - 3600, stepSeconds: 60, values: new Float64Array(60).fill(rates[0]) },
    initialReplicas,
    seed: 1,
  };
}
