import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PrescaleError, systemClock } from '../core/index.js';
import { readNamedText } from '../core/named-file.js';
import { BUNDLED_DATASETS_PATH } from '../experiments/datasets.js';
import type { ExperimentResult } from '../experiments/experiment.js';
import {
  EQUAL_COST_HEADER,
  equalCostCells,
  frontierRows,
  SWEEP_DEFAULTS,
  sweepVariants,
} from '../experiments/frontier.js';
import { POLICY_NAMES, type PolicyName, parsePolicyNames } from '../experiments/policy-names.js';
import { mergeConfig, parseSimulationConfig, SIMULATION_DEFAULTS } from '../simulator/config.js';
import type { Aggregate } from '../simulator/summary.js';
import { createProgressBars } from './progress.js';
import type { RegisterCommand } from './run.js';
import { formatTable } from './table.js';

/** What one experiment invocation needs; `prescale experiment` and `prescale start` both build one. */
export interface ExperimentInvocation {
  readonly datasets: readonly string[];
  readonly datasetsPath: string;
  readonly policies: readonly PolicyName[];
  readonly seeds: number;
  readonly outDir: string;
  /** The user's config (file contents), laid over the defaults. */
  readonly userConfig: unknown;
  readonly configSource: string;
  readonly limitSeconds?: number;
  /** The command line to record, as a user would type it again. */
  readonly command: string;
  /** Also run the frontier sweep (`--sweep`): the HPA across CPU targets, Prescale across quantiles. */
  readonly sweep?: boolean;
}

/** Reads a simulation config file (YAML or JSON), naming the file on any problem. */
export async function readSimulationConfigFile(path: string): Promise<unknown> {
  const text = await readNamedText(path, {
    field: '--config',
    fix: 'give an existing YAML or JSON file, e.g. from prescale experiment --print-config',
  });
  try {
    return parseYaml(text) ?? {};
  } catch (error) {
    throw new PrescaleError(
      'malformed-file',
      `${path}: not valid YAML or JSON (${(error as Error).message}); fix the syntax`,
      {
        field: path,
        cause: error,
      },
    );
  }
}

/** A relative change in percent, signed (`−72%`, `+8.1%`); `n/a` against zero. */
function change(value: number, reference: number): string {
  if (!(reference > 0)) return 'n/a';
  const percent = ((value - reference) / reference) * 100;
  return `${percent >= 0 ? '+' : '−'}${Math.abs(percent).toFixed(1)}%`;
}

/** `mean ± std` (just the mean for one seed). */
function cell(a: Aggregate, digits: number, seeds: number): string {
  return seeds > 1 ? `${a.mean.toFixed(digits)} ± ${a.std.toFixed(digits)}` : a.mean.toFixed(digits);
}

/** The results table printed at the end: one block per dataset, one row per policy. */
export function formatExperimentTable(result: ExperimentResult, seeds: number): string {
  const header = [
    'policy',
    'SLO-viol min',
    'cost $',
    'pod-h',
    'util %',
    'over pod-h',
    'under pod-h',
    'actions',
    'osc/h',
  ];
  const blocks: string[] = [];
  for (const d of result.datasets) {
    const rows = Object.entries(d.aggregates).map(([policy, a]) => [
      policy,
      cell(a!.sloViolationMinutes, 1, seeds),
      cell(a!.cost, 2, seeds),
      cell(a!.podHours, 1, seeds),
      cell(a!.meanUtilizationPercent, 1, seeds),
      cell(a!.overProvisionedPodHours, 1, seeds),
      cell(a!.underProvisionedPodHours, 1, seeds),
      cell(a!.scalingActions, 0, seeds),
      cell(a!.oscillationsPerHour, 2, seeds),
    ]);
    const days = ((d.endSeconds - d.startSeconds) / 86400).toFixed(1);
    const title = `dataset ${d.dataset.name}: ${days} days at 1 s, ${seeds} seed${seeds > 1 ? 's (mean ± std)' : ''}${d.model ? `, prescale model ${d.model}` : ''}`;
    const { hpa, prescale, oracle, rl } = d.aggregates;
    const versus = (name: string, a: typeof hpa) =>
      a && hpa
        ? `${name} ${change(a.sloViolationMinutes.mean, hpa.sloViolationMinutes.mean)} SLO-violation minutes at ${change(a.cost.mean, hpa.cost.mean)} cost`
        : null;
    const comparison = [versus('prescale', prescale), versus('oracle', oracle), versus('rl', rl)].filter(Boolean);
    const limit = d.aggregates['oracle-cost'];
    const distances = Object.entries(d.aggregates)
      .filter(([policy]) => policy !== 'oracle-cost')
      .map(([policy, a]) => `${policy} ${change(a!.cost.mean, limit?.cost.mean ?? 0)}`);
    const footer =
      (comparison.length > 0 ? `\nagainst hpa: ${comparison.join('; ')}` : '') +
      (limit && distances.length > 0
        ? `\ncost against the cheapest schedule that holds the SLO (oracle-cost): ${distances.join('; ')}`
        : '');
    blocks.push(`${title}\n${formatTable(header, rows)}${footer}`);
  }
  return blocks.join('\n\n');
}

