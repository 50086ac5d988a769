import { SUMMARY_FIELDS, type SummaryAggregate } from '../simulator/summary.js';
import type { BacktestSuiteResult } from './backtest-suite.js';
import type { ExperimentResult } from './experiment.js';
import { type CostPoint, type EqualCostRow, equalCostRow, frontierRows, paretoFrontier } from './frontier.js';
import type { PolicyName } from './policy-names.js';
import { type MeanInterval, meanInterval, type PairedTest, pairedTTest } from './statistics.js';

/*
 * `prescale study` (docs/study.md): the study's plan, its steps and the sections of study.json each step
 * contributes, with each step's provenance. Pure: the CLI runs the steps (backtest suite, experiment, ablations) and hands their results here.
 */

/** Bumped whenever a key of study.json changes meaning (docs/study.md lists them). */
export const STUDY_SCHEMA_VERSION = 1;

/**
 * The steps, in the order they run; each writes its outputs under `DIR/<step>/` and a marker when done. The
 * per-model runs are a step of their own, after the experiment (whose HPA sweep they are read against), so a
 * study whose earlier steps finished before that step existed resumes with them.
 */
export const STUDY_STEPS = ['accuracy', 'experiment', 'forecasters', 'ablations'] as const;

/** A step of the study. */
export type StudyStep = (typeof STUDY_STEPS)[number];

/** The policies of the experiment step (hpa-tuned is a sweep point's job now: the HPA across targets). */
export const STUDY_POLICIES: readonly PolicyName[] = ['hpa', 'prescale', 'oracle', 'oracle-cost', 'static', 'rl'];

/** The models of the quick accuracy and forecasters steps: the ones that fit in seconds. */
export const QUICK_MODELS = ['naive', 'seasonal-naive', 'ets', 'ceemdan-ets'] as const;

/**
 * The forecasters of the full study's per-model Prescale runs: the classic models, Prophet (the default), LSTM,
 * GRU and auto. A Prescale run refits its model daily, and a neural refit continues warm from the serving network
 * (`src/models/neural/warm-start.ts`), in the simulator as in the service: one 7-day NASA run with LSTM took 122 s
 * of CPU (GRU 125 s; ETS 7 s), so ~37 min per neural model over 5 seeds and the four traces, ~1.25 h for both.
 * prophet-lstm is left out: at 156 s a run, ~48 min more would take the neural ones to ~2.1 h (docs/experiments.md);
 * its accuracy is still measured in the accuracy step.
 */
export const FORECASTER_MODELS = ['naive', 'seasonal-naive', 'ets', 'mstl', 'prophet', 'lstm', 'gru', 'auto'] as const;

/**
 * Prescale with one part taken away, each a config laid over the experiment's (as `--config FILE` would).
 * The anomaly filter is off by default (docs/anomaly-filter.md), so its ablation turns it on: the row reads
 * as "what the filter would change".
 */
export const ABLATIONS = [
  {
    name: 'no-forecast',
    what: "no forecast: no model is fitted, so the fallback publishes the planner's reactive value (floor only)",
    override: { policies: { prescale: { forecast: false } } },
  },
  {
    name: 'point-forecast',
    what: 'point forecast without interval: plan on the median (quantile 0.5)',
    override: { workload: { spec: { prediction: { quantile: 0.5 } } } },
  },
  {
    name: 'no-reactive-floor',
    what: "no reactive floor: the planner may plan below the HPA's reactive recommendation",
    override: { workload: { spec: { planner: { reactiveFloor: false } } } },
  },
  {
    name: 'anomaly-filter-on',
    what: 'anomaly filter on: fit on training data cleaned of isolated spikes (off by default)',
    override: { workload: { spec: { prediction: { filterAnomalies: true } } } },
  },
  {
    name: 'no-fallback',
    what: 'no fallback on forecast error: fallback.maxError far above any error',
    override: { workload: { spec: { fallback: { maxError: 1e9 } } } },
  },
] as const;

/** An ablation's name. */
export type AblationName = (typeof ABLATIONS)[number]['name'];

/** What a study runs; written into study.json and each step's marker, so a rerun with another plan is refused. */
export interface StudyPlan {
  readonly quick: boolean;
  readonly seeds: number;
  /** Simulate only this many seconds of each test period; null = the whole period. */
  readonly limitSeconds: number | null;
  readonly accuracy: {
    /** The datasets file, as given (relative to the working directory when inside it). */
    readonly datasetsFile: string;
    readonly datasets: readonly string[];
    readonly models: readonly string[];
    /** Backtest only this many seconds after each dataset's training end; null = its whole test period. */
    readonly testSeconds: number | null;
  };
  /** The experiment's traces, per datasets file (the experiment reads one file a run). */
  readonly experiment: readonly { readonly datasetsFile: string; readonly datasets: readonly string[] }[];
  /** Prescale with each of these models as its forecaster, on the experiment's traces and seeds. */
  readonly forecasters: { readonly models: readonly string[] };
}

