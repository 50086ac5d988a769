import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrescaleError } from '../core/index.js';
import { arrivalsPerSecond, bucketRates, cumulativeAt, meanRate, scaleTrace } from './load.js';
import { SimPrometheus } from './prometheus.js';
import { createRandom } from './random.js';

// Requests per minute for 4 minutes; the 3rd minute is missing.
const trace = { startSeconds: 600, stepSeconds: 60, values: Float64Array.from([60, 120, Number.NaN, 30]) };

test('scaleTrace: the busiest bucket of the period needs peakPods pods; gaps repeat the last value', () => {
  const load = scaleTrace(trace, { peakPods: 4, perPodRate: 50, peakFromSeconds: 600, peakToSeconds: 840 });
  // Peak 120 → 4 × 50 = 200 requests/s.
  assert.equal(load.scale, 200 / 120);
  assert.deepEqual(Array.from(load.ratePerSecond), [100, 200, 200, 50]);
  // Only the peak period counts: from 780 on the peak is 30, so 30 becomes 200 requests/s.
  const late = scaleTrace(trace, { peakPods: 4, perPodRate: 50, peakFromSeconds: 780, peakToSeconds: 840 });
  assert.deepEqual(Array.from(late.ratePerSecond), [400, 800, 800, 200]);
});

test('scaleTrace refuses a period without load, naming the field', () => {
  assert.throws(
    () => scaleTrace(trace, { peakPods: 4, perPodRate: 50, peakFromSeconds: 0, peakToSeconds: 600 }),
    (error: unknown) => error instanceof PrescaleError && error.code === 'not-enough-data' && error.field === 'load',
  );
});

test('rates are constant within a bucket: cumulative requests and means over any interval', () => {
  const load = scaleTrace(trace, { peakPods: 4, perPodRate: 50, peakFromSeconds: 600, peakToSeconds: 840 });
  const rows = [
    { name: 'before the trace', input: 0, want: 0 },
    { name: 'half the first minute', input: 630, want: 3000 },
    { name: 'after two minutes', input: 720, want: 6000 + 12000 },
    { name: 'past the end', input: 10_000, want: 6000 + 12000 + 12000 + 3000 },
  ];
  for (const row of rows) assert.equal(cumulativeAt(load, row.input), row.want, row.name);
  assert.equal(meanRate(load, 630, 690), 150);
  const buckets = bucketRates(load, 600, 840, 120);
  assert.deepEqual(Array.from(buckets.values), [150, 125]);
  assert.equal(buckets.stepSeconds, 120);
});

test('arrivalsPerSecond: the rate itself, or Poisson around it, same draws for the same seed', () => {
  const load = scaleTrace(trace, { peakPods: 4, perPodRate: 50, peakFromSeconds: 600, peakToSeconds: 840 });
  const exact = arrivalsPerSecond(load, 600, 840, 'none', createRandom(1, 'arrivals'));
  assert.equal(exact[0], 100);
  assert.equal(exact[239], 50);
  const noisy = arrivalsPerSecond(load, 600, 840, 'poisson', createRandom(1, 'arrivals'));
  const again = arrivalsPerSecond(load, 600, 840, 'poisson', createRandom(1, 'arrivals'));
  assert.deepEqual(noisy, again);
  const firstMinute = noisy.subarray(0, 60).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(firstMinute - 6000) < 5 * Math.sqrt(6000), `first minute ${firstMinute}`);
  assert.ok(noisy.every(Number.isInteger));
});

test('Prometheus: a bucket becomes visible only after the scrape that closes it', () => {
  const history = { startSeconds: 0, stepSeconds: 60, values: Float64Array.from([1, 2]) };
  const prometheus = new SimPrometheus(history, 120, 300, 15);
  let arrivals = 0;
  const seen: Record<number, number> = {};
  for (let t = 120; t < 300; t++) {
    if (prometheus.isScrapeTime(t)) prometheus.scrape(t, arrivals, arrivals / 100, 1000);
    const view = prometheus.viewAt(t);
    seen[t] = view.loadSeries().values.length;
    arrivals += t < 180 ? 10 : 20; // 10/s in the first test minute, then 20/s
  }
  assert.equal(seen[180], 2, 'the scrape at 180 is not visible at 180');
  assert.equal(seen[181], 3);
  const series = prometheus.viewAt(241).loadSeries();
  assert.deepEqual(Array.from(series.values), [1, 2, 10, 20]);
  const recent = prometheus.viewAt(241).recent(60);
  assert.deepEqual(recent, { load: 20, cpuUtilizationPercent: 20 });
  assert.equal(prometheus.viewAt(130).recent(60), null, 'needs two scrapes 60 s apart');
});

test('Prometheus refuses a step that is not a multiple of the scrape interval, naming the field', () => {
  const history = { startSeconds: 0, stepSeconds: 50, values: new Float64Array(2) };
  assert.throws(
    () => new SimPrometheus(history, 100, 300, 15),
    (error: unknown) => error instanceof PrescaleError && error.field === 'workload.spec.metric.step',
  );
});
