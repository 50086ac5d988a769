import assert from 'node:assert/strict';
import { test } from 'node:test';
import { meanDelay, sampleDelay } from './distributions.js';
import { createRandom } from './random.js';

test('same seed and stream give the same sequence; another stream or seed does not', () => {
  const draw = (seed: number, stream: string) => Array.from({ length: 5 }, createRandom(seed, stream).next);
  assert.deepEqual(draw(1, 'pods'), draw(1, 'pods'));
  assert.notDeepEqual(draw(1, 'pods'), draw(1, 'arrivals'));
  assert.notDeepEqual(draw(1, 'pods'), draw(2, 'pods'));
  for (const value of draw(3, 'x')) assert.ok(value >= 0 && value < 1);
});

const poissonRows = [
  { name: 'small mean (Knuth)', input: 3, want: 3 },
  { name: 'large mean (PTRS)', input: 500, want: 500 },
  { name: 'very large mean (PTRS)', input: 1e6, want: 1e6 },
];

for (const row of poissonRows) {
  test(`poisson: ${row.name} has mean and variance λ`, () => {
    const random = createRandom(42, 'poisson');
    const n = 20_000;
    let sum = 0;
    let sumSquares = 0;
    for (let i = 0; i < n; i++) {
      const k = random.poisson(row.input);
      assert.ok(Number.isInteger(k) && k >= 0);
      sum += k;
      sumSquares += k * k;
    }
    const mean = sum / n;
    const variance = sumSquares / n - mean * mean;
    // Standard error of the mean is sqrt(λ/n); allow 5 of them. Variance within 5 %.
    assert.ok(Math.abs(mean - row.want) < 5 * Math.sqrt(row.want / n), `mean ${mean}`);
    assert.ok(Math.abs(variance / row.want - 1) < 0.05, `variance ${variance}`);
  });
}

test('poisson of 0 or a negative mean is 0', () => {
  const random = createRandom(1, 'p');
  assert.equal(random.poisson(0), 0);
  assert.equal(random.poisson(-3), 0);
});

const delays = [
  { name: 'constant', input: { distribution: 'constant', seconds: 7 } as const, median: 7 },
  { name: 'uniform', input: { distribution: 'uniform', minSeconds: 10, maxSeconds: 20 } as const, median: 15 },
  { name: 'exponential', input: { distribution: 'exponential', meanSeconds: 10 } as const, median: 10 * Math.LN2 },
  { name: 'lognormal', input: { distribution: 'lognormal', medianSeconds: 12, sigma: 0.4 } as const, median: 12 },
];

for (const row of delays) {
  test(`sampleDelay: ${row.name} has the right median and mean`, () => {
    const random = createRandom(5, 'delays');
    const draws = Float64Array.from({ length: 20_000 }, () => sampleDelay(row.input, random)).sort();
    const median = draws[draws.length / 2];
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    assert.ok(Math.abs(median - row.median) / row.median < 0.03, `median ${median}`);
    assert.ok(Math.abs(mean - meanDelay(row.input)) / meanDelay(row.input) < 0.03, `mean ${mean}`);
    assert.ok(draws[0] >= 0);
  });
}
