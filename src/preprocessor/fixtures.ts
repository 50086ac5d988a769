import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RawSeries } from '../core/index.js';

/** Repo root, so tests and benchmarks find `../shared/data` wherever they are run from. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Absolute path of a file under the shared, read-only data folder (`../shared/data` from the repo root). */
export function sharedDataPath(relative: string): string {
  return resolve(repoRoot, '../shared/data', relative);
}

/**
 * Reads a two-column trace CSV the way `../shared/bench/score-forecasts.mjs` does (unix seconds or
 * NAB's 'YYYY-MM-DD HH:MM:SS' UTC; rows with a non-finite time or value dropped), for tests and benchmarks
 * of the preprocessor, sorted by time (stable). Production code reads traces through the collector.
 */
export function readTraceCsv(path: string): RawSeries {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).slice(1);
  const times: number[] = [];
  const values: number[] = [];
  for (const line of lines) {
    if (!line) continue;
    const [t, v] = line.split(',');
    const seconds = /^\d+(\.\d+)?$/.test(t) ? Number(t) : Date.parse(`${t.replace(' ', 'T')}Z`) / 1000;
    const value = Number(v);
    if (Number.isFinite(seconds) && Number.isFinite(value)) {
      times.push(seconds);
      values.push(value);
    }
  }
  const order = times.map((_, i) => i);
  if (times.some((t, i) => i > 0 && t < times[i - 1])) order.sort((a, b) => times[a] - times[b]); // stable
  return {
    timestampsSeconds: Float64Array.from(order, (i) => times[i]),
    values: Float64Array.from(order, (i) => values[i]),
  };
}
