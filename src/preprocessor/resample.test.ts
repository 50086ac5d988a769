import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrescaleError, type RawSeries } from '../core/index.js';
import { readTraceCsv, sharedDataPath } from '../testing/trace-csv.js';
import { gridBucketIndex, type ResampleOptions, resampleToStep } from './resample.js';

/** The scorer's bucketize, copied verbatim from ../shared/bench/score-forecasts.mjs: the reference we must equal. */
function scorerBucketize(pts: [number, number][], step: number): Map<number, number> {
  const sum = new Map<number, number>();
  const cnt = new Map<number, number>();
  for (const [ts, v] of pts) {
    const b = Math.floor(ts / step) * step;
    sum.set(b, (sum.get(b) ?? 0) + v);
    cnt.set(b, (cnt.get(b) ?? 0) + 1);
  }
  const out = new Map<number, number>();
  for (const [b, s] of sum) out.set(b, s / (cnt.get(b) ?? 1));
  return out;
}

function raw(times: number[], values: number[]): RawSeries {
  return { timestampsSeconds: Float64Array.from(times), values: Float64Array.from(values) };
}

const realCases = [
  { name: 'NASA per-minute at 60 s', file: 'nasa-http/nasa_jul95_requests_per_minute.csv', step: 60 },
  { name: 'NASA per-minute to 300 s', file: 'nasa-http/nasa_jul95_requests_per_minute.csv', step: 300 },
  { name: 'Alibaba 10 s to 60 s', file: 'alibaba2018/alibaba2018_cpu_util_10s_days3-8.csv', step: 60 },
  { name: 'NAB EC2 CPU, off-grid 5 min', file: 'nab/realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv', step: 300 },
  // duplicate timestamps, a 60 s and a 3840 s step, starts 60 s off the 5 min grid
  { name: 'NAB EC2 network-in, irregular', file: 'nab/realAWSCloudwatch/ec2_network_in_5abac7.csv', step: 300 },
  { name: 'NAB ELB requests, gaps, to 1 h', file: 'nab/realAWSCloudwatch/elb_request_count_8c0756.csv', step: 3600 },
];

for (const c of realCases) {
  test(`mean equals the scorer's bucketize: ${c.name}`, () => {
    const series = readTraceCsv(sharedDataPath(c.file));
    const pts = Array.from(series.timestampsSeconds, (t, i): [number, number] => [t, series.values[i]]);
    const want = scorerBucketize(pts, c.step);
    const got = resampleToStep(series, { stepSeconds: c.step, aggregation: 'mean' });
    assert.equal(got.stepSeconds, c.step);
    assert.equal(got.startSeconds, Math.min(...want.keys()));
    let observed = 0;
    for (let k = 0; k < got.values.length; k++) {
      const start = got.startSeconds + k * c.step;
      const v = got.values[k];
      if (Number.isNaN(v)) {
        assert.equal(want.has(start), false, `bucket ${start} is NaN but the scorer has a value`);
      } else {
        observed++;
        assert.equal(v, want.get(start), `bucket ${start}`);
      }
    }
    assert.equal(observed, want.size);
    assert.equal(got.startSeconds + got.values.length * c.step, Math.max(...want.keys()) + c.step);
  });
}

test('gridBucketIndex: a sample opens the bucket it lies on, falls into the one it lies in, float error forgiven', () => {
  // bucket k covers [start + k·step, start + (k+1)·step)
  assert.equal(gridBucketIndex(1_800_000_060, 1_800_000_000, 60), 1);
  assert.equal(gridBucketIndex(1_800_000_119.999, 1_800_000_000, 60), 1);
  assert.equal(gridBucketIndex(1_800_000_000 - 0.001, 1_800_000_000, 60), -1);
  // (0.3 − 0.1) / 0.1 is 1.9999999999999998 in floats: a range result at start + 2·step stays in bucket 2
  assert.equal(gridBucketIndex(0.3, 0.1, 0.1), 2);
  assert.equal(gridBucketIndex(0.7, 0.1, 0.1), 6);
});

