/** The tolerance band around a usage ratio, and which tolerance an HPA gets (the controller flag or its behavior). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_TOLERANCES } from '../testing/replica-calculator-fixtures.js';
import { isWithinTolerance, type Tolerances, tolerancesForHpa } from './replicas.js';

const toleranceRows: { name: string; input: { tolerances: Tolerances; ratio: number }; want: boolean }[] = [
  { name: 'lower bound is inclusive', input: { tolerances: DEFAULT_TOLERANCES, ratio: 0.9 }, want: true },
  { name: 'upper bound is inclusive', input: { tolerances: DEFAULT_TOLERANCES, ratio: 1.1 }, want: true },
  { name: 'just below the band', input: { tolerances: DEFAULT_TOLERANCES, ratio: 0.8999 }, want: false },
  { name: 'just above the band', input: { tolerances: DEFAULT_TOLERANCES, ratio: 1.1001 }, want: false },
  { name: 'asymmetric: 5 % up', input: { tolerances: { scaleDown: 0.1, scaleUp: 0.05 }, ratio: 1.06 }, want: false },
  { name: 'asymmetric: 30 % down', input: { tolerances: { scaleDown: 0.3, scaleUp: 0.05 }, ratio: 0.75 }, want: true },
  { name: 'NaN is never within', input: { tolerances: DEFAULT_TOLERANCES, ratio: Number.NaN }, want: false },
];

for (const row of toleranceRows) {
  test(`isWithinTolerance: ${row.name}`, () => {
    assert.equal(isWithinTolerance(row.input.tolerances, row.input.ratio), row.want);
  });
}

test('tolerancesForHpa: the flag both ways; behavior overrides per direction; legacy HPAs ignore nothing else', () => {
  const rules = { stabilizationWindowSeconds: 0, selectPolicy: 'Max' as const, policies: [], tolerance: null };
  assert.deepEqual(tolerancesForHpa(null, 0.1), { scaleDown: 0.1, scaleUp: 0.1 });
  assert.deepEqual(
    tolerancesForHpa({ scaleUp: { ...rules, tolerance: 0.05 }, scaleDown: { ...rules, tolerance: null } }, 0.1),
    { scaleDown: 0.1, scaleUp: 0.05 },
  );
  assert.deepEqual(
    tolerancesForHpa({ scaleUp: rules, scaleDown: { ...rules, stabilizationWindowSeconds: null, tolerance: 0 } }, 0.2),
    { scaleDown: 0, scaleUp: 0.2 },
  );
});
