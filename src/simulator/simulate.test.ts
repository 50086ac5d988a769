import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constantRateInput } from '../testing/simulation-fixtures.js';
import { parseSimulationConfig } from './config.js';
import { hpaPolicy } from './policies/hpa.js';
import { staticPolicy } from './policies/static.js';
import { type SimulationInput, simulate } from './simulate.js';
import { summarize } from './summary.js';

/** Exact delays so times can be asserted: scheduled +2 s, running +10 s, ready +15 s, gone 5 s after deletion. */
const config = parseSimulationConfig({
  cluster: {
    startup: {
      scheduling: { distribution: 'constant', value: '2s' },
      containerStart: { distribution: 'constant', value: '10s' },
      readiness: { distribution: 'constant', value: '15s' },
    },
  },
  load: { noise: 'none' },
});
const start = 805_780_800;

const input = (rates: number[], initialReplicas: number): SimulationInput =>
  constantRateInput(config, rates, initialReplicas, start);

test('static replicas at a steady load: exact pod-hours, cost and utilization, no violation', async () => {
  const rates = new Array(3600).fill(130); // 2 pods' worth at 65 per pod
  const record = await simulate(staticPolicy({ replicas: 4, syncPeriodSeconds: 15 }), input(rates, 4));
  const summary = summarize(record, config.slo);
  assert.equal(summary.podHours, 4);
  assert.equal(summary.cost, 4 * config.cluster.costPerPodHour);
  // CPU: 4 × 50m idle + 130 requests/s × 10 ms = 1.5 cores of 4 requested.
  assert.ok(Math.abs(summary.meanUtilizationPercent - 37.5) < 1e-9, String(summary.meanUtilizationPercent));
  assert.equal(summary.sloViolationMinutes, 0);
  assert.equal(summary.scalingActions, 0);
  assert.equal(summary.requests, 130 * 3600);
  assert.ok(Math.abs(summary.overProvisionedPodHours - 2) < 1e-9, 'needs 2, runs 4');
  assert.equal(summary.underProvisionedPodHours, 0);
});

test('an overloaded Deployment drops what its pods cannot take and violates every minute', async () => {
  const rates = new Array(600).fill(300); // 3 × a pod's 100 requests/s
  const record = await simulate(staticPolicy({ replicas: 1, syncPeriodSeconds: 15 }), input(rates, 1));
  const summary = summarize(record, config.slo);
  assert.equal(summary.sloViolationMinutes, 10);
  assert.ok(Math.abs(summary.droppedShare - 2 / 3) < 0.01, String(summary.droppedShare));
});

test('the HPA sees a load step only through metrics-server, syncs every 15 s, and waits for new pods', async () => {
  // 2 pods at 65/s each (70 % CPU), then from minute 10 three times the load.
  const rates = [...new Array(600).fill(120), ...new Array(1200).fill(360)];
  const decisions: number[] = [];
  const record = await simulate(hpaPolicy({ name: 'hpa', spec: config.hpa, syncPeriodSeconds: 15 }), input(rates, 2), {
    onDecision: (t) => decisions.push(t - start),
  });
  assert.deepEqual(decisions.slice(0, 3), [15, 30, 45], 'first sync one period after start');
  const firstUp = record.events.find((e) => e.to > e.from)!;
  // The step at 600 s shows first in the metrics-server sample of the scrape at 607 (window 592–607: 8 s at
  // 650m, 7 s at a saturated 1050m per pod → 83 % → ceil(83/70 × 2) = 3); the sync at 615 acts on it.
  assert.equal(firstUp.timeSeconds - start, 615);
  assert.deepEqual([firstUp.from, firstUp.to], [2, 3]);
  assert.ok(record.events.every((e) => (e.timeSeconds - start) % 15 === 0));
  const summary = summarize(record, config.slo);
  // The step's minute and the next overload the pods (new ones take 27 s to be ready); then the SLO holds.
  assert.ok(summary.sloViolationMinutes >= 1 && summary.sloViolationMinutes <= 3, String(summary.sloViolationMinutes));
  for (let m = 15; m < 30; m++) assert.equal(record.slow[m] / record.arrivals[m] < 0.05, true, `minute ${m}`);
  // 360/s settles where CPU is within the 10 % tolerance of 70 %: 5 pods (77 %) or 6 (65 %).
  assert.ok([5, 6].includes(record.specReplicas[29]), String(record.specReplicas[29]));
});
