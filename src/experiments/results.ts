import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import type { ServiceLevel } from '../simulator/summary.js';
import { SUMMARY_FIELDS, violatesSlo } from '../simulator/summary.js';
import type { DatasetExperiment, ExperimentResult } from './experiment.js';

/** Bumped whenever a field of results.json changes meaning (docs/experiment-results.md). */
export const RESULTS_SCHEMA_VERSION = 1;

/** Where and how an experiment was run, written next to its results so anyone can re-run it. */
export interface Provenance {
  /** The command line that produced the results, as typed. */
  readonly command: string;
  /** When the run started, ISO 8601 UTC. */
  readonly startedAt: string;
  readonly prescaleVersion: string;
  readonly node: string;
  readonly platform: string;
  /** Versions of the packages the numbers depend on. */
  readonly packages: Readonly<Record<string, string>>;
  /** `git rev-parse HEAD` and whether the tree had uncommitted changes; null outside a checkout. */
  readonly git: { readonly commit: string; readonly dirty: boolean } | null;
  readonly datasetsFile: string;
  readonly seeds: number;
  readonly policies: readonly string[];
  readonly limitSeconds: number | null;
  /** The full simulation config, defaults filled in: `--config DIR/config.json` runs the same world. */
  readonly config: unknown;
}

/** results.json: the figures per dataset and policy, mean ± std over seeds, plus what they were run on. */
export function resultsJson(result: ExperimentResult, slo: ServiceLevel, provenance: Provenance) {
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    prescaleVersion: provenance.prescaleVersion,
    startedAt: provenance.startedAt,
    command: provenance.command,
    slo: { latencyP95Seconds: slo.latencyP95Seconds, maxDropPercent: slo.maxDropShare * 100 },
    seeds: provenance.seeds,
    datasets: Object.fromEntries(result.datasets.map((d) => [d.dataset.name, datasetJson(d)])),
  };
}

function datasetJson(d: DatasetExperiment) {
  return {
    file: portablePath(d.dataset.seriesPath),
    period: {
      startSeconds: d.startSeconds,
      endSeconds: d.endSeconds,
      start: new Date(d.startSeconds * 1000).toISOString(),
      end: new Date(d.endSeconds * 1000).toISOString(),
      minutes: Math.ceil((d.endSeconds - d.startSeconds) / 60),
    },
    requestsPerSecondPerTraceUnit: d.load.scale,
    model: d.model,
    modelFits: d.fits.map((f) => ({ atSeconds: f.atSeconds, milliseconds: Math.round(f.milliseconds) })),
    policies: Object.fromEntries(
      Object.entries(d.aggregates).map(([policy, aggregate]) => [
        policy,
        Object.fromEntries(SUMMARY_FIELDS.map((field) => [field, aggregate![field]])),
      ]),
    ),
  };
}

