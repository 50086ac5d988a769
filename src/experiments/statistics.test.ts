import assert from 'node:assert/strict';
import { test } from 'node:test';
import { meanInterval, pairedTTest, studentTCdf, studentTQuantile } from './statistics.js';

// Two-sided 95 % critical values of Student's t from published tables (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2).
const CRITICAL_VALUES = [
  { df: 1, t: 12.706 },
  { df: 2, t: 4.303 },
  { df: 4, t: 2.776 },
  { df: 10, t: 2.228 },
  { df: 29, t: 2.045 },
  { df: 100, t: 1.984 },
];

for (const { df, t } of CRITICAL_VALUES) {
  test(`t quantile 0.975 with ${df} degrees of freedom is the table's ${t}`, () => {
    assert.ok(Math.abs(studentTQuantile(0.975, df) - t) < 5e-4, `${studentTQuantile(0.975, df)}`);
    assert.ok(Math.abs(studentTCdf(t, df) - 0.975) < 1e-4);
    assert.ok(Math.abs(studentTCdf(-t, df) - 0.025) < 1e-4);
  });
}

test('the t CDF of 1 degree of freedom is the Cauchy CDF', () => {
  for (const t of [-3, -0.5, 0, 0.7, 4])
    assert.ok(Math.abs(studentTCdf(t, 1) - (0.5 + Math.atan(t) / Math.PI)) < 1e-12);
});

test('a 95 % interval is mean ± t · s/√n and contains the mean', () => {
  const ci = meanInterval([10, 12, 14]);
  assert.equal(ci.mean, 12);
  assert.equal(ci.std, 2);
  const half = 4.302653 * (2 / Math.sqrt(3));
  assert.ok(Math.abs(ci.lower! - (12 - half)) < 1e-5 && Math.abs(ci.upper! - (12 + half)) < 1e-5);
  assert.deepEqual(meanInterval([5]), { n: 1, mean: 5, std: 0, level: 0.95, lower: null, upper: null });
});

test('the paired t test: t = mean difference over its standard error, p two-sided', () => {
  // Differences 1, 2, 3: mean 2, s 1, t = 2 / (1/√3) = 3.464, df 2 → p = 0.0742 (R: t.test(paired = TRUE)).
  const result = pairedTTest([2, 4, 6], [1, 2, 3]);
  assert.equal(result.n, 3);
  assert.equal(result.df, 2);
  assert.ok(Math.abs(result.t! - 3.4641016) < 1e-6);
  assert.ok(Math.abs(result.p! - 0.07417) < 1e-4, `${result.p}`);
  assert.ok(result.difference.lower! < 2 && result.difference.upper! > 2);
});

test('the paired t test without spread: p 1 for no difference, p 0 and no t for a constant one', () => {
  assert.deepEqual([pairedTTest([1, 2], [1, 2]).t, pairedTTest([1, 2], [1, 2]).p], [0, 1]);
  assert.deepEqual([pairedTTest([2, 3], [1, 2]).t, pairedTTest([2, 3], [1, 2]).p], [null, 0]);
  assert.throws(() => pairedTTest([1], [1, 2]), /1 values against 2/);
});
