import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shardOwner } from './shard-assignment.js';

// Rendezvous hashing over the live members: balanced, the same answer for the same members whatever their order,
// and only the keys of a member that leaves (or the share of one that joins) move.

/** 1,000 workload keys across 10 namespaces, named as a platform team names them. */
const keys = Array.from({ length: 1000 }, (_, i) => `team-${i % 10}/service-${i}`);
const three = ['prescale-0', 'prescale-1', 'prescale-2'];

function shares(members: readonly string[]): Map<string, string[]> {
  const byMember = new Map(members.map((member) => [member, [] as string[]]));
  for (const key of keys) byMember.get(shardOwner(key, members) as string)?.push(key);
  return byMember;
}

test('1,000 keys over 3 members: each owns its third within ±15 %, every key exactly once', () => {
  const byMember = shares(three);
  const counts = [...byMember.values()].map((owned) => owned.length);
  assert.equal(
    counts.reduce((sum, n) => sum + n, 0),
    keys.length,
  );
  for (const count of counts) {
    assert.ok(Math.abs(count - keys.length / 3) <= 0.15 * (keys.length / 3), `${count} of 1,000 (${counts})`);
  }
});

test('the owner depends on the members, not on their order; no members, no owner', () => {
  const reversed = [...three].reverse();
  for (const key of keys) assert.equal(shardOwner(key, reversed), shardOwner(key, three));
  assert.equal(shardOwner('shop/web', []), null);
  assert.equal(shardOwner('shop/web', ['prescale-0']), 'prescale-0');
});

test('a member leaves: only its keys move, spread over the others; it comes back: exactly those keys return', () => {
  const before = new Map(keys.map((key) => [key, shardOwner(key, three)]));
  const two = ['prescale-0', 'prescale-2'];
  const moved = keys.filter((key) => shardOwner(key, two) !== before.get(key));
  assert.deepEqual(
    moved,
    keys.filter((key) => before.get(key) === 'prescale-1'),
    'exactly the leaver’s keys move',
  );
  const takers = new Set(moved.map((key) => shardOwner(key, two)));
  assert.deepEqual([...takers].sort(), two, 'both survivors take a part');
  for (const key of keys) assert.equal(shardOwner(key, three), before.get(key), 'back to the first assignment');
});

test('a fourth member joins: it takes about a quarter, only from the others, and nothing else moves', () => {
  const four = [...three, 'prescale-3'];
  const moved = keys.filter((key) => shardOwner(key, four) !== shardOwner(key, three));
  assert.ok(
    moved.every((key) => shardOwner(key, four) === 'prescale-3'),
    'every key that moves goes to the newcomer',
  );
  assert.ok(Math.abs(moved.length - 250) <= 0.15 * 250, `${moved.length} keys moved`);
});
