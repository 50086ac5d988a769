import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextSyncMs, syncOffsetMs } from './sync-schedule.js';

const PERIOD_MS = 30_000;

test('syncOffsetMs: the same workload always gets the same offset, inside its period', () => {
  for (const key of ['shop/web', 'shop/api', 'bench/w0', '']) {
    const offset = syncOffsetMs(key, PERIOD_MS);
    assert.equal(syncOffsetMs(key, PERIOD_MS), offset, key);
    assert.ok(Number.isInteger(offset) && offset >= 0 && offset < PERIOD_MS, `${key}: ${offset}`);
  }
  assert.notEqual(syncOffsetMs('shop/web', PERIOD_MS), syncOffsetMs('shop/api', PERIOD_MS));
});

/** How many of `offsets` fall in each tenth of the period. */
function perTenth(offsets: readonly number[]): number[] {
  const counts = Array.from({ length: 10 }, () => 0);
  for (const offset of offsets) counts[Math.floor((10 * offset) / PERIOD_MS)]++;
  return counts;
}

test('syncOffsetMs: a fleet is spread over the period, each tenth of it holding between half and twice its share', () => {
  for (const workloads of [120, 1000]) {
    const offsets = Array.from({ length: workloads }, (_, i) => syncOffsetMs(`bench/w${i}`, PERIOD_MS));
    const share = workloads / 10;
    for (const [tenth, count] of perTenth(offsets).entries()) {
      assert.ok(count > share / 2 && count < 2 * share, `${workloads} workloads: tenth ${tenth} holds ${count}`);
    }
    // Not a handful of slots either: nearly every workload has a millisecond of its own.
    assert.ok(new Set(offsets).size > 0.95 * workloads, `${new Set(offsets).size} distinct offsets`);
  }
});

const rows = [
  { name: 'before the offset in the period: the offset', input: { nowMs: 60_000, offsetMs: 7_000 }, want: 67_000 },
  { name: 'past it: the next period', input: { nowMs: 68_000, offsetMs: 7_000 }, want: 97_000 },
  { name: 'exactly on a sync time: the next one', input: { nowMs: 67_000, offsetMs: 7_000 }, want: 97_000 },
  { name: 'no offset: the next multiple of the period', input: { nowMs: 61_000, offsetMs: 0 }, want: 90_000 },
  { name: 'a sync that overran its slot skips to the next', input: { nowMs: 98_500, offsetMs: 7_000 }, want: 127_000 },
];
for (const { name, input, want } of rows) {
  test(`nextSyncMs: ${name}`, () => {
    assert.equal(nextSyncMs(input.nowMs, PERIOD_MS, input.offsetMs), want);
  });
}
