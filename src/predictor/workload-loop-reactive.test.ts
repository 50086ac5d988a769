import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InstantSample } from '../collector/prometheus.js';
import type { MetricSource, RangeQuery } from '../collector/types.js';
import { safeParseServiceConfig } from '../config/service.js';
import type { RawSeries } from '../core/index.js';
import { issueLines } from '../core/issues.js';
import { ManualClock } from '../testing/manual-clock.js';
import { minimalWorkload } from '../testing/workload-fixtures.js';
import { fitModel } from './trainer.js';
import { WorkloadLoop } from './workload-loop.js';

// `metric.reactiveRate: Irate`: the reactive floor also reads the load as `irate` at each sync, so a rise shows a
// scrape after it happens instead of at the next `metric.step` point; a fall counts no sooner than before.

const DAY = 86_400;
/** The load steps from 100 to 400 at RISE (a minute boundary) and back to 100 at FALL. */
const RISE = 20_000 * DAY + 12 * 3600;
const FALL = RISE + 300;
const QUERY = 'sum(rate(http_requests_total{job="web"}[1m]))';

const loadAt = (t: number) => (t >= RISE && t < FALL ? 400 : 100);

/** `metric.query` on its grid: the point at t is the rate of the minute before it. */
class StepSource implements MetricSource {
  readonly name = 'test';
  async range(q: RangeQuery): Promise<RawSeries> {
    const times: number[] = [];
    const values: number[] = [];
    for (let t = q.startSeconds; t <= q.endSeconds; t += q.stepSeconds) {
      times.push(t);
      values.push(loadAt(t - 1));
    }
    return { timestampsSeconds: Float64Array.from(times), values: Float64Array.from(values) };
  }
}

/** Instant queries: the load as of 15 s before (one scrape behind), or what `answer` says. */
function instantSource(answer?: (query: string, timeSeconds: number) => InstantSample[]) {
  const queries: string[] = [];
  return {
    queries,
    queryInstant: async (query: string, timeSeconds = 0): Promise<InstantSample[]> => {
      queries.push(query);
      if (answer !== undefined) return answer(query, timeSeconds);
      return [{ labels: {}, timestampSeconds: timeSeconds, value: loadAt(timeSeconds - 15) }];
    },
  };
}

async function loopWith(metric: Record<string, unknown>, instant = instantSource()) {
  const parsed = safeParseServiceConfig({
    loop: { trainer: 'in-process' },
    workloads: [minimalWorkload({ metric: { query: QUERY, step: '60s', ...metric }, prediction: { history: '3h' } })],
  });
  assert.ok(parsed.success, JSON.stringify(!parsed.success && parsed.issues));
  const loop = new WorkloadLoop({
    workload: parsed.data.workloads[0],
    loop: parsed.data.loop,
    source: new StepSource(),
    instant,
    trainer: { fit: fitModel, close: async () => {} },
    clock: new ManualClock(RISE * 1000),
    modelPath: null,
    publishers: [],
    metrics: null,
  });
  return { loop, instant };
}

/** Syncs every 15 s from `from` to `to` (both included); returns the status after the last. */
async function syncs(loop: WorkloadLoop, from: number, to: number) {
  for (let t = from; t <= to; t += 15) {
    await loop.sync(t);
    await loop.whenIdle();
  }
  return loop.status();
}

test('reactiveRate Irate: the reactive floor sizes on a rise at the sync after it, reading the query as irate', async () => {
  const { loop, instant } = await loopWith({ reactiveRate: 'Irate' });
  const status = await syncs(loop, RISE - 600, RISE + 15);
  loop.close();
  assert.equal(status.data.load, 400);
  assert.equal(status.plan?.decision.reactiveReplicas, 8, 'ceil(400 / 50 per pod)');
  assert.ok(instant.queries.includes('sum(irate(http_requests_total{job="web"}[1m]))'), instant.queries.join());

  const { loop: stepOnly } = await loopWith({ reactiveRate: 'Step' });
  const before = await syncs(stepOnly, RISE - 600, RISE + 45);
  stepOnly.close();
  assert.equal(before.data.load, 100, 'without it the floor waits for the step point at RISE + 60');
  assert.equal(before.plan?.decision.reactiveReplicas, 2);
});

test('reactiveRate Irate: after a fall the floor keeps the newest step point until it falls too', async () => {
  const { loop } = await loopWith({ reactiveRate: 'Irate' });
  const falling = await syncs(loop, RISE - 600, FALL + 45);
  assert.equal(falling.data.load, 400, 'the short read says 100, the step point of FALL still 400');
  const fallen = await syncs(loop, FALL + 75, FALL + 75);
  loop.close();
  assert.equal(fallen.data.load, 100);
});

test('reactiveRate Irate: a read with no sample or a failed read leaves the step point, and only the failure is reported', async () => {
  const empty = await loopWith(
    { reactiveRate: 'Irate' },
    instantSource(() => []),
  );
  const quiet = await syncs(empty.loop, RISE - 600, RISE + 15);
  empty.loop.close();
  assert.equal(quiet.data.load, 100);
  assert.equal(quiet.data.prometheusError, null);

  const failing = await loopWith(
    { reactiveRate: 'Irate' },
    instantSource(() => {
      throw new Error('cannot reach Prometheus');
    }),
  );
  const failed = await syncs(failing.loop, RISE - 600, RISE + 15);
  failing.loop.close();
  assert.equal(failed.data.load, 100);
  assert.equal(failed.data.prometheusError, 'metric.reactiveRate: cannot reach Prometheus');
  assert.equal(failed.fallback.active, false, 'the forecast and the fallback stand on metric.query alone');
});

test('reactiveRate: another value is refused with the field and the choices', () => {
  const parsed = safeParseServiceConfig({
    workloads: [minimalWorkload({ metric: { query: QUERY, reactiveRate: 'soon' } })],
  });
  assert.ok(!parsed.success);
  assert.match(
    issueLines(parsed.issues),
    /^workloads\[0\]\.spec\.metric\.reactiveRate: "soon" is not one of "Step", "Irate"; use one of them$/m,
  );
});
