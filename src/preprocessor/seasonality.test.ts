import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrescaleError, type Series } from '../core/index.js';
import { readTraceCsv, sharedDataPath } from '../testing/trace-csv.js';
import { resampleToStep } from './resample.js';
import { detectSeasonalPeriods, type SeasonalityOptions } from './seasonality.js';

/** Seeded uniform random numbers (mulberry32), so the noise tests are reproducible. */
function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function series(values: Float64Array, stepSeconds: number): Series {
  return { startSeconds: 0, stepSeconds, values };
}

test('NASA July 1995 per minute (39,693 buckets, full resolution): a daily and a weekly period', () => {
  const nasa = resampleToStep(readTraceCsv(sharedDataPath('nasa-http/nasa_jul95_requests_per_minute.csv')), {
    stepSeconds: 60,
    aggregation: 'sum',
  });
  const periods = detectSeasonalPeriods(nasa);
  assert.deepEqual(
    periods.map((p) => [p.periodSteps, p.periodSeconds]),
    [
      [1440, 86400],
      [10080, 604800],
    ],
  );
  for (const p of periods) assert.ok(p.strength > 0.4 && p.strength < 1, `strength ${p.strength}`);
});

test('NASA aggregated to 5 min with a 6 h hole: the same day and week, in 5 min steps', () => {
  const nasa = resampleToStep(readTraceCsv(sharedDataPath('nasa-http/nasa_jul95_requests_per_minute.csv')), {
    stepSeconds: 300,
    aggregation: 'sum',
  });
  nasa.values.fill(Number.NaN, 3000, 3072);
  assert.deepEqual(
    detectSeasonalPeriods(nasa).map((p) => p.periodSeconds),
    [86400, 604800],
  );
});

test('Wikipedia hourly requests, January 2016: day and week', () => {
  const wiki = resampleToStep(
    readTraceCsv(sharedDataPath('wikipedia/en_wikipedia_desktop_requests_hourly_2016-01.csv')),
    {
      stepSeconds: 3600,
      aggregation: 'mean',
    },
  );
  assert.deepEqual(
    detectSeasonalPeriods(wiki).map((p) => p.periodSteps),
    [24, 168],
  );
});

test('maxPeriodSteps bounds the search: NASA per minute below a week finds only the day', () => {
  const nasa = resampleToStep(readTraceCsv(sharedDataPath('nasa-http/nasa_jul95_requests_per_minute.csv')), {
    stepSeconds: 60,
    aggregation: 'sum',
  });
  assert.deepEqual(
    detectSeasonalPeriods(nasa, { maxPeriodSteps: 5000 }).map((p) => p.periodSteps),
    [1440],
  );
});

test('white noise has no seasonal period (every lag scores below 0.2)', () => {
  for (const seed of [1, 2, 3]) {
    const random = seededRandom(seed);
    const noise = Float64Array.from({ length: 5000 }, () => random() + random() + random());
    assert.deepEqual(detectSeasonalPeriods(series(noise, 60)), [], `seed ${seed}`);
    const all = detectSeasonalPeriods(series(noise, 60), { minStrength: 0 });
    assert.ok(
      all.every((p) => p.strength < 0.2),
      `seed ${seed}: ${all.map((p) => p.strength)}`,
    );
  }
});

test('a noisy 37-step cycle (not a calendar period) is found at 37', () => {
  const random = seededRandom(7);
  const values = Float64Array.from({ length: 3000 }, (_, i) => 10 * Math.sin((2 * Math.PI * i) / 37) + 3 * random());
  const periods = detectSeasonalPeriods(series(values, 10));
  assert.equal(periods[0]?.periodSteps, 37);
  assert.ok(periods[0].strength > 0.9);
});

const errorRows: { name: string; length: number; options: SeasonalityOptions; code: string; field: string }[] = [
  {
    name: 'minPeriodSteps below 2',
    length: 100,
    options: { minPeriodSteps: 1 },
    code: 'invalid-input',
    field: 'minPeriodSteps',
  },
  {
    name: 'maxPeriodSteps below minPeriodSteps',
    length: 100,
    options: { minPeriodSteps: 10, maxPeriodSteps: 5 },
    code: 'invalid-input',
    field: 'maxPeriodSteps',
  },
  {
    name: 'minStrength above 1',
    length: 100,
    options: { minStrength: 2 },
    code: 'invalid-input',
    field: 'minStrength',
  },
  { name: 'series too short', length: 10, options: {}, code: 'not-enough-data', field: 'series' },
];
for (const row of errorRows) {
  test(`detectSeasonalPeriods rejects: ${row.name}`, () => {
    const values = Float64Array.from({ length: row.length }, (_, i) => i % 4);
    assert.throws(
      () => detectSeasonalPeriods(series(values, 60), row.options),
      (err: unknown) => err instanceof PrescaleError && err.code === row.code && err.field === row.field,
    );
  });
}

test('detectSeasonalPeriods rejects a series without any observation', () => {
  assert.throws(
    () => detectSeasonalPeriods(series(new Float64Array(100).fill(Number.NaN), 60)),
    (err: unknown) => err instanceof PrescaleError && err.code === 'not-enough-data' && err.field === 'series',
  );
});
