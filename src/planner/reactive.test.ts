import assert from 'node:assert/strict';
import { test } from 'node:test';
import { currentOf } from '../testing/planner-fixtures.js';
import { ceilReplicas, reactiveReplicas } from './reactive.js';
import type { CurrentState } from './types.js';

// Target utilization 70%, capacity 100 per pod, tolerance 0.1 (the HPA's defaults for the band).
const rows: { name: string; input: CurrentState; want: number | null }[] = [
  { name: 'utilization at target keeps replicas', input: currentOf(4, 70), want: 4 },
  { name: 'inside the band (+10%) keeps replicas', input: currentOf(4, 77), want: 4 },
  { name: 'inside the band (-10%) keeps replicas', input: currentOf(4, 63), want: 4 },
  { name: 'above the band: ceil(4 × 105/70) = 6', input: currentOf(4, 105), want: 6 },
  { name: 'below the band: ceil(4 × 35/70) = 2', input: currentOf(4, 35), want: 2 },
  {
    name: 'multiplies by ready pods, not spec replicas',
    input: { replicas: 4, readyReplicas: 2, utilizationPercent: 140, load: null },
    want: 4,
  },
  { name: 'load above the band: ceil(650 / 100) = 7', input: currentOf(4, null, 650), want: 7 },
  { name: 'load inside the band keeps replicas', input: currentOf(4, null, 420), want: 4 },
  { name: 'load with zero replicas: ceil(250 / 100) = 3', input: currentOf(0, null, 250), want: 3 },
  { name: 'both metrics: the larger proposal wins', input: currentOf(4, 105, 900), want: 9 },
  { name: 'no metric at all', input: currentOf(4, null, null), want: null },
  { name: 'a non-finite metric is ignored', input: currentOf(4, Number.NaN, null), want: null },
];
for (const row of rows) {
  test(`reactiveReplicas: ${row.name}`, () => {
    assert.equal(reactiveReplicas(row.input, 70, 100, 0.1), row.want);
  });
}

test('ceilReplicas forgives float noise but rounds real fractions up', () => {
  assert.equal((200 * 1.1) / 110, 2.0000000000000004);
  assert.equal(ceilReplicas((200 * 1.1) / 110), 2);
  assert.equal(ceilReplicas(3.001), 4);
  assert.equal(ceilReplicas(0), 0);
});
