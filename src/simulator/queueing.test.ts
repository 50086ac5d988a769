import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { readTraceFile } from '../collector/index.js';
import { repoRoot } from '../testing/paths.js';
import { simulateRequests } from './des.js';
import {
  buildQueueTable,
  dropProbability,
  type PodServiceModel,
  podMaxThroughput,
  sojournQuantile,
  sojournTail,
  stationaryDistribution,
} from './queueing.js';
import { createRandom } from './random.js';
import { MinuteLatency, serveSecond } from './serving.js';

/** Erlang's C formula: the chance an arrival waits in an M/M/c queue with offered load a. */
function erlangC(c: number, a: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 1; k < c; k++) {
    term *= a / k;
    sum += term;
  }
  const top = ((term * a) / c) * (c / (c - a));
  return top / (sum + top);
}

const closedForms: { name: string; input: { model: PodServiceModel; lambda: number; x: number }; want: number }[] = [
  // M/M/1 with a queue too long to matter: T ~ Exp(μ − λ).
  {
    name: 'M/M/1 tail at 50 ms',
    input: { model: { concurrency: 1, serviceTimeSeconds: 0.1, queueLimit: 400 }, lambda: 5, x: 0.05 },
    want: Math.exp(-5 * 0.05),
  },
  {
    name: 'M/M/1 tail at 1 s',
    input: { model: { concurrency: 1, serviceTimeSeconds: 0.1, queueLimit: 400 }, lambda: 5, x: 1 },
    want: Math.exp(-5),
  },
  // M/M/c (long queue): P(T > x) = e^(−μx) + C · cμ'/(cμ' − μ)... written out for c = 4, μ = 25, λ = 80.
  {
    name: 'M/M/4 tail at 150 ms (Erlang C)',
    input: { model: { concurrency: 4, serviceTimeSeconds: 0.04, queueLimit: 2000 }, lambda: 80, x: 0.15 },
    want: (() => {
      const mu = 25;
      const c = 4;
      const theta = c * mu - 80; // the wait's rate given it waits
      const C = erlangC(c, 80 / mu);
      const x = 0.15;
      // T = S + W, W = 0 w.p. 1 − C, else Exp(theta): P(T > x) = e^{-μx} + C·μ/(μ−θ)·(e^{-θx} − e^{-μx}).
      return Math.exp(-mu * x) + ((C * mu) / (mu - theta)) * (Math.exp(-theta * x) - Math.exp(-mu * x));
    })(),
  },
];

for (const row of closedForms) {
  test(`sojournTail matches the closed form: ${row.name}`, () => {
    const { model, lambda, x } = row.input;
    const got = sojournTail(model, lambda, x);
    assert.ok(Math.abs(got - row.want) < 1e-9, `got ${got}, want ${row.want}`);
  });
}

test('drop probability of M/M/1/1 is Erlang B, a / (1 + a)', () => {
  const model = { concurrency: 1, serviceTimeSeconds: 0.5, queueLimit: 1 };
  assert.ok(Math.abs(dropProbability(model, 3) - 1.5 / 2.5) < 1e-12);
});

test('stationary distribution sums to 1 and overloads fill the queue', () => {
  const model = { concurrency: 4, serviceTimeSeconds: 0.04, queueLimit: 100 };
  for (const lambda of [0, 10, 100, 300, 1e6]) {
    const p = stationaryDistribution(model, lambda);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12, `sum at ${lambda}`);
  }
  // Far above capacity nearly everything above what the workers finish is dropped: 1 − cμ/λ.
  assert.ok(Math.abs(dropProbability(model, 300) - (1 - 100 / 300)) < 1e-6);
});

test('sojournQuantile inverts sojournTail', () => {
  const model = { concurrency: 4, serviceTimeSeconds: 0.04, queueLimit: 100 };
  for (const lambda of [20, 70, 95, 150]) {
    const p95 = sojournQuantile(model, lambda, 0.95);
    assert.ok(Math.abs(sojournTail(model, lambda, p95) - 0.05) < 1e-4, `λ=${lambda}: p95 ${p95}`);
  }
});

/**
 * The check the issue asks for: the per-second queueing model the simulator uses, against serving every
 * request of a real 12-minute slice of the NASA trace one by one, with the load scaled so the slice goes
 * from light load to overload and the ready pods changing mid-minute.
 */