/** One CSV row per run (dataset, policy, seed) with every figure. */
export function runsCsv(result: ExperimentResult): string {
  const lines = [['dataset', 'policy', 'seed', ...SUMMARY_FIELDS].join(',')];
  for (const d of result.datasets) {
    for (const run of d.runs) {
      lines.push([d.dataset.name, run.policy, run.seed, ...SUMMARY_FIELDS.map((f) => run.summary[f])].join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** One CSV row per dataset, policy and figure: mean and std over seeds. */
export function summaryCsv(result: ExperimentResult): string {
  const lines = ['dataset,policy,metric,mean,std,seeds'];
  for (const d of result.datasets) {
    for (const [policy, aggregate] of Object.entries(d.aggregates)) {
      for (const field of SUMMARY_FIELDS) {
        const a = aggregate![field];
        lines.push([d.dataset.name, policy, field, a.mean, a.std, a.values.length].join(','));
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** With `--sweep`: one row per dataset and operating point, its minutes and cost over the seeds (the frontier). */
export function frontierCsv(result: ExperimentResult): string {
  const lines = [
    'dataset,policy,setting,value,configured,sloViolationMinutes_mean,sloViolationMinutes_std,cost_mean,cost_std,seeds',
  ];
  for (const d of result.datasets) {
    for (const p of d.sweep) {
      const { sloViolationMinutes: minutes, cost } = p.aggregate;
      lines.push(
        [
          d.dataset.name,
          p.policy,
          `"${p.setting}"`,
          p.value,
          p.configured,
          minutes.mean,
          minutes.std,
          cost.mean,
          cost.std,
          cost.values.length,
        ].join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Per-minute series of one run (what the report plots), for anyone who wants to plot it their way. */
export function minutesCsv(d: DatasetExperiment, runIndex: number, slo: ServiceLevel): string {
  const run = d.runs[runIndex];
  const r = run.record;
  const lines = [
    'minute_start,requests,dropped,slow,p95_ms,ready_pods,billed_pods,spec_replicas,cpu_cores,cost,violation',
  ];
  for (let m = 0; m < r.minutes; m++) {
    lines.push(
      [
        r.startSeconds + m * 60,
        round(r.arrivals[m], 3),
        round(r.dropped[m], 3),
        round(r.slow[m], 3),
        Number.isFinite(r.p95Seconds[m]) ? round(r.p95Seconds[m] * 1000, 2) : '',
        round(r.readyPodSeconds[m] / 60, 3),
        round(r.billedPodSeconds[m] / 60, 3),
        r.specReplicas[m],
        round(r.cpuCoreSeconds[m] / 60, 4),
        round((r.billedPodSeconds[m] / 3600) * r.costPerPodHour, 6),
        violatesSlo(r, m, slo) ? 1 : 0,
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Every replica change of one run with the policy's reason. */
export function eventsCsv(d: DatasetExperiment, runIndex: number): string {
  const lines = ['time,from,to,reason'];
  for (const e of d.runs[runIndex].record.events)
    lines.push(`${e.timeSeconds},${e.from},${e.to},"${e.reason.replaceAll('"', '""')}"`);
  return `${lines.join('\n')}\n`;
}

/** A path as a re-run on another machine needs it: relative to the working directory when inside it. */
function portablePath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** SHA-256 of a file, so a re-run can check it reads the same data. */
export async function fileSha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** The files an experiment writes, relative to its output directory. */
export const OUTPUT_FILES = {
  results: 'results.json',
  runsCsv: 'results.csv',
  summaryCsv: 'summary.csv',
  /** Only with `--sweep`. */
  frontierCsv: 'frontier.csv',
  experiment: 'experiment.json',
  config: 'config.json',
  report: 'report.html',
} as const;

/**
 * Writes results.json, the CSVs, experiment.json (provenance with file hashes), config.json (re-run with
 * `--config`), per-run minute series and scaling events under `runs/`, and the report. Each file is
 * written atomically; nothing is written before all runs have finished.
 */
export async function writeResults(
  outDir: string,
  result: ExperimentResult,
  slo: ServiceLevel,
  provenance: Provenance,
  reportHtml: string,
): Promise<void> {
  await mkdir(join(outDir, 'runs'), { recursive: true });
  const hashes: Record<string, string> = {
    [portablePath(provenance.datasetsFile)]: await fileSha256(provenance.datasetsFile),
  };
  for (const d of result.datasets) hashes[portablePath(d.dataset.seriesPath)] = await fileSha256(d.dataset.seriesPath);
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  await writeFileAtomic(join(outDir, OUTPUT_FILES.results), json(resultsJson(result, slo, provenance)), 'results');
  await writeFileAtomic(join(outDir, OUTPUT_FILES.runsCsv), runsCsv(result), 'results CSV');
  await writeFileAtomic(join(outDir, OUTPUT_FILES.summaryCsv), summaryCsv(result), 'summary CSV');
  if (result.datasets.some((d) => d.sweep.length > 0)) {
    await writeFileAtomic(join(outDir, OUTPUT_FILES.frontierCsv), frontierCsv(result), 'frontier CSV');
  }
  await writeFileAtomic(join(outDir, OUTPUT_FILES.config), json(provenance.config), 'config');
  await writeFileAtomic(
    join(outDir, OUTPUT_FILES.experiment),
    json({
      ...provenance,
      config: OUTPUT_FILES.config,
      sha256: hashes,
      wallMilliseconds: Math.round(result.wallMilliseconds),
    }),
    'provenance',
  );
  for (const d of result.datasets) {
    for (let i = 0; i < d.runs.length; i++) {
      const run = d.runs[i];
      const stem = join(outDir, 'runs', `${d.dataset.name}-${run.policy}-seed${run.seed}`);
      await writeFileAtomic(`${stem}.csv`, minutesCsv(d, i, slo), 'minute series');
      await writeFileAtomic(`${stem}-events.csv`, eventsCsv(d, i), 'scaling events');
    }
  }
  await writeFileAtomic(join(outDir, OUTPUT_FILES.report), reportHtml, 'report');
}
