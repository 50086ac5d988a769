import { PrescaleError } from '../core/index.js';
import type { PodProfile } from '../planner/types.js';
import type { SimulationConfig } from '../simulator/config.js';
import type { ScaledLoad } from '../simulator/load.js';
import { costOptimalOraclePolicy } from '../simulator/policies/cost-optimal.js';
import { hpaPolicy } from '../simulator/policies/hpa.js';
import { integrationHpa, liveServicePolicy } from '../simulator/policies/live.js';
import { plannedPolicy, trueFutureSource } from '../simulator/policies/planned.js';
import { type RlChooser, rlPolicy } from '../simulator/policies/rl.js';
import { staticPolicy } from '../simulator/policies/static.js';
import { buildQueueTable, type QueueTable } from '../simulator/queueing.js';
import { buildScenario, type Scenario, scenarioArrivals, simulationInput } from '../simulator/scenario.js';
import { type SimulationInput, type SimulationRecord, simulate } from '../simulator/simulate.js';
import { aggregateSummaries, type RunSummary, type SummaryAggregate, summarize } from '../simulator/summary.js';
import type { AutoscalingPolicy } from '../simulator/types.js';
import { type LoadedDataset, loadDataset } from './datasets.js';
import type { SweepPoint, SweepVariant } from './frontier.js';
import type { PolicyName } from './policy-names.js';
import { loadRlChooser, rlScaling } from './rl-training.js';

/** What `prescale experiment` (and `npm start`) runs. */
export interface ExperimentOptions {
  readonly datasets: readonly string[];
  readonly datasetsPath: string;
  readonly policies: readonly PolicyName[];
  /** Seeds 1..seeds (pod delays and arrival noise). */
  readonly seeds: number;
  readonly config: SimulationConfig;
  /** Simulate only the first this many seconds of each test period (quick looks and tests). */
  readonly limitSeconds?: number;
  readonly signal?: AbortSignal;
  /** Progress per task (`<dataset> <policy>`): simulated seconds done over the total for all seeds. */
  readonly onProgress?: (task: string, done: number, total: number) => void;
  /** Operating points to run beside the policies (`--sweep`), on the same seeds' arrivals and pod delays. */
  readonly sweep?: readonly SweepVariant[];
}

/** One run: a policy on a dataset with one seed. */
export interface ExperimentRun {
  readonly policy: PolicyName;
  readonly seed: number;
  readonly record: SimulationRecord;
  readonly summary: RunSummary;
}

/** A dataset's simulated period and everything run on it. */
export interface DatasetExperiment {
  readonly dataset: LoadedDataset;
  readonly startSeconds: number;
  readonly endSeconds: number;
  /** Requests/s per trace unit, and the noise-free request rate per second of the period. */
  readonly load: ScaledLoad;
  readonly rate: Float64Array;
  /** The model Prescale used and its fits (moment, wall ms) for seed 1. */
  readonly model: string | null;
  readonly fits: readonly { readonly atSeconds: number; readonly milliseconds: number }[];
  readonly runs: readonly ExperimentRun[];
  readonly aggregates: Readonly<Partial<Record<PolicyName, SummaryAggregate>>>;
  /** The sweep's operating points (empty without `--sweep`). */
  readonly sweep: readonly SweepPoint[];
}

/** The whole experiment. */
export interface ExperimentResult {
  readonly datasets: readonly DatasetExperiment[];
  readonly queue: QueueTable;
  readonly wallMilliseconds: number;
}

/** A dataset and its scenario. */
interface DatasetSetup {
  readonly loaded: LoadedDataset;
  readonly scenario: Scenario;
}

/** Loads a dataset and builds its scenario (scaled load, simulated period, history). */
async function setUpDataset(name: string, options: ExperimentOptions): Promise<DatasetSetup> {
  const loaded = await loadDataset(name, options.datasetsPath);
  const { dataset } = loaded;
  const split = {
    trainStartSeconds: dataset.train_start,
    trainEndSeconds: dataset.train_end,
    testEndSeconds: dataset.test_end,
  };
  return { loaded, scenario: buildScenario(loaded.series, split, options.config, options.limitSeconds) };
}