test('queueing model agrees with a request-level discrete-event simulation on NASA slices', async () => {
  const model = { concurrency: 4, serviceTimeSeconds: 0.04, queueLimit: 100 };
  const sloSeconds = 0.25;
  const table = buildQueueTable(model, sloSeconds);
  const trace = await readTraceFile(resolve(repoRoot, 'data/nasa_jul95_requests_per_minute.csv'));
  const slices = [
    { start: 16000, peakUtilization: 1.15, pods: [5, 5] },
    { start: 25000, peakUtilization: 0.95, pods: [4, 6] },
    { start: 20000, peakUtilization: 1.05, pods: [6, 5] },
  ];
  let clear = 0;
  for (const slice of slices) {
    const minutes = 12;
    const values = trace.series.values.subarray(slice.start, slice.start + minutes);
    const peak = Math.max(...values);
    const rate = new Float64Array(minutes * 60);
    const ready = new Int32Array(minutes * 60);
    for (let s = 0; s < rate.length; s++) {
      // The pod count changes 30 s into minute 6.
      ready[s] = s < 390 ? slice.pods[0] : slice.pods[1];
      rate[s] = (values[Math.floor(s / 60)] / peak) * slice.peakUtilization * slice.pods[0] * podMaxThroughput(model);
    }
    const des = simulateRequests({
      model,
      ratePerSecond: rate,
      readyPods: ready,
      sloSeconds,
      random: createRandom(7, 'des'),
    });
    const latency = new MinuteLatency(table);
    let previousUtilization = 0;
    for (let m = 0; m < minutes; m++) {
      let arrived = 0;
      let dropped = 0;
      let slow = 0;
      let served = 0;
      let utilization = 0;
      for (let s = m * 60; s < m * 60 + 60; s++) {
        const second = serveSecond(table, rate[s], ready[s]);
        arrived += rate[s];
        dropped += second.dropped;
        slow += second.slow;
        served += second.served;
        utilization = Math.max(utilization, rate[s] / ready[s] / podMaxThroughput(model));
        latency.add(second);
      }
      const p95 = latency.p95();
      latency.reset();
      const where = `slice ${slice.start} minute ${m} (utilization ${utilization.toFixed(2)})`;
      const desDropShare = des.dropped[m] / des.arrivals[m];
      const desSlowShare = des.slow[m] / (des.arrivals[m] - des.dropped[m]);
      // Arrival counts: Poisson around the rate.
      assert.ok(Math.abs(des.arrivals[m] - arrived) < 5 * Math.sqrt(arrived), `${where}: arrivals`);
      if (utilization < 0.85 && previousUtilization < 0.9) {
        // Light to busy: the quasi-stationary model holds; p95 within 15 %, no drops. (After an overloaded
        // minute the real queue takes a few seconds to drain, which the per-second model does not carry over.)
        assert.ok(
          Math.abs(p95 - des.p95Seconds[m]) / des.p95Seconds[m] < 0.15,
          `${where}: p95 ${p95} vs ${des.p95Seconds[m]}`,
        );
        assert.ok(dropped / arrived < 1e-4 && desDropShare < 1e-3, `${where}: drops`);
      }
      if (utilization > 1.03) {
        // Overload: the queue is full most of the minute; drop shares within 3 points, p95 within 15 %.
        assert.ok(
          Math.abs(dropped / arrived - desDropShare) < 0.03,
          `${where}: drop ${dropped / arrived} vs ${desDropShare}`,
        );
        assert.ok(
          Math.abs(p95 - des.p95Seconds[m]) / des.p95Seconds[m] < 0.15,
          `${where}: p95 ${p95} vs ${des.p95Seconds[m]}`,
        );
      }
      if (utilization < 0.85 || utilization > 1.03) {
        clear++;
        // The SLO verdict (p95 above 250 ms, i.e. over 5 % slow) is the same.
        assert.equal(
          slow / served > 0.05,
          desSlowShare > 0.05,
          `${where}: SLO verdict, slow ${slow / served} vs ${desSlowShare}`,
        );
      }
      previousUtilization = utilization;
    }
  }
  assert.ok(clear >= 30, `only ${clear} minutes were clear-cut`);
});