/** The equal-cost table of a sweep, one block per dataset: each point read against the HPA's frontier. */
export function formatFrontierTable(result: ExperimentResult): string {
  const blocks = result.datasets
    .filter((d) => d.sweep.length > 0)
    .map((d) => {
      const hpa = d.sweep
        .filter((p) => p.policy === 'hpa')
        .map(
          (p) =>
            `${p.setting}: ${p.aggregate.sloViolationMinutes.mean.toFixed(1)} min $${p.aggregate.cost.mean.toFixed(2)}`,
        );
      const rows = frontierRows(d).map(equalCostCells);
      return `frontier ${d.dataset.name} (* as configured)\nhpa: ${hpa.join('; ')}\n${formatTable([...EQUAL_COST_HEADER], rows)}`;
    });
  return blocks.join('\n\n');
}

/**
 * Runs an experiment with progress bars on stderr, writes every output file into `outDir`, prints the
 * table, and returns the report's path and the result (`prescale study` reads its figures). Nothing is written
 * unless every run finished.
 */
export async function runExperimentInvocation(
  invocation: ExperimentInvocation,
): Promise<{ reportPath: string; result: ExperimentResult }> {
  const config = parseSimulationConfig(invocation.userConfig, invocation.configSource);
  // Loaded here, not at CLI start: the simulator brings the models (ONNX Runtime, TensorFlow), the report Vega.
  const [{ runExperiment }, { collectProvenance }, { reportHtml }, { OUTPUT_FILES, writeResults }] = await Promise.all([
    import('../experiments/experiment.js'),
    import('../experiments/provenance.js'),
    import('../experiments/report.js'),
    import('../experiments/results.js'),
  ]);
  const startedAt = new Date(systemClock.nowMs()).toISOString();
  const sweep = invocation.sweep ? sweepVariants(invocation.userConfig, invocation.configSource, config) : undefined;
  // A sweep reuses the configured hpa and prescale runs as points and reads everything against the limit.
  const policies: readonly PolicyName[] = invocation.sweep
    ? [...new Set([...invocation.policies, 'hpa', 'prescale', 'oracle-cost'] as const)]
    : invocation.policies;
  const bars = createProgressBars('simulate');
  let result: ExperimentResult;
  try {
    result = await runExperiment({
      datasets: invocation.datasets,
      datasetsPath: invocation.datasetsPath,
      policies,
      seeds: invocation.seeds,
      config,
      sweep,
      limitSeconds: invocation.limitSeconds,
      onProgress: (task, done, total) => bars.update(task, Math.round(done / 60), Math.round(total / 60)),
    });
  } finally {
    bars.stop();
  }
  const provenance = collectProvenance({
    command: invocation.command,
    startedAt,
    datasetsFile: resolve(invocation.datasetsPath),
    seeds: invocation.seeds,
    policies,
    limitSeconds: invocation.limitSeconds ?? null,
    config: config.resolved,
  });
  const html = await reportHtml(result, config, provenance);
  await writeResults(invocation.outDir, result, config.slo, provenance, html);
  process.stdout.write(`${formatExperimentTable(result, invocation.seeds)}\n`);
  if (sweep) {
    process.stdout.write(`\n${formatFrontierTable(result)}\n`);
    process.stdout.write(`experiment with sweep: ${(result.wallMilliseconds / 1000).toFixed(0)} s\n`);
  }
  return { reportPath: resolve(invocation.outDir, OUTPUT_FILES.report), result };
}