/** The policy named `name` for one seed's run. */
function createPolicy(
  name: PolicyName,
  config: SimulationConfig,
  setup: DatasetSetup,
  input: SimulationInput,
  rl: RlChooser | null,
): { policy: AutoscalingPolicy; fits?: readonly { atSeconds: number; milliseconds: number }[] } {
  const { workload } = config;
  const pod: PodProfile = {
    loadPerPod: config.perPodRate,
    cpuRequestMillicores: config.cluster.pod.cpuRequestMillicores,
    costPerHour: config.cluster.costPerPodHour,
  };
  const step = workload.metric.stepSeconds;
  const horizonSteps = Math.max(1, Math.ceil(workload.predictionHorizonSeconds / step));
  switch (name) {
    case 'hpa':
      return { policy: hpaPolicy({ name, spec: config.hpa, syncPeriodSeconds: config.hpaSyncPeriodSeconds }) };
    case 'hpa-tuned':
      return { policy: hpaPolicy({ name, spec: config.hpaTuned, syncPeriodSeconds: config.hpaSyncPeriodSeconds }) };
    case 'static':
      return {
        policy: staticPolicy({ replicas: config.staticReplicas, syncPeriodSeconds: config.hpaSyncPeriodSeconds }),
      };
    case 'oracle': {
      const oracle = plannedPolicy({
        name,
        policy: workload.policy,
        pod,
        source: trueFutureSource({
          arrivals: input.arrivals,
          startSeconds: setup.scenario.startSeconds,
          stepSeconds: step,
          horizonSteps,
        }),
      });
      return { policy: config.prescale.hpa === null ? oracle : integrationHpa(oracle, config.prescale.hpa) };
    }
    case 'oracle-cost':
      return {
        policy: costOptimalOraclePolicy({
          name,
          input,
          slo: config.slo,
          minReplicas: workload.policy.minReplicas,
          maxReplicas: workload.policy.maxReplicas,
          syncPeriodSeconds: workload.policy.syncPeriodSeconds,
        }),
      };
    case 'rl':
      if (rl === null) throw new Error('createPolicy: the RL agent was not loaded');
      return {
        policy: rlPolicy({
          name,
          syncPeriodSeconds: workload.policy.syncPeriodSeconds,
          scaling: rlScaling(config),
          choose: rl,
        }),
      };
    case 'prescale': {
      const live = liveServicePolicy({
        name,
        workload: config.prescale.workload,
        loop: config.prescale.loop,
        queries: config.prescale.queries,
        syncPeriodSeconds: workload.policy.syncPeriodSeconds,
        forecast: config.prescale.forecast,
      });
      const outage =
        config.prescale.outage === null
          ? null
          : {
              fromSeconds: setup.scenario.startSeconds + config.prescale.outage.startSeconds,
              toSeconds:
                setup.scenario.startSeconds +
                config.prescale.outage.startSeconds +
                config.prescale.outage.durationSeconds,
            };
      return {
        policy: config.prescale.hpa === null ? live : integrationHpa(live, config.prescale.hpa, undefined, outage),
        fits: live.fits,
      };
    }
  }
}

/**
 * Runs every policy on every dataset's test period for each seed (docs/simulator.md). Seed s draws the
 * arrival noise and the pod delays; every policy of a seed sees the same arrivals and the same sequence
 * of pod delays (common random numbers), so differences between policies are not noise.
 */
