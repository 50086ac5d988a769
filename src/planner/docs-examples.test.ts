import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { parsePlanRequest } from '../config/plan-request.js';
import { repoRoot } from '../testing/paths.js';
import { plan } from './plan.js';

// Every worked example of docs/planner.md runs here: the request block after `<!-- example: name -->` is
// planned, and each field of the block after `<!-- result -->` must match the plan (arrays item by item).
const markdown = readFileSync(resolve(repoRoot, 'docs/planner.md'), 'utf8');
const pattern = /<!-- example: ([\w-]+) -->\s*```json\n([\s\S]*?)\n```\s*<!-- result -->\s*```json\n([\s\S]*?)\n```/g;
const examples = [...markdown.matchAll(pattern)].map(([, name, request, result]) => ({
  name,
  request: JSON.parse(request) as unknown,
  want: JSON.parse(result) as unknown,
}));

/** Asserts that every field of `want` is in `actual` with the same value; arrays must have the same length. */
function assertContains(actual: unknown, want: unknown, path: string): void {
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(actual), `${path}: not an array`);
    assert.equal(actual.length, want.length, `${path}: length`);
    for (let i = 0; i < want.length; i++) assertContains(actual[i], want[i], `${path}[${i}]`);
  } else if (want !== null && typeof want === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${path}: not an object`);
    for (const [key, value] of Object.entries(want)) {
      assertContains((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
    }
  } else {
    assert.equal(actual, want, path);
  }
}

test('docs/planner.md has its seven worked examples', () => {
  assert.deepEqual(
    examples.map((e) => e.name),
    [
      'forecast-binds',
      'reactive-floor',
      'scale-up-limit',
      'budget-over-floor',
      'stale-fallback',
      'scale-down-stabilization',
      'learned-capacity',
    ],
  );
});

for (const example of examples) {
  test(`docs/planner.md worked example: ${example.name}`, () => {
    const result = JSON.parse(JSON.stringify(plan(parsePlanRequest(example.request))));
    assertContains(result, example.want, 'plan');
  });
}
