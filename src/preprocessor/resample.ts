import { PrescaleError, type RawSeries, type Series } from '../core/index.js';

/** How the raw points inside one bucket become its value: mean for gauges and rates, sum for counts. */
export type Aggregation = 'mean' | 'sum' | 'last' | 'max';

/** Settings of `resampleToStep`; the range bounds are aligned to the step grid (start down, end up). */
export interface ResampleOptions {
  readonly stepSeconds: number;
  readonly aggregation: Aggregation;
  /** First bucket of the output (aligned down to the step); earlier points are dropped, missing buckets are NaN. */
  readonly startSeconds?: number;
  /** End (exclusive) of the output (aligned up to the step); later points are dropped, missing buckets are NaN. */
  readonly endSeconds?: number;
}

/** Refuse outputs that would not fit in memory (a step far too small for the range, usually a unit mix-up). */
const MAX_BUCKETS = 100_000_000;

const AGGREGATIONS: readonly Aggregation[] = ['mean', 'sum', 'last', 'max'];

/**
 * The bucket of a grid of `stepSeconds` buckets from `gridStartSeconds` that holds `timeSeconds`: bucket k covers
 * [start + k·step, start + (k+1)·step), as a `Series` does, so a sample on a boundary opens its bucket. The one rule
 * that puts raw samples on a time grid (resampling, the live loop's recent window). Prometheus range results lie
 * exactly on start + k·step; the 1e-9 step of tolerance keeps float error in (t − start) / step from moving such a
 * sample into the bucket before (a trace file's sample is never that close to a boundary).
 */
export function gridBucketIndex(timeSeconds: number, gridStartSeconds: number, stepSeconds: number): number {
  return Math.floor((timeSeconds - gridStartSeconds) / stepSeconds + 1e-9);
}

/**
 * Buckets raw points onto the absolute step grid of the forecast benchmark: bucket k covers
 * [k*step, (k+1)*step) and is labelled by its start (`gridBucketIndex`), as the scorer's `Math.floor(t/step)*step` does.
 * Empty buckets are NaN; points with a non-finite value are ignored (they carry no observation).
 * One pass over typed arrays; `raw` must be sorted by time (duplicates are fine: both count).
 */
export function resampleToStep(raw: RawSeries, options: ResampleOptions): Series {
  const { stepSeconds: step, aggregation } = options;
  if (!(Number.isFinite(step) && step > 0)) {
    throw new PrescaleError(
      'invalid-input',
      `stepSeconds: ${step} is not a positive finite number; pass a step such as 60`,
      {
        field: 'stepSeconds',
      },
    );
  }
  if (!AGGREGATIONS.includes(aggregation)) {
    throw new PrescaleError(
      'invalid-input',
      `aggregation: '${aggregation}' is unknown; use one of ${AGGREGATIONS.join(', ')}`,
      {
        field: 'aggregation',
      },
    );
  }
  const ts = raw.timestampsSeconds;
  const vs = raw.values;
  const n = ts.length;
  if (vs.length !== n) {
    throw new PrescaleError(
      'invalid-input',
      `values: ${vs.length} values for ${n} timestamps; pass one value per timestamp`,
      {
        field: 'values',
      },
    );
  }
  if (n > 0 && !Number.isFinite(ts[0])) throwUnsorted(0, ts[0], Number.NEGATIVE_INFINITY);
  if (n > 0 && !Number.isFinite(ts[n - 1])) throwUnsorted(n - 1, ts[n - 1], ts[n - 2] ?? Number.NEGATIVE_INFINITY);
  const firstIndex =
    bucketIndexOfBound(options.startSeconds, 'startSeconds', step, Math.floor) ??
    (n > 0 ? gridBucketIndex(ts[0], 0, step) : 0);
  const endIndex =
    bucketIndexOfBound(options.endSeconds, 'endSeconds', step, Math.ceil) ??
    (n > 0 ? gridBucketIndex(ts[n - 1], 0, step) + 1 : firstIndex);
  if (options.startSeconds !== undefined && options.endSeconds !== undefined && endIndex <= firstIndex) {
    throw new PrescaleError(
      'invalid-input',
      `endSeconds: ${options.endSeconds} is not after startSeconds ${options.startSeconds} on a ${step} s grid; pass an end later than the start`,
      { field: 'endSeconds' },
    );
  }
  const length = Math.max(0, endIndex - firstIndex);
  if (!Number.isFinite(length) || length > MAX_BUCKETS) {
    throw new PrescaleError(
      'invalid-input',
      `stepSeconds: ${step} s over this time range gives ${length} buckets (limit ${MAX_BUCKETS}); use a larger step or a shorter range`,
      { field: 'stepSeconds' },
    );
  }
  const out = new Float64Array(length);
  const counts = new Uint32Array(length);
  aggregateInto(ts, vs, step, firstIndex, aggregation, out, counts);
  for (let k = 0; k < length; k++) {
    if (counts[k] === 0) out[k] = Number.NaN;
    else if (aggregation === 'mean') out[k] /= counts[k];
  }
  return { startSeconds: firstIndex * step, stepSeconds: step, values: out };
}

function bucketIndexOfBound(
  seconds: number | undefined,
  field: 'startSeconds' | 'endSeconds',
  step: number,
  align: (x: number) => number,
): number | undefined {
  if (seconds === undefined) return undefined;
  if (!Number.isFinite(seconds)) {
    throw new PrescaleError(
      'invalid-input',
      `${field}: ${seconds} is not a finite number of unix seconds; pass a finite time or omit it`,
      {
        field,
      },
    );
  }
  return align(seconds / step);
}

/** The hot loop: one pass, typed arrays only (counts[k] = 0 marks an empty bucket). */
function aggregateInto(
  ts: Float64Array,
  vs: Float64Array,
  step: number,
  firstIndex: number,
  aggregation: Aggregation,
  out: Float64Array,
  counts: Uint32Array,
): void {
  const n = ts.length;
  const length = out.length;
  const firstStart = firstIndex * step;
  if (aggregation === 'max') out.fill(Number.NEGATIVE_INFINITY);
  let previous = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const t = ts[i];
    if (!(t >= previous)) throwUnsorted(i, t, previous); // also catches NaN; the last time is checked finite
    previous = t;
    const v = vs[i];
    if (v - v !== 0) continue; // NaN or ±Infinity: no observation
    const k = gridBucketIndex(t, firstStart, step);
    if (k < 0 || k >= length) continue; // outside [startSeconds, endSeconds); keep checking the order
    counts[k]++;
    switch (aggregation) {
      case 'mean':
      case 'sum':
        out[k] += v;
        break;
      case 'last':
        out[k] = v;
        break;
      case 'max':
        if (v > out[k]) out[k] = v;
        break;
    }
  }
}

function throwUnsorted(index: number, t: number, previous: number): never {
  const problem = Number.isFinite(t)
    ? `${t} is before the previous timestamp ${previous}`
    : `${t} is not a finite time`;
  throw new PrescaleError(
    'invalid-input',
    `timestampsSeconds[${index}]: ${problem}; pass finite timestamps sorted in time (the collector sorts trace files)`,
    { field: `timestampsSeconds[${index}]` },
  );
}
