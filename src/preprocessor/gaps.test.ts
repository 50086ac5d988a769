import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrescaleError, type Series } from '../core/index.js';
import { readTraceCsv, sharedDataPath } from '../testing/trace-csv.js';
import { fillGaps, type GapFillMethod, type GapFillOptions } from './gaps.js';
import { resampleToStep } from './resample.js';

const N = Number.NaN;

function series(values: number[], stepSeconds = 60, startSeconds = 0): Series {
  return { startSeconds, stepSeconds, values: Float64Array.from(values) };
}

const rows: {
  name: string;
  input: { values: number[]; method: GapFillMethod; options?: GapFillOptions };
  want: { values: number[]; mask: number[]; unfilled?: [number, number, string][] };
}[] = [
  {
    name: 'linear interpolates between neighbours',
    input: { values: [1, N, N, 7], method: 'linear' },
    want: { values: [1, 3, 5, 7], mask: [0, 1, 1, 0] },
  },
  {
    name: 'previous carries the last value forward',
    input: { values: [1, N, N, 7], method: 'previous' },
    want: { values: [1, 1, 1, 7], mask: [0, 1, 1, 0] },
  },
  {
    name: 'a leading gap takes the next value, a trailing gap the previous one',
    input: { values: [N, N, 4, 6, N], method: 'linear' },
    want: { values: [4, 4, 4, 6, 6], mask: [1, 1, 0, 0, 1] },
  },
  {
    name: 'previous also fills a leading gap with the next value',
    input: { values: [N, 2, N], method: 'previous' },
    want: { values: [2, 2, 2], mask: [1, 0, 1] },
  },
  {
    name: 'seasonal copies the value one season (3 steps) earlier when observed',
    input: { values: [10, 20, 30, 11, N, N, 12], method: 'seasonal', options: { seasonSeconds: 180 } },
    want: { values: [10, 20, 30, 11, 20, 30, 12], mask: [0, 0, 0, 0, 1, 1, 0] },
  },
  {
    name: 'seasonal falls back to linear where the season-earlier bucket is missing or before the start',
    input: { values: [N, 20, N, 11, N, 13, 12], method: 'seasonal', options: { seasonSeconds: 180 } },
    // index 0: no season earlier, leading gap → next value 20; index 2: no season earlier → linear 15.5;
    // index 4: index 1 observed → 20
    want: { values: [20, 20, 15.5, 11, 20, 13, 12], mask: [1, 0, 1, 0, 1, 0, 0] },
  },
  {
    name: 'seasonal uses only observed values, never values it filled itself',
    input: { values: [1, N, 3, N, 5], method: 'seasonal', options: { seasonSeconds: 120 } },
    // index 3: index 1 was missing (filled with 2) → linear between 3 and 5
    want: { values: [1, 2, 3, 4, 5], mask: [0, 1, 0, 1, 0] },
  },
  {
    name: 'a gap longer than maxGapSeconds stays NaN and is reported; a short one is filled',
    input: { values: [1, N, 3, N, N, N, 7], method: 'linear', options: { maxGapSeconds: 120 } },
    want: { values: [1, 2, 3, N, N, N, 7], mask: [0, 1, 0, 0, 0, 0, 0], unfilled: [[3, 3, 'too-long']] },
  },
  {
    name: 'maxGapSeconds 0 fills nothing',
    input: { values: [1, N, 3], method: 'linear', options: { maxGapSeconds: 0 } },
    want: { values: [1, N, 3], mask: [0, 0, 0], unfilled: [[1, 1, 'too-long']] },
  },
  {
    name: 'a series with no observation cannot be filled and says so',
    input: { values: [N, N], method: 'previous' },
    want: { values: [N, N], mask: [0, 0], unfilled: [[0, 2, 'no-observation']] },
  },
  {
    name: 'nothing missing, nothing filled',
    input: { values: [1, 2], method: 'linear' },
    want: { values: [1, 2], mask: [0, 0] },
  },
];

for (const row of rows) {
  test(`fillGaps: ${row.name}`, () => {
    const input = series(row.input.values);
    const got = fillGaps(input, row.input.method, row.input.options);
    assert.deepEqual(Array.from(got.series.values), row.want.values);
    assert.deepEqual(Array.from(got.filledMask), row.want.mask);
    assert.equal(
      got.filledCount,
      row.want.mask.reduce((a, b) => a + b, 0),
    );
    assert.deepEqual(
      got.unfilledGaps.map((g) => [g.startIndex, g.lengthSteps, g.reason]),
      row.want.unfilled ?? [],
    );
    assert.deepEqual(Array.from(input.values), row.input.values, 'the input is not modified');
  });
}

test('fillGaps reports gap ranges in seconds', () => {
  const got = fillGaps(series([1, N, N, 4], 60, 1000), 'linear', { maxGapSeconds: 60 });
  assert.deepEqual(got.unfilledGaps, [
    { startIndex: 1, lengthSteps: 2, startSeconds: 1060, endSeconds: 1180, reason: 'too-long' },
  ]);
});

test('fillGaps on NAB network-in: the 64-minute hole (12 empty buckets) is reported past 30 min, filled with Infinity', () => {
  const raw = readTraceCsv(sharedDataPath('nab/realAWSCloudwatch/ec2_network_in_5abac7.csv'));
  const resampled = resampleToStep(raw, { stepSeconds: 300, aggregation: 'mean' });
  const missing = resampled.values.filter(Number.isNaN).length;
  const strict = fillGaps(resampled, 'linear', { maxGapSeconds: 1800 });
  assert.deepEqual(
    strict.unfilledGaps.map((g) => [g.lengthSteps, g.reason]),
    [[12, 'too-long']],
  );
  assert.equal(strict.filledCount, 0);
  assert.equal(missing, 12);
  const all = fillGaps(resampled, 'seasonal', { maxGapSeconds: Number.POSITIVE_INFINITY, seasonSeconds: 86400 });
  assert.equal(all.filledCount, missing);
  assert.equal(all.series.values.filter(Number.isNaN).length, 0);
});

const errorRows: { name: string; method: GapFillMethod; options: GapFillOptions; field: string }[] = [
  { name: 'seasonal without a season', method: 'seasonal', options: {}, field: 'seasonSeconds' },
  {
    name: 'season not a whole number of steps',
    method: 'seasonal',
    options: { seasonSeconds: 90 },
    field: 'seasonSeconds',
  },
  { name: 'negative maxGapSeconds', method: 'linear', options: { maxGapSeconds: -1 }, field: 'maxGapSeconds' },
  { name: 'NaN maxGapSeconds', method: 'linear', options: { maxGapSeconds: Number.NaN }, field: 'maxGapSeconds' },
  { name: 'unknown method', method: 'spline' as GapFillMethod, options: {}, field: 'method' },
];
for (const row of errorRows) {
  test(`fillGaps rejects: ${row.name}`, () => {
    assert.throws(
      () => fillGaps(series([1, N, 3]), row.method, row.options),
      (err: unknown) => err instanceof PrescaleError && err.code === 'invalid-input' && err.field === row.field,
    );
  });
}
