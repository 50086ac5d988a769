import { join } from 'node:path';
import { readTraceFile } from '../collector/index.js';
import type { Series } from '../core/index.js';
import { resampleToStep } from '../preprocessor/index.js';
import { sharedRoot } from './paths.js';

/** 1995-07-03 04:00 UTC, a Monday: the NASA slices used by the model tests start here. */
export const NASA_MONDAY_SECONDS = 804_744_000;

const DAY_SECONDS = 86_400;

/**
 * `days` days of a real trace from `../shared/data`, resampled on the benchmark grid (bucket means) from
 * `startSeconds`: the one way model tests and benchmarks get real data.
 */
export async function sharedTrace(
  file: string,
  stepSeconds: number,
  startSeconds: number,
  days: number,
): Promise<Series> {
  const trace = await readTraceFile(join(sharedRoot, 'data', file));
  return resampleToStep(trace.series, {
    stepSeconds,
    aggregation: 'mean',
    startSeconds,
    endSeconds: startSeconds + days * DAY_SECONDS,
  });
}

/** NASA KSC requests per minute (July 1995), `days` days from a Monday, at `stepSeconds` (default 60). */
export function nasaRequests(days: number, stepSeconds = 60): Promise<Series> {
  return sharedTrace('nasa-http/nasa_jul95_requests_per_minute.csv', stepSeconds, NASA_MONDAY_SECONDS, days);
}

/** The first `steps` buckets of a series, as a new series (a training range or a forecast context). */
export function head(series: Series, steps: number): Series {
  return { ...series, values: series.values.slice(0, steps) };
}