/**
 * The part of the plan a step's outputs depend on: a finished step is reused when its part is unchanged, so a
 * plan that gains a field for a new step (as `forecasters` did) does not redo the steps that finished before.
 */
export function stepPlan(plan: StudyPlan, step: StudyStep): unknown {
  const simulated = {
    quick: plan.quick,
    seeds: plan.seeds,
    limitSeconds: plan.limitSeconds,
    experiment: plan.experiment,
  };
  switch (step) {
    case 'accuracy':
      return { quick: plan.quick, accuracy: plan.accuracy };
    case 'experiment':
    case 'ablations':
      return simulated;
    case 'forecasters':
      return { ...simulated, forecasters: plan.forecasters };
  }
}

/** Where and when a step's outputs were made (study.json `provenance.<step>`). */
export interface StepProvenance {
  /** The checkout's commit, and whether it had uncommitted changes; null when unknown (a step finished before
   * provenance was recorded, or run outside a git checkout). */
  readonly commit: string | null;
  readonly dirty: boolean | null;
  /** When the step finished (ISO 8601). */
  readonly finishedAt: string;
  /** The step's part of the plan (`stepPlan`). */
  readonly plan: unknown;
}

/** A figure over seeds: mean, spread, the 95 % t interval and the per-seed values (seed 1 first). */
export interface SeedStatistic {
  readonly n: number;
  readonly mean: number;
  readonly std: number;
  readonly ci95: { readonly lower: number | null; readonly upper: number | null };
  readonly values: readonly number[];
}

function seedStatistic(values: readonly number[]): SeedStatistic {
  const ci: MeanInterval = meanInterval(values, 0.95);
  return { n: ci.n, mean: ci.mean, std: ci.std, ci95: { lower: ci.lower, upper: ci.upper }, values };
}

/** Every figure of a policy over seeds (the simulator's summary fields). */
export type PolicyStatistics = Record<(typeof SUMMARY_FIELDS)[number], SeedStatistic>;

function policyStatistics(aggregate: SummaryAggregate): PolicyStatistics {
  return Object.fromEntries(
    SUMMARY_FIELDS.map((field) => [field, seedStatistic(aggregate[field].values)]),
  ) as PolicyStatistics;
}

/** One model's accuracy on one dataset: the mean over horizons 1..H, in the shared scorer's measures. */
export interface ModelAccuracy {
  readonly rmse: number | null;
  readonly mae: number | null;
  readonly wape: number | null;
  readonly rmseVsSnaive: number | null;
  /** Null for a model without intervals. */
  readonly coverage80: number | null;
  readonly pinball90Hi: number | null;
  /** Fits over the test period (the protocol refits daily) and their mean wall time. */
  readonly fits: number;
  readonly fitMillisecondsPerFit: number;
  readonly forecastMillisecondsPerOrigin: number;
}

/** study.json `accuracy.datasets.<name>`. */
export interface DatasetAccuracy {
  readonly stepSeconds: number;
  readonly horizonSteps: number;
  readonly origins: number;
  readonly models: Record<string, ModelAccuracy>;
}

/** The accuracy step's section for one dataset's backtest suite. */
export function datasetAccuracy(result: BacktestSuiteResult): DatasetAccuracy {
  return {
    stepSeconds: result.plan.stepSeconds,
    horizonSteps: result.plan.horizonSteps,
    origins: result.results[0]?.forecasts.originsSeconds.length ?? 0,
    models: Object.fromEntries(
      result.results.map(({ forecasts, scores }) => {
        const s = scores.mean1ToH;
        return [
          forecasts.model,
          {
            rmse: s.rmse,
            mae: s.mae,
            wape: s.wape,
            rmseVsSnaive: s.rmseVsSnaive,
            coverage80: s.coverage80,
            pinball90Hi: s.pinball90Hi,
            fits: forecasts.fitMilliseconds.length,
            fitMillisecondsPerFit: Math.round(
              forecasts.fitMilliseconds.reduce((a, b) => a + b, 0) / Math.max(1, forecasts.fitMilliseconds.length),
            ),
            forecastMillisecondsPerOrigin: forecasts.forecastMilliseconds / forecasts.originsSeconds.length,
          },
        ];
      }),
    ),
  };
}