test('a range result on a fractional grid lands one sample per bucket (float error does not shift it back)', () => {
  const step = 0.1;
  const times = Array.from({ length: 10 }, (_, k) => 0.2 + k * step); // as a client computes start + k·step
  const series = resampleToStep(
    raw(
      times,
      times.map((_, k) => k),
    ),
    { stepSeconds: step, aggregation: 'last' },
  );
  assert.equal(series.values.length, 10);
  assert.deepEqual(Array.from(series.values), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('NAB network-in: the 3840 s hole becomes NaN buckets, not zeros', () => {
  const series = readTraceCsv(sharedDataPath('nab/realAWSCloudwatch/ec2_network_in_5abac7.csv'));
  const got = resampleToStep(series, { stepSeconds: 300, aggregation: 'mean' });
  const empty = got.values.filter(Number.isNaN).length;
  assert.ok(empty >= 11, `expected the 3840 s hole to leave ≥ 11 empty buckets, got ${empty}`);
});

const rows: { name: string; input: RawSeries; options: ResampleOptions; want: { start: number; values: number[] } }[] =
  [
    {
      name: 'mean over 10 s points into 30 s buckets, an empty bucket is NaN',
      input: raw([0, 10, 20, 30, 40, 95], [1, 2, 3, 10, 20, 7]),
      options: { stepSeconds: 30, aggregation: 'mean' },
      want: { start: 0, values: [2, 15, Number.NaN, 7] },
    },
    {
      name: 'sum of counts, same points',
      input: raw([0, 10, 20, 30, 40, 95], [1, 2, 3, 10, 20, 7]),
      options: { stepSeconds: 30, aggregation: 'sum' },
      want: { start: 0, values: [6, 30, Number.NaN, 7] },
    },
    {
      name: 'last and max',
      input: raw([0, 10, 20, 30, 40], [5, 9, 1, 3, 2]),
      options: { stepSeconds: 30, aggregation: 'last' },
      want: { start: 0, values: [1, 2] },
    },
    {
      name: 'max',
      input: raw([0, 10, 20, 30, 40], [5, 9, 1, -3, -2]),
      options: { stepSeconds: 30, aggregation: 'max' },
      want: { start: 0, values: [9, -2] },
    },
    {
      name: 'absolute grid: first point at 65 s starts the bucket at 60 s, not 65 s',
      input: raw([65, 119, 120], [4, 6, 1]),
      options: { stepSeconds: 60, aggregation: 'mean' },
      want: { start: 60, values: [5, 1] },
    },
    {
      name: 'duplicates both count; NaN values are ignored',
      input: raw([0, 0, 5, 7], [1, 3, Number.NaN, Number.POSITIVE_INFINITY]),
      options: { stepSeconds: 10, aggregation: 'mean' },
      want: { start: 0, values: [2] },
    },
    {
      name: 'startSeconds/endSeconds aligned (down/up) clip the output',
      input: raw([0, 10, 20, 30, 40, 50, 60], [1, 2, 3, 4, 5, 6, 7]),
      options: { stepSeconds: 20, aggregation: 'sum', startSeconds: 25, endSeconds: 45 },
      want: { start: 20, values: [7, 11] },
    },
    {
      name: 'startSeconds/endSeconds extend the output with NaN',
      input: raw([100, 110], [1, 3]),
      options: { stepSeconds: 60, aggregation: 'mean', startSeconds: 0, endSeconds: 240 },
      want: { start: 0, values: [Number.NaN, 2, Number.NaN, Number.NaN] },
    },
    {
      name: 'negative times floor toward −∞ like the scorer',
      input: raw([-5, 5], [1, 2]),
      options: { stepSeconds: 10, aggregation: 'mean' },
      want: { start: -10, values: [1, 2] },
    },
    {
      name: 'empty input with a range gives all-NaN buckets',
      input: raw([], []),
      options: { stepSeconds: 60, aggregation: 'mean', startSeconds: 60, endSeconds: 180 },
      want: { start: 60, values: [Number.NaN, Number.NaN] },
    },
    {
      name: 'empty input without a range gives an empty series',
      input: raw([], []),
      options: { stepSeconds: 60, aggregation: 'mean' },
      want: { start: 0, values: [] },
    },
  ];

for (const row of rows) {
  test(`resampleToStep: ${row.name}`, () => {
    const got = resampleToStep(row.input, row.options);
    assert.equal(got.startSeconds, row.want.start);
    assert.deepEqual(Array.from(got.values), row.want.values);
  });
}

const errorRows: { name: string; input: RawSeries; options: ResampleOptions; field: string }[] = [
  { name: 'zero step', input: raw([0], [1]), options: { stepSeconds: 0, aggregation: 'mean' }, field: 'stepSeconds' },
  {
    name: 'negative step',
    input: raw([0], [1]),
    options: { stepSeconds: -60, aggregation: 'mean' },
    field: 'stepSeconds',
  },
  {
    name: 'NaN step',
    input: raw([0], [1]),
    options: { stepSeconds: Number.NaN, aggregation: 'mean' },
    field: 'stepSeconds',
  },
  {
    name: 'infinite step',
    input: raw([0], [1]),
    options: { stepSeconds: Number.POSITIVE_INFINITY, aggregation: 'mean' },
    field: 'stepSeconds',
  },
  {
    name: 'unknown aggregation',
    input: raw([0], [1]),
    options: { stepSeconds: 60, aggregation: 'median' as 'mean' },
    field: 'aggregation',
  },
  {
    name: 'length mismatch',
    input: raw([0, 1], [1]),
    options: { stepSeconds: 60, aggregation: 'mean' },
    field: 'values',
  },
  {
    name: 'unsorted timestamps',
    input: raw([0, 120, 60], [1, 2, 3]),
    options: { stepSeconds: 60, aggregation: 'mean' },
    field: 'timestampsSeconds[2]',
  },
  {
    name: 'non-finite timestamp',
    input: raw([0, Number.NaN], [1, 2]),
    options: { stepSeconds: 60, aggregation: 'mean' },
    field: 'timestampsSeconds[1]',
  },
  {
    name: 'end before start',
    input: raw([0], [1]),
    options: { stepSeconds: 60, aggregation: 'mean', startSeconds: 120, endSeconds: 60 },
    field: 'endSeconds',
  },
  {
    name: 'non-finite start',
    input: raw([0], [1]),
    options: { stepSeconds: 60, aggregation: 'mean', startSeconds: Number.NaN },
    field: 'startSeconds',
  },
  {
    name: 'step too small for the range',
    input: raw([0, 1e9], [1, 2]),
    options: { stepSeconds: 1, aggregation: 'mean' },
    field: 'stepSeconds',
  },
];

for (const row of errorRows) {
  test(`resampleToStep rejects: ${row.name}`, () => {
    assert.throws(
      () => resampleToStep(row.input, row.options),
      (err: unknown) => err instanceof PrescaleError && err.code === 'invalid-input' && err.field === row.field,
    );
  });
}

test('resampleToStep error message names the field and the fix', () => {
  assert.throws(() => resampleToStep(raw([0], [1]), { stepSeconds: 0, aggregation: 'mean' }), {
    message: 'stepSeconds: 0 is not a positive finite number; pass a step such as 60',
  });
});
