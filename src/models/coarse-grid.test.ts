import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateToCoarse, coarseFactor, interpolateToFine } from './coarse-grid.js';

const NaN_ = Number.NaN;

const factorRows = [
  { name: '1-minute steps, daily season: 15-minute buckets', input: [60, 86_400], want: 15 },
  { name: '5-minute steps: 15-minute buckets', input: [300, 86_400], want: 3 },
  { name: '10-second steps: 15-minute buckets', input: [10, 86_400], want: 90 },
  { name: 'hourly steps: no aggregation', input: [3600, 86_400], want: 1 },
  { name: 'a one-hour season on 1-minute steps: 1-minute buckets', input: [60, 3600], want: 1 },
];
for (const row of factorRows) {
  test(`coarseFactor: ${row.name}`, () => assert.equal(coarseFactor(row.input[0], row.input[1]), row.want));
}

const aggregateRows = [
  {
    name: 'means of whole groups, aligned to end where the series ends (leading remainder dropped)',
    input: { start: 100, values: [9, 1, 2, 3, 4, 5, 6], factor: 3 },
    want: { start: 110, step: 30, values: [2, 5] },
  },
  {
    name: 'missing buckets are left out of the mean; an empty group is NaN',
    input: { start: 0, values: [1, NaN_, 3, NaN_, NaN_, NaN_], factor: 3 },
    want: { start: 0, step: 30, values: [2, NaN_] },
  },
];
for (const row of aggregateRows) {
  test(`aggregateToCoarse: ${row.name}`, () => {
    const coarse = aggregateToCoarse(
      { startSeconds: row.input.start, stepSeconds: 10, values: Float64Array.from(row.input.values) },
      row.input.factor,
    );
    assert.deepEqual({ start: coarse.startSeconds, step: coarse.stepSeconds, values: [...coarse.values] }, row.want);
  });
}

test('interpolateToFine: linear between coarse bucket centres, flat before the first and after the last', () => {
  // coarse buckets of 30 s from t=0 with centres 15 and 45; fine buckets of 10 s with centres 5, 15, …, 75
  const fine = interpolateToFine([0, 30], 0, 30, 0, 10, 8);
  const want = [0, 0, 10, 20, 30, 30, 30, 30];
  for (const [i, value] of want.entries()) assert.ok(Math.abs(fine[i] - value) < 1e-9, `fine[${i}] = ${fine[i]}`);
});
