import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrescaleError, type Series } from '../core/index.js';
import { readTraceCsv, sharedDataPath } from '../testing/trace-csv.js';
import {
  type AnomalyFilterOptions,
  cleanTrainingSeries,
  DEFAULT_ANOMALY_FILTER,
  filterAnomalies,
  scoreAgainstWindows,
} from './anomalies.js';
import { resampleToStep } from './resample.js';

const N = Number.NaN;

function series(values: number[], stepSeconds = 60, startSeconds = 0): Series {
  return { startSeconds, stepSeconds, values: Float64Array.from(values) };
}

/** A mildly noisy flat line around 10 (deviations ±0.1, ±0.2), long enough for any small window. */
const noisy = [10, 10.1, 9.9, 10.2, 9.8, 10, 10.1, 9.9, 10.2, 9.8, 10, 10.1, 9.9, 10.2, 9.8];

const rows: {
  name: string;
  input: { values: number[]; options: AnomalyFilterOptions };
  want: { flagged: number[]; values?: number[] };
}[] = [
  {
    name: 'centered: a single spike is flagged and replaced by the window median',
    input: { values: [10, 11, 9, 10, 50, 10, 11, 9, 10], options: { windowSteps: 5, threshold: 3, mode: 'centered' } },
    // window of index 4 = [9, 10, 50, 10, 11] → median 10, MAD 1 → scale 1.4826; |50 − 10| > 3 × 1.4826
    want: { flagged: [4], values: [10, 11, 9, 10, 10, 10, 11, 9, 10] },
  },
  {
    name: 'centered: a clean level shift is not flagged (the median follows it)',
    input: { values: [10, 10.1, 9.9, 10, 10.1, 20, 20.1, 19.9, 20, 20.1], options: { windowSteps: 5, threshold: 3 } },
    want: { flagged: [] },
  },
  {
    name: 'causal: the onset of a level shift is flagged until the past window has caught up',
    input: {
      values: [10, 10.1, 9.9, 10, 10.1, 20, 20.1, 19.9, 20, 20.1],
      options: { windowSteps: 5, threshold: 3, mode: 'causal' },
    },
    // index 5..7: the 5 buckets before hold ≥ 3 values near 10; at index 8 three of the five are near 20
    // replaced by the medians of [10, 10.1, 9.9, 10, 10.1], [10.1, 9.9, 10, 10.1, 20], [9.9, 10, 10.1, 20, 20.1]
    want: { flagged: [5, 6, 7], values: [10, 10.1, 9.9, 10, 10.1, 10, 10.1, 10.1, 20, 20.1] },
  },
  {
    name: 'causal: a point is judged only against the buckets before it, so the first 3 are never flagged',
    input: { values: [100, 10, 10, 10.2, 9.9, 10.1], options: { windowSteps: 4, threshold: 3, mode: 'causal' } },
    want: { flagged: [] },
  },
  {
    name: 'NaN buckets are skipped and stay NaN',
    input: { values: [N, 10, 9.9, 10.2, 50, 10.1, 10, 9.9, N], options: { windowSteps: 5, threshold: 3 } },
    // index 1 is judged on its 3 observed neighbours [10, 9.9, 10.2]; index 4's median is 10.1
    want: { flagged: [4], values: [N, 10, 9.9, 10.2, 10.1, 10.1, 10, 9.9, N] },
  },
  {
    name: 'a window with too few observations (< half) judges nothing',
    input: { values: [N, N, N, 50, N, N, 10], options: { windowSteps: 7, threshold: 3 } },
    want: { flagged: [] },
  },
  {
    name: 'MAD 0 (most of the window identical) falls back to the mean absolute deviation',
    // window of index 3 = [5, 5, 5, 6, 5]: MAD 0; mean |x − 5| = 0.2 → scale 0.25; |6 − 5| = 1 ≤ 6 × 0.25 → kept
    input: { values: [5, 5, 5, 6, 5, 5, 5], options: { windowSteps: 5, threshold: 6 } },
    want: { flagged: [] },
  },
  {
    name: 'MAD 0 fallback still flags a real outlier',
    // window of index 4 = eight 5s and 60: mean |x − 5| = 55/9 → scale 7.66; 55 > 6 × 7.66
    input: { values: [5, 5, 5, 5, 60, 5, 5, 5, 5], options: { windowSteps: 9, threshold: 6 } },
    want: { flagged: [4], values: [5, 5, 5, 5, 5, 5, 5, 5, 5] },
  },
  {
    name: 'noise within a few MADs is left alone at the default settings',
    input: { values: [...noisy, ...noisy], options: {} },
    want: { flagged: [] },
  },
];

for (const row of rows) {
  test(`filterAnomalies: ${row.name}`, () => {
    const input = series(row.input.values);
    const got = filterAnomalies(input, row.input.options);
    const flagged = Array.from(got.flaggedMask.keys()).filter((i) => got.flaggedMask[i]);
    assert.deepEqual(flagged, row.want.flagged);
    assert.equal(got.flaggedCount, row.want.flagged.length);
    assert.deepEqual(Array.from(got.series.values), row.want.values ?? row.input.values);
    assert.deepEqual(Array.from(input.values), row.input.values, 'the input is not modified');
  });
}

test('filterAnomalies: exclusion windows mask buckets out (NaN) and keep them out of the rolling statistics', () => {
  const values = [10, 10.1, 9.9, 10, 80, 85, 90, 10.1, 9.9, 10, 10.2];
  // bucket starts 0, 60, …; [230, 400) overlaps buckets 3 (180–240) … 6 (360–420)
  const got = filterAnomalies(series(values), {
    windowSteps: 5,
    threshold: 3,
    exclusions: [{ startSeconds: 230, endSeconds: 400, reason: 'load test' }],
  });
  assert.deepEqual(Array.from(got.excludedMask), [0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0]);
  assert.equal(got.excludedCount, 4);
  assert.deepEqual(Array.from(got.series.values), [10, 10.1, 9.9, N, N, N, N, 10.1, 9.9, 10, 10.2]);
  assert.equal(got.flaggedCount, 0, 'the excluded burst does not make its neighbours look odd');
});

