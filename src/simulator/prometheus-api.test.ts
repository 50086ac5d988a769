import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimPrometheus } from './prometheus.js';
import { SimPrometheusApi } from './prometheus-api.js';

// The service reads the simulated Prometheus through the same query API as a real one: `metric.query` over its
// `[1m]` for the forecast, and as `irate` (`metric.reactiveRate: Irate`) for the reactive floor.

const START = 3600;
const QUERY = 'sum(rate(nginx_ingress_controller_requests{ingress="web"}[1m]))';

/** 10 requests/s until START + 60, then 40/s: the counter as scraped every 15 s up to `untilSeconds`. */
function stepAt60(untilSeconds: number) {
  const history = { startSeconds: 0, stepSeconds: 60, values: new Float64Array(START / 60).fill(10) };
  const prometheus = new SimPrometheus(history, START, START + 600, 15);
  let arrivals = 0;
  for (let t = START; t <= untilSeconds; t += 15) {
    prometheus.scrape(t, arrivals, 0, 0, 2);
    arrivals += (t < START + 60 ? 10 : 40) * 15;
  }
  return prometheus;
}

async function instant(query: string, nowSeconds: number): Promise<number> {
  const api = new SimPrometheusApi({ requests: QUERY, cpu: null, replicas: null });
  api.at(stepAt60(nowSeconds).viewAt(nowSeconds), nowSeconds);
  const [sample] = await api.queryInstant(query, nowSeconds);
  return sample.value;
}

const IRATE = QUERY.replace('rate(', 'irate(');

test('irate of the load query is the rate between the two newest scrapes; rate, over its window', async () => {
  // At START + 76 the newest scrape is START + 75: its interval at 40/s, the three before at 10/s.
  assert.equal(await instant(IRATE, START + 76), 40);
  assert.equal(await instant(QUERY, START + 76), (15 * 40 + 45 * 10) / 60);
  // Before the step both read 10/s.
  assert.equal(await instant(IRATE, START + 61), 10);
  assert.equal(await instant(QUERY, START + 61), 10);
});

test('a query that is not one of the workload’s, at any window, is refused with the ones it answers', async () => {
  await assert.rejects(
    instant('sum(rate(other_requests[1m]))', START + 91),
    /simulated Prometheus: no data for .*other_requests.*answers only the workload's metric\.query/,
  );
});

test('a decision at a scrape instant does not see that scrape, at epoch-sized times too', () => {
  // 1e-9 below 8e8 is the same float64: the visibility rule must not rest on an epsilon.
  for (const start of [START, 805_780_800]) {
    const history = { startSeconds: start - 3600, stepSeconds: 60, values: new Float64Array(60).fill(10) };
    const prometheus = new SimPrometheus(history, start, start + 600, 15);
    let arrivals = 0;
    for (let t = start; t <= start + 90; t += 15) {
      prometheus.scrape(t, arrivals, 0, 0, 2);
      arrivals += (t < start + 60 ? 10 : 40) * 15;
    }
    // The scrape at start + 75 is the first with an interval at 40/s; at start + 75 itself it is not visible yet.
    assert.equal(prometheus.evaluate('requests', start + 75, start + 75, 15), 10, `start ${start}`);
    assert.equal(prometheus.evaluate('requests', start + 75, start + 75.5, 15), 40, `start ${start}`);
  }
});
