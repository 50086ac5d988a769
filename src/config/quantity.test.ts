import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatMilli, isQuantityProblem, parseQuantity } from './quantity.js';

// MilliValue() = ceil(q × 1000) on the exact decimal value (resource.Quantity).
const parsedRows: { name: string; input: string; want: { milli: number; approximate: number } }[] = [
  { name: 'millicores', input: '500m', want: { milli: 500, approximate: 0.5 } },
  { name: 'whole cores', input: '2', want: { milli: 2000, approximate: 2 } },
  { name: 'decimal fraction is exact, not 0.1 in binary', input: '0.1', want: { milli: 100, approximate: 0.1 } },
  { name: 'leading dot', input: '.5', want: { milli: 500, approximate: 0.5 } },
  { name: 'trailing dot', input: '3.', want: { milli: 3000, approximate: 3 } },
  { name: 'explicit plus sign', input: '+1', want: { milli: 1000, approximate: 1 } },
  { name: 'kilo', input: '1k', want: { milli: 1_000_000, approximate: 1000 } },
  { name: 'binary Mi', input: '256Mi', want: { milli: 268_435_456_000, approximate: 268_435_456 } },
  { name: 'fractional Gi', input: '1.5Gi', want: { milli: 1_610_612_736_000, approximate: 1_610_612_736 } },
  { name: 'decimal exponent', input: '3e2', want: { milli: 300_000, approximate: 300 } },
  { name: 'upper-case exponent with sign', input: '25E-3', want: { milli: 25, approximate: 0.025 } },
  { name: 'nano rounds up to one milli', input: '100n', want: { milli: 1, approximate: 1e-7 } },
  { name: 'micro rounds up', input: '1500u', want: { milli: 2, approximate: 0.0015 } },
  { name: 'sub-milli decimal rounds up', input: '0.0001', want: { milli: 1, approximate: 0.0001 } },
  { name: 'tiny exponent still costs one milli', input: '1e-30', want: { milli: 1, approximate: 1e-30 } },
  { name: 'zero', input: '0', want: { milli: 0, approximate: 0 } },
  { name: 'negative zero', input: '-0', want: { milli: 0, approximate: 0 } },
  { name: 'tolerance read as a float', input: '0.05', want: { milli: 50, approximate: 0.05 } },
];

for (const row of parsedRows) {
  test(`parseQuantity: ${row.name} (${row.input})`, () => {
    const parsed = parseQuantity(row.input);
    assert.ok(!isQuantityProblem(parsed), JSON.stringify(parsed));
    assert.equal(parsed.milli, row.want.milli);
    assert.equal(parsed.approximate, row.want.approximate);
  });
}

const problemRows: { name: string; input: string; want: RegExp }[] = [
  { name: 'unknown suffix', input: '5x', want: /^"5x" is not a Kubernetes quantity; write e\.g\./ },
  { name: 'empty', input: '', want: /is not a Kubernetes quantity/ },
  { name: 'space inside', input: '5 m', want: /is not a Kubernetes quantity/ },
  { name: 'lower-case binary suffix', input: '1mi', want: /is not a Kubernetes quantity/ },
  { name: 'negative', input: '-1', want: /^"-1" is negative; give a value ≥ 0$/ },
  { name: 'beyond 2^53 milli-units', input: '10E', want: /is too large for the emulation/ },
  { name: 'huge exponent does not hang', input: '1e999999', want: /is too large for the emulation/ },
];

for (const row of problemRows) {
  test(`parseQuantity refuses: ${row.name}`, () => {
    const parsed = parseQuantity(row.input);
    assert.ok(isQuantityProblem(parsed));
    assert.match(parsed.problem, row.want);
  });
}

test('formatMilli writes quantities that parse back to the same milli-value', () => {
  for (const milli of [0, 1, 250, 999, 1000, 2500, 268_435_456_000]) {
    const text = formatMilli(milli);
    const parsed = parseQuantity(text);
    assert.ok(!isQuantityProblem(parsed));
    assert.equal(parsed.milli, milli, text);
  }
  assert.equal(formatMilli(250), '250m');
  assert.equal(formatMilli(3000), '3');
});
