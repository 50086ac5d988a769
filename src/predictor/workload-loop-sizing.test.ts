import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricSource, RangeQuery } from '../collector/types.js';
import { safeParseServiceConfig } from '../config/service.js';
import type { RawSeries } from '../core/index.js';
import { ManualClock } from '../testing/manual-clock.js';
import { minimalWorkload } from '../testing/workload-fixtures.js';
import { fitModel } from './trainer.js';
import { WorkloadLoop } from './workload-loop.js';

// The live loop hands the planner what its sizing options read: the load of the last days for
// `planner.seasonalEnvelope` (read back past the model's context) and the scored misses for `planner.uncertainty`.

const STEP = 60;
const DAY = 86_400;
/** 06:29:30 on a day far from the epoch: the step of `DailyStepSource` comes at 06:30. */
const NOW = 20_000 * DAY + 6 * 3600 + 29 * 60 + 30;

/** 100 load units, 250 from 06:30 to 07:00 every day, as Prometheus answers a range query on its grid. */
class DailyStepSource implements MetricSource {
  readonly name = 'test';
  readonly queries: RangeQuery[] = [];

  async range(q: RangeQuery): Promise<RawSeries> {
    this.queries.push(q);
    const times: number[] = [];
    const values: number[] = [];
    for (let t = q.startSeconds; t <= q.endSeconds; t += q.stepSeconds) {
      const secondOfDay = ((t % DAY) + DAY) % DAY;
      times.push(t);
      // The rate sampled at t measures the minute before it: the step shows from 06:31.
      values.push(secondOfDay > 6 * 3600 + 30 * 60 && secondOfDay <= 7 * 3600 ? 250 : 100 + ((t / STEP) % 3));
    }
    return { timestampsSeconds: Float64Array.from(times), values: Float64Array.from(values) };
  }
}

async function loopWith(planner: Record<string, unknown>) {
  const parsed = safeParseServiceConfig({
    loop: { trainer: 'in-process' },
    workloads: [
      minimalWorkload({
        metric: { query: 'sum(rate(http_requests_total{job="web"}[1m]))', step: '60s' },
        prediction: { history: '3h' },
        maxReplicas: 20,
        planner,
      }),
    ],
  });
  assert.ok(parsed.success, JSON.stringify(!parsed.success && parsed.issues));
  const source = new DailyStepSource();
  const loop = new WorkloadLoop({
    workload: parsed.data.workloads[0],
    loop: parsed.data.loop,
    source,
    instant: { queryInstant: async () => [] },
    trainer: { fit: fitModel, close: async () => {} },
    clock: new ManualClock(NOW * 1000),
    modelPath: null,
    publishers: [],
    metrics: null,
  });
  return { loop, source };
}

/** Syncs every 15 s from `from` to `to` (both included), letting the first fit finish; returns the last plan. */
async function syncs(loop: WorkloadLoop, from: number, to: number) {
  for (let t = from; t <= to; t += 15) {
    await loop.sync(t);
    await loop.whenIdle();
  }
  const plan = loop.status().plan;
  assert.ok(plan !== null, String(loop.status().planError));
  return plan.decision;
}

test('seasonalEnvelope Daily: the loop reads three days back and plans the recurring 06:30 step before it comes', async () => {
  const daily = await loopWith({ seasonalEnvelope: 'Daily' });
  const got = await syncs(daily.loop, NOW - 300, NOW);
  daily.loop.close();
  assert.ok(
    daily.source.queries.some((q) => q.startSeconds <= NOW - 3 * DAY - 3600),
    'the load is read back three days and an hour',
  );
  assert.match(got.reason, /load on each of the last days at this time held 250 over the next 60 s/);
  assert.equal(got.desiredReplicas, 5, 'ceil(250 / 50 per pod)');

  const none = await loopWith({ seasonalEnvelope: 'None' });
  const without = await syncs(none.loop, NOW - 300, NOW);
  none.loop.close();
  assert.ok(without.desiredReplicas <= 3, `the naive forecast alone plans for ~100: ${without.reason}`);
  assert.ok(
    none.source.queries.every((q) => q.startSeconds >= NOW - 2 * DAY),
    'no envelope, no two-day read',
  );
});

test('uncertainty RecentErrors: once misses are scored, the plan sizes on them', async () => {
  const { loop } = await loopWith({ uncertainty: 'RecentErrors' });
  // Ten minutes of syncs score more than the 10 misses the spread needs at the two planning horizons.
  const got = await syncs(loop, NOW - 3600, NOW - 3000);
  loop.close();
  assert.match(got.reason, /forecast q0\.9 \(recent misses\) peak/);
});
