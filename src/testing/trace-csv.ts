import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RawSeries } from '../core/index.js';
import { sharedRoot } from './paths.js';

/** Absolute path of a file under the shared, read-only data folder (`../shared/data` from the repo root). */
export function sharedDataPath(relative: string): string {
  return resolve(sharedRoot, 'data', relative);
}

/**
 * Reads a two-column trace CSV exactly as `../shared/bench/score-forecasts.mjs` does (unix seconds or NAB's
 * 'YYYY-MM-DD HH:MM:SS' UTC; rows with a non-finite time or value dropped; duplicate timestamps kept as
 * separate points), then sorts it by time (stable). The preprocessor's tests and benchmarks use it because
 * they compare with the scorer; the collector's `readTraceFile` instead merges duplicate timestamps into their
 * mean, which moves 1 bucket of ec2_network_in_5abac7 and ec2_request_latency_system_failure at 300 s.
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
