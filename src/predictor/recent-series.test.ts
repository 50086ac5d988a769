import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reportedHorizonSteps } from './metrics.js';
import { RecentSeries } from './recent-series.js';

const raw = (pairs: [number, number][]) => ({
  timestampsSeconds: Float64Array.from(pairs.map(([t]) => t)),
  values: Float64Array.from(pairs.map(([, v]) => v)),
});

test('merges reads on the step grid, keeps the window, and re-reads a few steps', () => {
  const recent = new RecentSeries(30, 120);
  assert.equal(recent.fetchFromSeconds(1000), 870, 'first read: the whole window, aligned down');
  recent.merge(
    raw([
      [900, 1],
      [930, 2],
      [960, 3],
    ]),
    1000,
  );
  assert.deepEqual([...recent.series().values], [Number.NaN, 1, 2, 3, Number.NaN]);
  assert.equal(recent.series().startSeconds, 870);
  assert.equal(recent.lastObservedSeconds(), 960);
  assert.equal(recent.lastValue(), 3);
  assert.equal(recent.meanObserved(), 2, 'the typical load skips unobserved buckets');
  assert.equal(new RecentSeries(30, 120).meanObserved(), null);
  assert.equal(recent.fetchFromSeconds(990), 900, 'next read starts two steps before the newest bucket');
  assert.equal(recent.fetchFromSeconds(1050), 930, 'but never before the window');
  // A re-read bucket is overwritten (rates settle late); the window slides.
  recent.merge(
    raw([
      [960, 3.5],
      [990, 4],
      [1020, 5],
      [1050, 6],
    ]),
    1050,
  );
  assert.equal(recent.series().startSeconds, 930);
  assert.deepEqual([...recent.series().values], [2, 3.5, 4, 5, 6]);
});

test('a failed read still slides the window: old data ages, nothing is invented', () => {
  const recent = new RecentSeries(60, 300);
  recent.merge(raw([[600, 10]]), 600);
  recent.merge(raw([]), 900);
  assert.equal(recent.lastObservedSeconds(), 600);
  recent.merge(raw([]), 1000);
  assert.equal(recent.lastObservedSeconds(), null, 'older than the window');
  assert.equal(recent.lastValue(), null);
});

test('non-finite and off-window points are ignored; off-grid points land in their bucket', () => {
  const recent = new RecentSeries(60, 300);
  recent.merge(
    raw([
      [100, 1],
      [845, Number.NaN],
      [850, 7],
      [905, 8],
    ]),
    910,
  );
  assert.deepEqual([...recent.series().values], [Number.NaN, Number.NaN, Number.NaN, Number.NaN, 7, 8]);
});

const horizonRows: { name: string; input: [number, number]; want: number[] }[] = [
  { name: '10 minutes at 60 s', input: [10, 60], want: [1, 5, 10] },
  { name: '30 minutes at 30 s', input: [60, 30], want: [1, 10, 20, 30, 40, 50, 60] },
  { name: 'one step', input: [1, 30], want: [1] },
];

for (const row of horizonRows) {
  test(`reportedHorizonSteps: ${row.name}`, () => {
    assert.deepEqual(reportedHorizonSteps(...row.input), row.want);
  });
}