/** study.json `experiment.datasets.<name>`. */
export interface DatasetStudy {
  readonly startSeconds: number;
  readonly endSeconds: number;
  readonly policies: Partial<Record<PolicyName, PolicyStatistics>>;
  /** Prescale − HPA paired by seed (same arrivals and pod delays); null unless both ran. */
  readonly prescaleVsHpa: { readonly sloViolationMinutes: PairedTest; readonly cost: PairedTest } | null;
  /** Every non-HPA point of the sweep (and oracle-cost) read against the HPA's frontier at equal cost. */
  readonly equalCost: readonly EqualCostRow[];
  /** The HPA's sweep points (means over seeds), for reading other runs against its frontier. */
  readonly hpaSweep: readonly (CostPoint & { readonly setting: string })[];
}

/** The experiment step's section: per dataset, each policy over seeds, the paired test and the equal-cost rows. */
export function experimentSection(result: ExperimentResult): Record<string, DatasetStudy> {
  return Object.fromEntries(
    result.datasets.map((d) => {
      const { hpa, prescale } = d.aggregates;
      const paired = (field: 'sloViolationMinutes' | 'cost') =>
        pairedTTest(prescale![field].values, hpa![field].values);
      const study: DatasetStudy = {
        startSeconds: d.startSeconds,
        endSeconds: d.endSeconds,
        policies: Object.fromEntries(
          Object.entries(d.aggregates).map(([policy, aggregate]) => [policy, policyStatistics(aggregate!)]),
        ),
        prescaleVsHpa:
          hpa && prescale ? { sloViolationMinutes: paired('sloViolationMinutes'), cost: paired('cost') } : null,
        equalCost: frontierRows(d),
        hpaSweep: d.sweep
          .filter((p) => p.policy === 'hpa')
          .map((p) => ({
            setting: p.setting,
            cost: p.aggregate.cost.mean,
            minutes: p.aggregate.sloViolationMinutes.mean,
          })),
      };
      return [d.dataset.name, study];
    }),
  );
}

/**
 * The section of a step of Prescale variants (the ablations, the forecasters): per dataset, each variant's
 * Prescale over seeds.
 */
export function variantSection<Name extends string>(
  results: readonly { readonly name: Name; readonly result: ExperimentResult }[],
): Record<string, Partial<Record<Name, PolicyStatistics>>> {
  const section: Record<string, Partial<Record<Name, PolicyStatistics>>> = {};
  for (const { name, result } of results) {
    for (const d of result.datasets) {
      const prescale = d.aggregates.prescale;
      if (prescale) section[d.dataset.name] = { ...section[d.dataset.name], [name]: policyStatistics(prescale) };
    }
  }
  return section;
}

/** The sections the steps wrote, by step. */
export interface StudySections {
  readonly accuracy: Record<string, DatasetAccuracy>;
  readonly experiment: Record<string, DatasetStudy>;
  /** Per dataset, Prescale with each model as its forecaster. */
  readonly forecasters: Record<string, Record<string, PolicyStatistics>>;
  readonly ablations: Record<string, Partial<Record<AblationName, PolicyStatistics>>>;
}

/** study.json `forecasters.datasets.<dataset>.<model>`: Prescale with that model, and its equal-cost reading. */
export interface ForecasterStudy {
  readonly figures: PolicyStatistics;
  /** Read against the HPA frontier of the experiment step (null when that step recorded no HPA sweep). */
  readonly equalCost: EqualCostRow | null;
}

/** Each model's Prescale run read against its dataset's HPA frontier at equal cost. */
export function forecasterStudies(sections: StudySections): Record<string, Record<string, ForecasterStudy>> {
  return Object.fromEntries(
    Object.entries(sections.forecasters).map(([dataset, models]) => {
      const sweep = sections.experiment[dataset]?.hpaSweep;
      const frontier = sweep ? paretoFrontier(sweep) : null;
      const studies = Object.entries(models).map(([model, figures]) => {
        const point = {
          policy: 'prescale',
          setting: `model ${model}`,
          configured: false,
          cost: figures.cost.mean,
          minutes: figures.sloViolationMinutes.mean,
        };
        return [model, { figures, equalCost: frontier && equalCostRow(frontier, point) }];
      });
      return [dataset, Object.fromEntries(studies)];
    }),
  );
}

/** study.json: every number of the study under stable keys (docs/study.md), wall seconds per step apart. */
export function studyJson(
  plan: StudyPlan,
  sections: StudySections,
  provenance: Record<StudyStep, StepProvenance>,
  stepSeconds: Record<StudyStep, number>,
) {
  return {
    schemaVersion: STUDY_SCHEMA_VERSION,
    plan,
    provenance,
    accuracy: { datasets: sections.accuracy },
    experiment: { datasets: sections.experiment },
    forecasters: { models: plan.forecasters.models, datasets: forecasterStudies(sections) },
    ablations: {
      variants: Object.fromEntries(ABLATIONS.map((a) => [a.name, { what: a.what, override: a.override }])),
      datasets: sections.ablations,
    },
    timings: { stepSeconds },
  };
}
