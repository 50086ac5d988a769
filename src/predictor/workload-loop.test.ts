import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricSource, RangeQuery } from '../collector/types.js';
import { safeParseServiceConfig } from '../config/service.js';
import type { RawSeries, Series } from '../core/index.js';
import { ManualClock } from '../testing/manual-clock.js';
import { minimalWorkload } from '../testing/workload-fixtures.js';
import { fitModel, type Trainer } from './trainer.js';
import { WorkloadLoop } from './workload-loop.js';

// The live loop's Monitor and Analyze stages: the training series comes through the workload's MetricSource,
// resampled to the metric step, and is cleaned of isolated spikes when `prediction.filterAnomalies` is on.

const STEP = 60;
const NOW = 1_000_000 * STEP;
const HISTORY_STEPS = 180;
const SPIKE_AT = NOW - 90 * STEP;

/** A smooth load evaluated on the query's grid, as Prometheus answers a range query, with one one-step burst. */
class SpikySource implements MetricSource {
  readonly name = 'test';
  readonly queries: RangeQuery[] = [];

  async range(q: RangeQuery): Promise<RawSeries> {
    this.queries.push(q);
    const times: number[] = [];
    const values: number[] = [];
    for (let t = q.startSeconds; t <= q.endSeconds; t += q.stepSeconds) {
      times.push(t);
      values.push(t === SPIKE_AT ? 50_000 : 100 + 20 * Math.sin(t / 3600));
    }
    return { timestampsSeconds: Float64Array.from(times), values: Float64Array.from(values) };
  }
}

async function trainingSeriesOf(
  filterAnomalies: boolean,
  trainingSource?: SpikySource,
): Promise<{ train: Series; source: SpikySource }> {
  const parsed = safeParseServiceConfig({
    loop: { trainer: 'in-process' },
    workloads: [
      minimalWorkload({
        metric: { query: 'sum(rate(http_requests_total{job="web"}[1m]))', step: '60s' },
        prediction: { history: '3h', filterAnomalies },
      }),
    ],
  });
  assert.ok(parsed.success, JSON.stringify(!parsed.success && parsed.issues));
  const config = parsed.data;
  const fits: Series[] = [];
  const trainer: Trainer = {
    fit: (request, signal) => {
      fits.push(request.train);
      return fitModel(request, signal);
    },
    close: async () => {},
  };
  const source = new SpikySource();
  const loop = new WorkloadLoop({
    workload: config.workloads[0],
    loop: config.loop,
    source,
    trainingSource,
    instant: { queryInstant: async () => [] },
    trainer,
    clock: new ManualClock(NOW * 1000),
    modelPath: null,
    publishers: [],
    metrics: null,
  });
  await loop.start(NOW);
  await loop.sync(NOW);
  await loop.whenIdle();
  loop.close();
  assert.equal(fits.length, 1, 'one fit at the first sync');
  return { train: fits[0], source };
}

test('live path: the training history is read through the MetricSource and resampled to the metric step', async () => {
  const { train, source } = await trainingSeriesOf(false);
  const historyQuery = source.queries.find((q) => q.endSeconds - q.startSeconds === HISTORY_STEPS * STEP);
  assert.ok(historyQuery, 'the history is one range query over prediction.history');
  assert.equal(train.stepSeconds, STEP);
  assert.equal(train.startSeconds, NOW - HISTORY_STEPS * STEP);
  assert.equal(train.values.length, HISTORY_STEPS + 1);
  assert.equal(train.values[(SPIKE_AT - train.startSeconds) / STEP], 50_000, 'each sample in its own bucket');
  assert.ok(train.values.every(Number.isFinite), 'no gap');
});

test('live path: prediction.filterAnomalies cleans an isolated burst out of the training data, off keeps it', async () => {
  const raw = (await trainingSeriesOf(false)).train;
  const cleaned = (await trainingSeriesOf(true)).train;
  const peak = (s: Series) => Math.max(...s.values.filter(Number.isFinite));
  assert.equal(peak(raw), 50_000, 'the burst reaches the model when the filter is off');
  assert.ok(peak(cleaned) < 200, `the burst is replaced by its rolling median (peak ${peak(cleaned)})`);
  let changed = 0;
  for (let i = 0; i < raw.values.length; i++) if (raw.values[i] !== cleaned.values[i]) changed++;
  assert.equal(changed, 1, 'only the burst bucket changes');
});

test("live path: a training source of its own (the service's read thread) reads the history; the sync reads stay", async () => {
  const trainingSource = new SpikySource();
  const { train, source } = await trainingSeriesOf(false, trainingSource);
  const spans = (s: SpikySource) => s.queries.map((q) => (q.endSeconds - q.startSeconds) / STEP);
  assert.deepEqual(
    spans(trainingSource),
    [HISTORY_STEPS],
    'the history, and nothing else, through the training source',
  );
  assert.ok(spans(source).length > 0, 'the sync read its recent window through its own source');
  assert.ok(!spans(source).includes(HISTORY_STEPS), 'and never the history');
  assert.equal(train.values.length, HISTORY_STEPS + 1);
});
