import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PrescaleError } from '../core/index.js';
import { ManualClock } from '../testing/manual-clock.js';
import {
  compareFitTickets,
  ERROR_WEIGHT_SECONDS,
  type FitTicket,
  MAX_ERROR_RATIO,
  TrainingQueue,
  type TrainingSlot,
} from './training-queue.js';

const T = 1_700_000_000;

function ticket(key: string, fields: Partial<FitTicket> = {}): FitTicket {
  return { key, model: 'ets', hasModel: true, dueSeconds: T, errorRatio: null, ...fields };
}

describe('compareFitTickets: the order fits leave the queue in', () => {
  const rows: { name: string; input: FitTicket[]; want: string[] }[] = [
    {
      name: 'a new workload goes before every refit, however late the refit',
      input: [ticket('late-refit', { dueSeconds: T - 86_400 }), ticket('new', { hasModel: false, model: 'auto' })],
      want: ['new', 'late-refit'],
    },
    {
      name: 'first fits: the cheap models first (naive, seasonal-naive, ets/mstl, prophet, neural, auto)',
      input: [
        ticket('auto', { hasModel: false, model: 'auto', dueSeconds: T - 600 }),
        ticket('lstm', { hasModel: false, model: 'lstm', dueSeconds: T - 600 }),
        ticket('prophet', { hasModel: false, model: 'prophet' }),
        ticket('ets', { hasModel: false, model: 'ets' }),
        ticket('naive', { hasModel: false, model: 'naive' }),
      ],
      want: ['naive', 'ets', 'prophet', 'lstm', 'auto'],
    },
    {
      name: 'first fits of equally cheap models: the earliest asked first',
      input: [ticket('b', { hasModel: false, dueSeconds: T }), ticket('a', { hasModel: false, dueSeconds: T + 60 })],
      want: ['b', 'a'],
    },
    {
      name: 'refits: the longest past due first',
      input: [ticket('due-now', { dueSeconds: T }), ticket('due-2h-ago', { dueSeconds: T - 7200 })],
      want: ['due-2h-ago', 'due-now'],
    },
    {
      name: 'refits: an online error at maxError counts as ERROR_WEIGHT_SECONDS more past due',
      input: [
        ticket('30min-late', { dueSeconds: T - 1800 }),
        ticket('erring', { dueSeconds: T, errorRatio: 1 }),
        ticket('90min-late', { dueSeconds: T - 5400 }),
      ],
      want: ['90min-late', 'erring', '30min-late'],
    },
    {
      name: `refits: the error counts up to ${MAX_ERROR_RATIO}× maxError, so a broken model cannot pass a refit days late`,
      input: [
        ticket('broken', { dueSeconds: T, errorRatio: 1000 }),
        ticket('day-late', { dueSeconds: T - 86_400 }),
        ticket('3h-late', { dueSeconds: T - (MAX_ERROR_RATIO * ERROR_WEIGHT_SECONDS - 60) }),
      ],
      want: ['day-late', 'broken', '3h-late'],
    },
    {
      name: 'a tie is broken by the workload key (a total, reproducible order)',
      input: [ticket('shop/b'), ticket('shop/a')],
      want: ['shop/a', 'shop/b'],
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      assert.deepEqual(
        [...row.input].sort(compareFitTickets).map((t) => t.key),
        row.want,
      );
    });
  }
});

/** Asks for a slot and records when it is granted or dropped. */
function ask(queue: TrainingQueue, t: FitTicket, signal?: AbortSignal) {
  const state: { slot: TrainingSlot | null; dropped: unknown } = { slot: null, dropped: null };
  const done = queue.acquire(t, signal).then(
    (slot) => {
      state.slot = slot;
    },
    (error) => {
      state.dropped = error;
    },
  );
  return { state, done };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('TrainingQueue', () => {
  test('runs at most `concurrency` fits; a released slot goes to the first in order, not the first to ask', async () => {
    const queue = new TrainingQueue(2, new ManualClock(T * 1000));
    const a = ask(queue, ticket('a'));
    const b = ask(queue, ticket('b'));
    const refit = ask(queue, ticket('refit', { dueSeconds: T - 60 }));
    const fresh = ask(queue, ticket('new', { hasModel: false }));
    await settle();
    assert.ok(a.state.slot !== null && b.state.slot !== null);
    assert.equal(refit.state.slot, null);
    assert.equal(fresh.state.slot, null);
    assert.deepEqual(queue.stats(), { concurrency: 2, queued: 2, running: 2, oldestWaitSeconds: 0 });

    a.state.slot.release();
    a.state.slot.release(); // twice is once
    await settle();
    assert.ok(fresh.state.slot !== null, 'the new workload, asked last, goes first');
    assert.equal(refit.state.slot, null);
    assert.equal(queue.stats().running, 2);
    b.state.slot.release();
    await settle();
    assert.ok(refit.state.slot !== null);
    assert.deepEqual(queue.stats(), { concurrency: 2, queued: 0, running: 2, oldestWaitSeconds: 0 });
  });

  test('the oldest wait is measured on the injected clock', async () => {
    const clock = new ManualClock(T * 1000);
    const queue = new TrainingQueue(1, clock);
    ask(queue, ticket('running'));
    ask(queue, ticket('waiting'));
    await clock.advance(90_000);
    ask(queue, ticket('later'));
    await clock.advance(30_000);
    assert.deepEqual(queue.stats(), { concurrency: 1, queued: 2, running: 1, oldestWaitSeconds: 120 });
  });

  test('a queued fit whose workload is removed or changed (its signal aborted) is dropped and never runs', async () => {
    const queue = new TrainingQueue(1, new ManualClock(T * 1000));
    const running = ask(queue, ticket('running'));
    const controller = new AbortController();
    const removed = ask(queue, ticket('removed', { dueSeconds: T - 3600 }), controller.signal);
    const other = ask(queue, ticket('other'));
    await settle();
    controller.abort(new Error('workload removed'));
    await removed.done;
    assert.equal((removed.state.dropped as Error).message, 'workload removed');
    assert.equal(queue.stats().queued, 1);
    running.state.slot!.release();
    await settle();
    assert.ok(other.state.slot !== null);
    assert.equal(removed.state.slot, null);
  });

  test('an already aborted signal is refused at once', async () => {
    const queue = new TrainingQueue(1, new ManualClock(T * 1000));
    await assert.rejects(queue.acquire(ticket('a'), AbortSignal.abort(new Error('gone'))), /gone/);
    assert.equal(queue.stats().queued, 0);
  });

  test('a workload never has two fits queued: a second ticket replaces the first, which is dropped', async () => {
    const queue = new TrainingQueue(1, new ManualClock(T * 1000));
    const running = ask(queue, ticket('running'));
    const first = ask(queue, ticket('shop/api'));
    const second = ask(queue, ticket('shop/api', { dueSeconds: T + 60 }));
    await first.done;
    assert.match((first.state.dropped as Error).message, /shop\/api: a newer fit of this workload replaced/);
    assert.equal(queue.stats().queued, 1);
    running.state.slot!.release();
    await second.done;
    assert.ok(second.state.slot !== null);
  });

  test('a concurrency below 1 or not whole is refused, naming the field', () => {
    for (const concurrency of [0, 1.5]) {
      assert.throws(
        () => new TrainingQueue(concurrency, new ManualClock(0)),
        (error: unknown) => error instanceof PrescaleError && error.field === 'loop.trainingConcurrency',
      );
    }
  });
});