test('filterAnomalies: overlapping exclusions count each bucket once; windows outside the series are ignored', () => {
  const got = filterAnomalies(series([1, 2, 3, 4, 5]), {
    exclusions: [
      { startSeconds: 0, endSeconds: 120, reason: 'a' },
      { startSeconds: 60, endSeconds: 180, reason: 'b' },
      { startSeconds: 10_000, endSeconds: 20_000, reason: 'later' },
      { startSeconds: -500, endSeconds: -100, reason: 'earlier' },
    ],
  });
  assert.deepEqual(Array.from(got.excludedMask), [1, 1, 1, 0, 0]);
  assert.equal(got.excludedCount, 3);
});

test('filterAnomalies on NAB rds_cpu_utilization_e47b3b finds the labelled spike of 2014-04-13 06:52', () => {
  const raw = readTraceCsv(sharedDataPath('nab/realAWSCloudwatch/rds_cpu_utilization_e47b3b.csv'));
  const resampled = resampleToStep(raw, { stepSeconds: 300, aggregation: 'mean' });
  const labelSeconds = Date.parse('2014-04-13T06:52:00Z') / 1000;
  const labelIndex = Math.floor((labelSeconds - resampled.startSeconds) / 300);
  assert.ok(resampled.values[labelIndex] > 70, 'the labelled bucket is the CPU spike (≈ 76 % against ≈ 14 %)');
  for (const mode of ['centered', 'causal'] as const) {
    const got = filterAnomalies(resampled, { ...DEFAULT_ANOMALY_FILTER, mode });
    assert.equal(got.flaggedMask[labelIndex], 1, `${mode} flags the spike`);
    assert.ok(got.series.values[labelIndex] < 20, `${mode} replaces it with the rolling median`);
    assert.ok(got.flaggedCount < resampled.values.length * 0.02, `${mode} flags under 2 % of this series`);
  }
});

test('scoreAgainstWindows on a hand-made example: window recall and point precision', () => {
  // 10 buckets of 60 s; windows [120, 240] (buckets 2, 3, 4, inclusive end) and [480, 540] (buckets 8, 9)
  const s = series([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const flags = Uint8Array.from([1, 0, 0, 1, 1, 0, 1, 0, 0, 0]);
  const got = scoreAgainstWindows(s, flags, [
    [120, 240],
    [480, 540],
  ]);
  // window 1 detected (buckets 3, 4), window 2 not: recall 1/2; flags 0, 3, 4, 6: 2 of 4 inside → precision 1/2
  assert.deepEqual(got, { windows: 2, detectedWindows: 1, flagged: 4, flaggedInWindows: 2, bucketsInWindows: 5 });
});

test('scoreAgainstWindows counts a flag in two overlapping windows once for precision and once per window for recall', () => {
  const s = series([0, 0, 0, 0], 60);
  const got = scoreAgainstWindows(s, Uint8Array.from([0, 1, 0, 0]), [
    [0, 120],
    [60, 180],
  ]);
  assert.deepEqual(got, { windows: 2, detectedWindows: 2, flagged: 1, flaggedInWindows: 1, bucketsInWindows: 4 });
});

const errorRows: { name: string; options: AnomalyFilterOptions; field: string }[] = [
  { name: 'window too small', options: { windowSteps: 2 }, field: 'windowSteps' },
  { name: 'fractional window', options: { windowSteps: 4.5 }, field: 'windowSteps' },
  { name: 'zero threshold', options: { threshold: 0 }, field: 'threshold' },
  { name: 'NaN threshold', options: { threshold: Number.NaN }, field: 'threshold' },
  { name: 'unknown mode', options: { mode: 'future' as 'causal' }, field: 'mode' },
  {
    name: 'exclusion ending before it starts',
    options: {
      exclusions: [
        { startSeconds: 0, endSeconds: 60, reason: 'ok' },
        { startSeconds: 100, endSeconds: 50, reason: 'x' },
      ],
    },
    field: 'exclusions[1]',
  },
];
for (const row of errorRows) {
  test(`filterAnomalies rejects: ${row.name}`, () => {
    assert.throws(
      () => filterAnomalies(series([1, 2, 3, 4, 5]), row.options),
      (err: unknown) => err instanceof PrescaleError && err.code === 'invalid-input' && err.field === row.field,
    );
  });
}

test('scoreAgainstWindows rejects a mask of the wrong length', () => {
  assert.throws(
    () => scoreAgainstWindows(series([1, 2, 3]), new Uint8Array(2), []),
    (err: unknown) => err instanceof PrescaleError && err.code === 'invalid-input' && err.field === 'flaggedMask',
  );
});

test('cleanTrainingSeries replaces an isolated burst by its rolling median and leaves the rest and the input as they are', () => {
  const values = Float64Array.from({ length: 200 }, (_, i) => 100 + 10 * Math.sin(i / 10));
  values[120] = 5000;
  const series = { startSeconds: 0, stepSeconds: 60, values };
  const cleaned = cleanTrainingSeries(series);
  assert.equal(values[120], 5000);
  assert.ok(cleaned.values[120] > 80 && cleaned.values[120] < 120);
  for (let i = 0; i < values.length; i++) if (i !== 120) assert.equal(cleaned.values[i], values[i]);
  assert.equal(cleaned.startSeconds, 0);
  assert.equal(cleaned.stepSeconds, 60);
});
