import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Aggregate, SUMMARY_FIELDS, type SummaryAggregate } from '../simulator/summary.js';
import { costAtMinutes, equalCostRows, minutesAtCost, paretoFrontier, type SweepPoint } from './frontier.js';

const close = (actual: number | undefined, expected: number, what: string) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);

test('the frontier keeps the points nothing beats, by cost ascending with minutes falling', () => {
  const points = [
    { name: 'a', cost: 60, minutes: 150 },
    { name: 'b', cost: 57, minutes: 270 },
    { name: 'dominated', cost: 63, minutes: 160 },
    { name: 'c', cost: 67, minutes: 90 },
    { name: 'tie, dearer', cost: 70, minutes: 90 },
  ];
  assert.deepEqual(
    paretoFrontier(points).map((p) => p.name),
    ['b', 'a', 'c'],
  );
});

// A constructed HPA frontier: $50 → 300 min, $60 → 100 min, $70 → 20 min, $80 → 0 min.
const hpa = [
  { cost: 50, minutes: 300 },
  { cost: 60, minutes: 100 },
  { cost: 70, minutes: 20 },
  { cost: 80, minutes: 0 },
];

test('minutes at equal cost: linear between neighbours, a bound beyond the dear end, unknown below the cheap end', () => {
  // $62 is a fifth of the way from $60 to $70: 100 − 0.2 × 80 = 84 minutes.
  assert.deepEqual(minutesAtCost(hpa, 62), { value: 84, bound: 'exact' });
  // $55: halfway between 300 and 100.
  assert.deepEqual(minutesAtCost(hpa, 55), { value: 200, bound: 'exact' });
  assert.deepEqual(minutesAtCost(hpa, 60), { value: 100, bound: 'exact' });
  assert.deepEqual(minutesAtCost(hpa, 80), { value: 0, bound: 'exact' });
  assert.deepEqual(minutesAtCost(hpa, 95), { value: 0, bound: 'atMost' });
  assert.equal(minutesAtCost(hpa, 49), null);
});

test('cost at equal minutes: linear between neighbours, a bound above the cheap end, unknown below the fewest', () => {
  // 60 minutes: halfway between (60, 100) and (70, 20) → $65.
  assert.deepEqual(costAtMinutes(hpa, 60), { value: 65, bound: 'exact' });
  // 5 minutes: three quarters of the way from 20 to 0 → $77.50.
  assert.deepEqual(costAtMinutes(hpa, 5), { value: 77.5, bound: 'exact' });
  assert.deepEqual(costAtMinutes(hpa, 0), { value: 80, bound: 'exact' });
  assert.deepEqual(costAtMinutes(hpa, 400), { value: 50, bound: 'atMost' });
  assert.equal(costAtMinutes([{ cost: 50, minutes: 10 }], 3), null);
});

/** A sweep point whose only figures that matter are the cost and the minutes. */
function point(policy: 'hpa' | 'prescale', value: number, cost: number, minutes: number): SweepPoint {
  const of = (mean: number): Aggregate => ({ mean, std: 0, values: [mean] });
  const figures: Partial<Record<string, number>> = { cost, sloViolationMinutes: minutes };
  const aggregate = Object.fromEntries(
    SUMMARY_FIELDS.map((field) => [field, of(figures[field] ?? 0)]),
  ) as unknown as SummaryAggregate;
  return { policy, setting: `${value}`, value, configured: value === 0.8, aggregate };
}

test('each non-HPA point is read against the HPA frontier at its own cost and at its own minutes', () => {
  const rows = equalCostRows(
    [
      ...hpa.map((p, i) => point('hpa', 50 + 5 * i, p.cost, p.minutes)),
      // An HPA setting that is dearer and worse than another is off the frontier and must not bend it.
      point('hpa', 99, 65, 250),
      point('prescale', 0.8, 62, 21),
      point('prescale', 0.5, 52, 280),
    ],
    [{ policy: 'oracle-cost', setting: 'the limit', cost: 40, minutes: 0 }],
  );
  const shipped = rows.find((r) => r.configured)!;
  // At $62 the HPA frontier has 84 minutes: 21 / 84 = 0.25 of them.
  assert.deepEqual(shipped.hpaMinutesAtCost, { value: 84, bound: 'exact' });
  close(shipped.minutesRatio ?? undefined, 0.25, 'minutes ratio');
  // 21 minutes on the HPA frontier: 1/80 of the way from 20 back to 100 → $70 − $10/80 = $69.875.
  close(shipped.hpaCostAtMinutes?.value, 69.875, 'HPA cost at 21 minutes');
  close(shipped.costRatio ?? undefined, 62 / 69.875, 'cost ratio');
  // $52: 300 − 0.2 × 200 = 260 minutes.
  close(rows.find((r) => r.setting === '0.5')?.hpaMinutesAtCost?.value, 260, 'HPA minutes at $52');
  // The limit is cheaper than any HPA setting: no HPA reading at its cost; at 0 minutes the HPA costs $80.
  const limit = rows.find((r) => r.policy === 'oracle-cost')!;
  assert.equal(limit.hpaMinutesAtCost, null);
  assert.equal(limit.minutesRatio, null);
  close(limit.costRatio ?? undefined, 0.5, 'limit cost ratio');
});
