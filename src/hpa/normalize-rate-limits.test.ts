/** Rate limits: the legacy cap, the behavior policies over their periods, and the scale-event memory they read. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_BEHAVIOR, DOCS_SCALE_DOWN } from '../testing/hpa-fixtures.js';
import { event, NOW } from '../testing/hpa-memory-fixtures.js';
import { DEFAULT_SCALE_DOWN_RULES, DEFAULT_SCALE_UP_RULES } from './defaults.js';
import {
  limitReplicasLegacy,
  limitReplicasWithBehavior,
  markScaleEventsOutdated,
  periodStartFromEvents,
  replicasChangedInPeriod,
  scaleDownLimit,
  scaleUpLimit,
  storeScaleEvent,
} from './normalize.js';
import type { HpaBehavior, ScalingRules, TimestampedScaleEvent } from './types.js';

const replicaChange = (event: TimestampedScaleEvent): number => event.replicaChange;

// Golden rows: TestConvertDesiredReplicasWithRules (kubernetes horizontal_test.go), plus the 4-replica floor of the cap.
const legacyLimitRows: {
  name: string;
  input: { current: number; desired: number; min: number; max: number };
  want: { replicas: number; reason: string };
}[] = [
  {
    name: 'prenormalized desired replicas within range',
    input: { current: 5, desired: 7, min: 3, max: 8 },
    want: { replicas: 7, reason: 'DesiredWithinRange' },
  },
  {
    name: 'prenormalized desired replicas < minReplicas',
    input: { current: 3, desired: 1, min: 2, max: 8 },
    want: { replicas: 2, reason: 'TooFewReplicas' },
  },
  {
    name: 'maxReplicas is the limit because maxReplicas < scaleUpLimit',
    input: { current: 20, desired: 1000, min: 1, max: 10 },
    want: { replicas: 10, reason: 'TooManyReplicas' },
  },
  {
    name: 'scaleUpLimit is the limit because scaleUpLimit < maxReplicas',
    input: { current: 3, desired: 1000, min: 1, max: 2000 },
    want: { replicas: 6, reason: 'ScaleUpLimit' },
  },
  {
    name: 'the cap is at least 4 replicas',
    input: { current: 1, desired: 9, min: 1, max: 10 },
    want: { replicas: 4, reason: 'ScaleUpLimit' },
  },
];

for (const row of legacyLimitRows) {
  test(`limitReplicasLegacy: ${row.name}`, () => {
    const { current, desired, min, max } = row.input;
    const limited = limitReplicasLegacy(current, desired, min, max);
    assert.deepEqual({ replicas: limited.replicas, reason: limited.reason }, row.want);
  });
}

const upLimitRows: {
  name: string;
  input: { current: number; up?: TimestampedScaleEvent[]; down?: TimestampedScaleEvent[]; rules: ScalingRules };
  want: number;
}[] = [
  // Default scale-up rules: max(cur + 4, ceil(cur × 2)).
  {
    name: 'default scale-up: from 2 → max(6, 4) = 6',
    input: { current: 2, rules: DEFAULT_SCALE_UP_RULES },
    want: 6,
  },
  {
    name: 'default scale-up: from 10 → max(14, 20) = 20',
    input: { current: 10, rules: DEFAULT_SCALE_UP_RULES },
    want: 20,
  },
  {
    name: 'default scale-up: from 0 → max(4, 0) = 4',
    input: { current: 0, rules: DEFAULT_SCALE_UP_RULES },
    want: 4,
  },
  {
    name: 'selectPolicy Min takes the smaller allowance',
    input: { current: 10, rules: { ...DEFAULT_SCALE_UP_RULES, selectPolicy: 'Min' } },
    want: 14,
  },
  {
    name: 'selectPolicy Disabled: the limit is current',
    input: { current: 10, rules: { ...DEFAULT_SCALE_UP_RULES, selectPolicy: 'Disabled' } },
    want: 10,
  },
  {
    name: 'replicas added inside the period are counted from the period start',
    input: { current: 6, up: [event(10, 4)], rules: DEFAULT_SCALE_UP_RULES },
    want: 6,
  },
  {
    name: 'an event exactly one period old has left the period (strictly after)',
    input: { current: 6, up: [event(15, 4)], rules: DEFAULT_SCALE_UP_RULES },
    want: 12,
  },
  {
    name: 'replicas removed inside the period raise the period start',
    input: {
      current: 4,
      down: [event(30, 2)],
      rules: { ...DEFAULT_SCALE_UP_RULES, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
    },
    want: 9,
  },
];

for (const row of upLimitRows) {
  test(`scaleUpLimit: ${row.name}`, () => {
    const { current, up = [], down = [], rules } = row.input;
    assert.equal(
      scaleUpLimit(current, rules, periodStartFromEvents(current, up, down, NOW, replicaChange)).limit,
      row.want,
    );
  });
}

const downLimitRows: typeof upLimitRows = [
  {
    name: 'Kubernetes docs scale-down example: from 80 → min(76, trunc(72)) = 72',
    input: { current: 80, rules: DOCS_SCALE_DOWN },
    want: 72,
  },
  {
    name: 'Kubernetes docs scale-down example, next reconcile inside the period: start 72 + 8 = 80 → 72 again',
    input: { current: 72, down: [event(15, 8)], rules: DOCS_SCALE_DOWN },
    want: 72,
  },
  {
    name: 'Kubernetes docs scale-down example, the event exactly 60 s old has left: min(68, trunc(64.8)) = 64',
    input: { current: 72, down: [event(60, 8)], rules: DOCS_SCALE_DOWN },
    want: 64,
  },
  {
    name: 'selectPolicy Min takes the smallest change',
    input: { current: 80, rules: { ...DOCS_SCALE_DOWN, selectPolicy: 'Min' } },
    want: 76,
  },
  { name: 'default −100 % allows going to 0', input: { current: 80, rules: DEFAULT_SCALE_DOWN_RULES }, want: 0 },
  {
    name: 'percent truncates, so the number removed rounds up',
    input: { current: 7, rules: { ...DOCS_SCALE_DOWN, policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] } },
    want: 6,
  },
  {
    name: 'selectPolicy Disabled: the limit is current',
    input: { current: 80, rules: { ...DOCS_SCALE_DOWN, selectPolicy: 'Disabled' } },
    want: 80,
  },
];

for (const row of downLimitRows) {
  test(`scaleDownLimit: ${row.name}`, () => {
    const { current, up = [], down = [], rules } = row.input;
    assert.equal(
      scaleDownLimit(current, rules, periodStartFromEvents(current, up, down, NOW, replicaChange)).limit,
      row.want,
    );
  });
}

test('scaleUpLimit names the policy that set the limit and its period start', () => {
  const [pods, percent] = DEFAULT_SCALE_UP_RULES.policies;
  assert.deepEqual(scaleUpLimit(2, DEFAULT_SCALE_UP_RULES, periodStartFromEvents(2, [], [], NOW, replicaChange)), {
    limit: 6,
    policy: pods,
    periodStartReplicas: 2,
  });
  assert.deepEqual(
    scaleUpLimit(10, DEFAULT_SCALE_UP_RULES, periodStartFromEvents(10, [event(5, 4)], [], NOW, replicaChange)),
    {
      limit: 12,
      policy: percent,
      periodStartReplicas: 6,
    },
  );
  assert.deepEqual(
    scaleDownLimit(
      9,
      { ...DOCS_SCALE_DOWN, selectPolicy: 'Disabled' },
      periodStartFromEvents(9, [], [], NOW, replicaChange),
    ),
    {
      limit: 9,
      policy: null,
      periodStartReplicas: 9,
    },
  );
});

const behaviorLimitRows: {
  name: string;
  input: {
    current: number;
    desired: number;
    min?: number;
    max?: number;
    behavior?: HpaBehavior;
    up?: TimestampedScaleEvent[];
    down?: TimestampedScaleEvent[];
  };
  want: { replicas: number; reason: string };
}[] = [
  {
    name: 'rate limit binds: ScaleUpLimit',
    input: { current: 2, desired: 10 },
    want: { replicas: 6, reason: 'ScaleUpLimit' },
  },
  {
    name: 'max binds: TooManyReplicas',
    input: { current: 8, desired: 12 },
    want: { replicas: 10, reason: 'TooManyReplicas' },
  },
  {
    name: 'within both: DesiredWithinRange',
    input: { current: 4, desired: 7 },
    want: { replicas: 7, reason: 'DesiredWithinRange' },
  },
  {
    name: 'an exhausted allowance never goes below current',
    input: {
      current: 6,
      desired: 10,
      behavior: {
        ...DEFAULT_BEHAVIOR,
        scaleUp: { ...DEFAULT_SCALE_UP_RULES, policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] },
      },
      up: [event(5, 4)],
    },
    want: { replicas: 6, reason: 'ScaleUpLimit' },
  },
  {
    name: 'scale-down rate binds: ScaleDownLimit',
    input: { current: 80, desired: 10, max: 100, behavior: { ...DEFAULT_BEHAVIOR, scaleDown: DOCS_SCALE_DOWN } },
    want: { replicas: 72, reason: 'ScaleDownLimit' },
  },
  {
    name: 'min binds: TooFewReplicas',
    input: { current: 5, desired: 1, min: 3 },
    want: { replicas: 3, reason: 'TooFewReplicas' },
  },
  {
    name: 'no change: DesiredWithinRange',
    input: { current: 5, desired: 5, min: 3 },
    want: { replicas: 5, reason: 'DesiredWithinRange' },
  },
];

for (const row of behaviorLimitRows) {
  test(`limitReplicasWithBehavior: ${row.name}`, () => {
    const i = row.input;
    const limited = limitReplicasWithBehavior({
      behavior: i.behavior ?? DEFAULT_BEHAVIOR,
      scaleUpEvents: i.up ?? [],
      scaleDownEvents: i.down ?? [],
      currentReplicas: i.current,
      desiredReplicas: i.desired,
      minReplicas: i.min ?? 1,
      maxReplicas: i.max ?? 10,
      nowSeconds: NOW,
    });
    assert.deepEqual({ replicas: limited.replicas, reason: limited.reason }, row.want);
  });
}

test('replicasChangedInPeriod counts events strictly after now − period, outdated or not', () => {
  const events = [event(60, 5), event(59, 2), event(10, 1, true)];
  assert.equal(replicasChangedInPeriod(events, 60, NOW, replicaChange), 3);
  assert.equal(replicasChangedInPeriod(events, 61, NOW, replicaChange), 8);
});

test('markScaleEventsOutdated flags events strictly older than the longest period and never clears the flag', () => {
  const marked = markScaleEventsOutdated([event(61, 1), event(60, 2), event(5, 3, true)], 60, NOW);
  assert.deepEqual(
    marked.map((e) => e.outdated),
    [true, false, true],
  );
});

test('storeScaleEvent writes over the last outdated slot of its direction, else appends', () => {
  const behavior = { ...DEFAULT_BEHAVIOR, scaleDown: DOCS_SCALE_DOWN };
  const down = [event(200, 1), event(30, 2), event(100, 3)];
  const stored = storeScaleEvent({
    behavior,
    scaleUpEvents: [event(5, 9)],
    scaleDownEvents: down,
    previousReplicas: 10,
    newReplicas: 6,
    nowSeconds: NOW,
  });
  assert.deepEqual(stored.scaleDownEvents, [event(200, 1, true), event(30, 2), event(0, 4)]);
  assert.deepEqual(stored.scaleUpEvents, [event(5, 9)], 'the other direction is untouched');
  assert.deepEqual(down, [event(200, 1), event(30, 2), event(100, 3)], 'the input memory is not mutated');
  const appended = storeScaleEvent({
    behavior,
    scaleUpEvents: [event(15, 4)],
    scaleDownEvents: [],
    previousReplicas: 2,
    newReplicas: 6,
    nowSeconds: NOW,
  });
  assert.deepEqual(
    appended.scaleUpEvents,
    [event(15, 4), event(0, 4)],
    'an event exactly 15 s old is not outdated yet',
  );
});
