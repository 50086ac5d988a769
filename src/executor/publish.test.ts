import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { choosePublishedReplicas, type PublishInput } from './publish.js';

const base: PublishInput = {
  mode: 'Auto',
  fallbackActive: false,
  plannedReplicas: 7,
  reactiveReplicas: 4,
  lastPublishedReplicas: 5,
  minReplicas: 2,
  maxReplicas: 10,
};

const publishRows: { name: string; input: Partial<PublishInput>; want: { replicas: number; source: string } }[] = [
  { name: 'trusted forecast publishes the plan', input: {}, want: { replicas: 7, source: 'plan' } },
  {
    name: 'fallback publishes the reactive value',
    input: { fallbackActive: true },
    want: { replicas: 4, source: 'reactive' },
  },
  {
    name: 'ForecastOnly never steers by the plan',
    input: { mode: 'ForecastOnly' },
    want: { replicas: 4, source: 'reactive' },
  },
  {
    name: 'fallback without fresh metrics holds the last value',
    input: { fallbackActive: true, reactiveReplicas: null },
    want: { replicas: 5, source: 'last-published' },
  },
  {
    name: 'nothing known yet: minReplicas',
    input: { fallbackActive: true, reactiveReplicas: null, lastPublishedReplicas: null },
    want: { replicas: 2, source: 'min-replicas' },
  },
  {
    name: 'a NaN plan is never published',
    input: { plannedReplicas: Number.NaN },
    want: { replicas: 4, source: 'reactive' },
  },
  {
    name: 'NaN everywhere still publishes a number',
    input: {
      plannedReplicas: Number.NaN,
      reactiveReplicas: Number.POSITIVE_INFINITY,
      lastPublishedReplicas: Number.NaN,
    },
    want: { replicas: 2, source: 'min-replicas' },
  },
  { name: 'a fractional plan is rounded up', input: { plannedReplicas: 6.2 }, want: { replicas: 7, source: 'plan' } },
  { name: 'clamped to maxReplicas', input: { plannedReplicas: 40 }, want: { replicas: 10, source: 'plan' } },
  {
    name: 'clamped to minReplicas',
    input: { fallbackActive: true, reactiveReplicas: 0 },
    want: { replicas: 2, source: 'reactive' },
  },
  { name: 'a negative plan is refused', input: { plannedReplicas: -3 }, want: { replicas: 4, source: 'reactive' } },
];

for (const row of publishRows) {
  test(`choosePublishedReplicas: ${row.name}`, () => {
    const got = choosePublishedReplicas({ ...base, ...row.input });
    assert.deepEqual({ replicas: got.replicas, source: got.source }, row.want);
    assert.ok(got.reason.length > 0);
  });
}

test('choosePublishedReplicas: property — any inputs give a whole number within [min, max]', () => {
  const maybeNumber = fc.oneof(fc.constant(null), fc.double(), fc.integer({ min: -5, max: 500 }));
  fc.assert(
    fc.property(
      fc.record({
        mode: fc.constantFrom('Auto' as const, 'ForecastOnly' as const),
        fallbackActive: fc.boolean(),
        plannedReplicas: maybeNumber,
        reactiveReplicas: maybeNumber,
        lastPublishedReplicas: maybeNumber,
        minReplicas: fc.integer({ min: 0, max: 20 }),
        span: fc.integer({ min: 0, max: 100 }),
      }),
      ({ span, ...rest }) => {
        const input = { ...rest, maxReplicas: rest.minReplicas + span };
        const { replicas } = choosePublishedReplicas(input);
        assert.ok(Number.isInteger(replicas), String(replicas));
        assert.ok(replicas >= input.minReplicas && replicas <= input.maxReplicas);
      },
    ),
  );
});