/** A whole number ≥ 1 from a flag. */
function positiveInteger(text: string, field: string): number {
  const value = Number(text);
  if (!(Number.isInteger(value) && value >= 1)) {
    throw new PrescaleError('invalid-input', `${field}: ${text} is not a whole number ≥ 1; give a count such as 3`, {
      field,
    });
  }
  return value;
}

/** Splits `a,b,c`, trimming and dropping empties. */
function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `prescale experiment`: the reproducible HPA-vs-Prescale experiment on a simulated cluster. */
export const registerExperiment: RegisterCommand = (program, run) => {
  program
    .command('experiment')
    .description(
      'simulate a cluster replaying a trace under each autoscaling policy; table, results.json, CSV and report.html',
    )
    .option('--dataset <names>', 'comma-separated dataset names from the datasets file, e.g. nasa-jul95')
    .option('--datasets <file>', 'datasets file (default: the bundled data/datasets.json)')
    .option(
      '--policies <list>',
      `comma-separated policies (${POLICY_NAMES.join(', ')})`,
      'hpa,prescale,oracle,oracle-cost',
    )
    .option('--seeds <n>', 'seeds to run (arrival noise and pod delays); figures are mean ± std over them', '3')
    .option(
      '--out <dir>',
      'directory for results.json, results.csv, summary.csv, experiment.json, config.json, runs/, report.html',
    )
    .option('--config <file>', 'simulation config (YAML or JSON) laid over the defaults (see --print-config)')
    .option('--model <name>', "shorthand for the workload's spec.model")
    .option('--hours <n>', 'simulate only the first n hours of each test period (a quick look)')
    .option(
      '--sweep',
      `also run the frontier: the HPA at CPU targets ${SWEEP_DEFAULTS.hpaCpuTargetsPercent.join(', ')} %, Prescale at quantiles ${SWEEP_DEFAULTS.prescaleQuantiles.join(', ')} (adds hpa, prescale, oracle-cost)`,
    )
    .option('--print-config', 'print the default simulation config as YAML and exit')
    .action(
      run(
        async (opts: {
          dataset?: string;
          datasets?: string;
          policies: string;
          seeds: string;
          out?: string;
          config?: string;
          model?: string;
          hours?: string;
          sweep?: boolean;
          printConfig?: boolean;
        }) => {
          if (opts.printConfig) {
            const { stringify } = await import('yaml');
            process.stdout.write(stringify(SIMULATION_DEFAULTS));
            return;
          }
          if (opts.dataset === undefined) {
            throw new PrescaleError(
              'invalid-input',
              '--dataset: required; name one or more datasets, e.g. --dataset nasa-jul95',
              {
                field: '--dataset',
              },
            );
          }
          if (opts.out === undefined) {
            throw new PrescaleError(
              'invalid-input',
              '--out: required; give a directory for the results, e.g. --out results/nasa',
              {
                field: '--out',
              },
            );
          }
          const fileConfig = opts.config === undefined ? {} : await readSimulationConfigFile(opts.config);
          const userConfig =
            opts.model === undefined
              ? fileConfig
              : mergeConfig(fileConfig, { workload: { spec: { model: opts.model } } });
          const { reportPath } = await runExperimentInvocation({
            datasets: list(opts.dataset),
            datasetsPath: opts.datasets ?? BUNDLED_DATASETS_PATH,
            policies: parsePolicyNames(list(opts.policies)),
            seeds: positiveInteger(opts.seeds, '--seeds'),
            outDir: opts.out,
            userConfig,
            configSource: opts.config ?? 'config',
            limitSeconds: opts.hours === undefined ? undefined : positiveInteger(opts.hours, '--hours') * 3600,
            command: `prescale ${process.argv.slice(2).join(' ')}`,
            sweep: opts.sweep === true,
          });
          process.stdout.write(`report: ${reportPath}\n`);
        },
      ),
    );
};
