import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTraceFile } from '../collector/trace-file.js';
import { type Dataset, datasetsFileSchema } from '../config/datasets.js';
import { PrescaleError, type Series } from '../core/index.js';
import { issueLines, safeParseWithIssues } from '../core/issues.js';
import { readNamedJson } from '../core/named-file.js';
import { resampleToStep } from '../preprocessor/index.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The datasets file shipped with Prescale (the embedded NASA trace): the one default of every command, so
 * what a command reads never depends on what lies beside the checkout. `--datasets FILE` names another.
 */
export const BUNDLED_DATASETS_PATH = resolve(repoRoot, 'data/datasets.json');

/** A dataset with its series read and resampled to the dataset's step (bucket means, as the scorer). */
export interface LoadedDataset {
  readonly name: string;
  readonly dataset: Dataset;
  readonly seriesPath: string;
  /** Bucket means over the whole file; NaN where a bucket has no point. */
  readonly series: Series;
}

/** Reads and validates a datasets file, reporting every problem with its dotted path. */
export async function readDatasetsFile(path: string): Promise<Record<string, Dataset>> {
  const json = await readNamedJson(path, { field: '--datasets', fix: 'give an existing, valid datasets.json' });
  return parseDatasetsFile(json, path);
}

/** Validates a datasets file's JSON (read from `path`), throwing one error that lists every problem. */
export function parseDatasetsFile(json: unknown, path: string): Record<string, Dataset> {
  const parsed = safeParseWithIssues(datasetsFileSchema, json);
  if (parsed.success) return parsed.data;
  throw new PrescaleError('invalid-input', `${path}: invalid datasets file:\n${issueLines(parsed.issues)}`, {
    field: path,
  });
}

/** Loads one named dataset: its split and its series on the dataset's step grid. */
export async function loadDataset(name: string, datasetsPath = BUNDLED_DATASETS_PATH): Promise<LoadedDataset> {
  const datasets = await readDatasetsFile(datasetsPath);
  const dataset = datasets[name];
  if (!dataset) {
    throw new PrescaleError(
      'unknown-dataset',
      `--dataset: unknown dataset '${name}' in ${datasetsPath}; known: ${Object.keys(datasets).join(', ')}`,
      { field: '--dataset' },
    );
  }
  const seriesPath = resolve(dirname(datasetsPath), dataset.file);
  const trace = await readTraceFile(seriesPath);
  const series = resampleToStep(trace.series, { stepSeconds: dataset.step_seconds, aggregation: 'mean' });
  return { name, dataset, seriesPath, series };
}