export async function runExperiment(options: ExperimentOptions): Promise<ExperimentResult> {
  const started = performance.now();
  const { config } = options;
  if (!(Number.isInteger(options.seeds) && options.seeds >= 1)) {
    throw new PrescaleError(
      'invalid-input',
      `--seeds: ${options.seeds} is not a whole number ≥ 1; give how many seeds to run`,
      {
        field: '--seeds',
      },
    );
  }
  const model = options.policies.includes('prescale') ? config.workload.model : null;
  const queue = buildQueueTable(config.cluster.pod.service, config.slo.latencyP95Seconds);
  // The RL agent's network is read once (asynchronously) before any run; its greedy choice is pure after that.
  const rl = options.policies.includes('rl') ? await loadRlChooser(config) : null;
  const setups: DatasetSetup[] = [];
  for (const name of options.datasets) setups.push(await setUpDataset(name, options));
  const datasets: DatasetExperiment[] = [];
  for (const setup of setups) {
    const runs: ExperimentRun[] = [];
    let fitsOfFirstSeed: readonly { atSeconds: number; milliseconds: number }[] = [];
    const { scenario } = setup;
    const period = scenario.endSeconds - scenario.startSeconds;
    const total = period * options.seeds;
    const ownRuns = (options.sweep ?? []).filter((v) => v.config !== null);
    const sweepSummaries = ownRuns.map(() => [] as RunSummary[]);
    const sweepTask = `${setup.loaded.name} sweep (${ownRuns.length} points)`;
    for (let seed = 1; seed <= options.seeds; seed++) {
      const arrivals = scenarioArrivals(scenario, config, seed);
      for (const name of options.policies) {
        const input = simulationInput(
          scenario,
          config,
          queue,
          arrivals,
          seed,
          name === 'static' ? config.staticReplicas : undefined,
        );
        const { policy, fits } = createPolicy(name, config, setup, input, rl);
        const task = `${setup.loaded.name} ${name}`;
        const done = (seed - 1) * period;
        const record = await simulate(policy, input, {
          signal: options.signal,
          onProgress: (p) => options.onProgress?.(task, done + p.doneSeconds, total),
        });
        if (seed === 1 && fits) fitsOfFirstSeed = fits;
        runs.push({ policy: name, seed, record, summary: summarize(record, config.slo) });
      }
    }
    // The sweep's points on each seed's arrivals and pod delays, like every policy of the seed. They run after
    // the policies: a process's earlier Prophet fits change later ones slightly (docs/simulator.md), so running
    // them first would change the configured policies' figures against a run without --sweep.
    for (let seed = 1; seed <= options.seeds && ownRuns.length > 0; seed++) {
      const arrivals = scenarioArrivals(scenario, config, seed);
      for (const [i, variant] of ownRuns.entries()) {
        const variantConfig = variant.config!;
        const input = simulationInput(scenario, variantConfig, queue, arrivals, seed);
        const { policy } = createPolicy(variant.policy, variantConfig, setup, input, rl);
        const done = ((seed - 1) * ownRuns.length + i) * period;
        const record = await simulate(policy, input, {
          signal: options.signal,
          onProgress: (p) => options.onProgress?.(sweepTask, done + p.doneSeconds, total * ownRuns.length),
        });
        sweepSummaries[i].push(summarize(record, variantConfig.slo));
      }
    }
    const aggregates: Partial<Record<PolicyName, SummaryAggregate>> = {};
    for (const name of options.policies) {
      aggregates[name] = aggregateSummaries(runs.filter((run) => run.policy === name).map((run) => run.summary));
    }
    const sweep = (options.sweep ?? []).map((variant): SweepPoint => {
      const own = ownRuns.indexOf(variant);
      const aggregate = own >= 0 ? aggregateSummaries(sweepSummaries[own]) : aggregates[variant.policy];
      if (aggregate === undefined) {
        throw new PrescaleError(
          'invalid-input',
          `--sweep: ${variant.policy} as configured is a point of the sweep; add it to --policies`,
          { field: '--policies' },
        );
      }
      const { policy, setting, value } = variant;
      return { policy, setting, value, configured: variant.config === null, aggregate };
    });
    datasets.push({
      sweep,
      dataset: setup.loaded,
      startSeconds: scenario.startSeconds,
      endSeconds: scenario.endSeconds,
      load: scenario.load,
      rate: scenario.rate,
      model,
      fits: fitsOfFirstSeed,
      runs,
      aggregates,
    });
  }
  return { datasets, queue, wallMilliseconds: performance.now() - started };
}
