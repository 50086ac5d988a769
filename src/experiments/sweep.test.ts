import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseSimulationConfig } from '../simulator/config.js';
import { testProvenance } from '../testing/provenance-fixture.js';
import { tempDir } from '../testing/temp-dir.js';
import { runExperiment } from './experiment.js';
import { costPointOf, frontierRows, minutesAtCost, paretoFrontier, sweepVariants } from './frontier.js';
import { parsePolicyNames } from './policy-names.js';
import { reportHtml } from './report.js';
import { frontierCsv } from './results.js';

/*
 * `--sweep` end to end on a tiny synthetic trace: a day of history and three hours simulated, the load rising and
 * falling over the hours with a burst every seventh minute (the kind of minute-scale step that breaks a reactive
 * HPA's SLO until new pods are ready).
 */
const START_SECONDS = 1_700_006_400;
const TRAIN_MINUTES = 24 * 60;
const TEST_MINUTES = 3 * 60;

function syntheticTrace(): string {
  const lines = ['timestamp,value'];
  for (let m = 0; m < TRAIN_MINUTES + TEST_MINUTES; m++) {
    const daily = 100 + 60 * Math.sin((2 * Math.PI * m) / 1440);
    const wave = 1 + 0.4 * Math.sin((2 * Math.PI * m) / 90);
    const burst = m % 7 === 0 ? 1.6 : 1;
    lines.push(`${START_SECONDS + m * 60},${(daily * wave * burst).toFixed(1)}`);
  }
  return `${lines.join('\n')}\n`;
}

test('--sweep: a monotone HPA curve, the configured points reuse the experiment’s runs, equal-cost rows and a plot', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'synthetic.csv'), syntheticTrace());
  const datasets = {
    synthetic: {
      file: 'synthetic.csv',
      step_seconds: 60,
      train_start: START_SECONDS,
      train_end: START_SECONDS + TRAIN_MINUTES * 60,
      test_end: START_SECONDS + (TRAIN_MINUTES + TEST_MINUTES) * 60,
      horizon_steps: 10,
      origin_every_steps: 5,
      report_h: [5],
      season_seconds: 86400,
    },
  };
  await writeFile(join(dir, 'datasets.json'), JSON.stringify(datasets));
  const userConfig = { workload: { spec: { model: 'naive' } } };
  const config = parseSimulationConfig(userConfig);
  const sweep = sweepVariants(userConfig, 'config', config, {
    hpaCpuTargetsPercent: [50, 60, 70, 80],
    prescaleQuantiles: [0.5, 0.9, 0.95],
  });
  // The configured HPA (70 %) and Prescale (quantile 0.9, the CRD default) are points without a config of their own: reused.
  assert.deepEqual(
    sweep.filter((v) => v.config === null).map((v) => v.setting),
    ['CPU target 70 %', 'quantile 0.9'],
  );
  const result = await runExperiment({
    datasets: ['synthetic'],
    datasetsPath: join(dir, 'datasets.json'),
    policies: parsePolicyNames(['hpa', 'prescale', 'oracle-cost']),
    seeds: 1,
    config,
    sweep,
  });
  const [d] = result.datasets;
  assert.equal(d.sweep.length, 7);
  // A reused point is the experiment's own aggregate, not a second run.
  assert.equal(d.sweep.find((p) => p.policy === 'hpa' && p.value === 70)?.aggregate, d.aggregates.hpa);
  assert.equal(d.sweep.find((p) => p.policy === 'prescale' && p.value === 0.9)?.aggregate, d.aggregates.prescale);

  // The HPA's curve is monotone: a higher CPU target costs less and breaks the SLO in no fewer minutes.
  const hpa = d.sweep.filter((p) => p.policy === 'hpa').map(costPointOf);
  for (let i = 1; i < hpa.length; i++) {
    assert.ok(hpa[i].cost < hpa[i - 1].cost, `cost falls with the target: ${JSON.stringify(hpa)}`);
    assert.ok(hpa[i].minutes >= hpa[i - 1].minutes, `minutes do not fall with the target: ${JSON.stringify(hpa)}`);
  }
  assert.ok(
    hpa[3].minutes > hpa[0].minutes,
    `the bursts break the SLO more at 80 % than at 50 %: ${JSON.stringify(hpa)}`,
  );
  // Prescale on a higher quantile costs more.
  const prescale = d.sweep.filter((p) => p.policy === 'prescale').map(costPointOf);
  assert.ok(prescale[0].cost < prescale[1].cost && prescale[1].cost < prescale[2].cost, JSON.stringify(prescale));

  // The equal-cost table reads every Prescale point and the limit against the HPA's frontier.
  const rows = frontierRows(d);
  assert.deepEqual(
    rows.map((r) => `${r.policy} ${r.setting}`),
    ['prescale quantile 0.5', 'prescale quantile 0.9', 'prescale quantile 0.95', 'oracle-cost the limit'],
  );
  const shipped = rows.find((r) => r.configured)!;
  assert.deepEqual(shipped.hpaMinutesAtCost, minutesAtCost(paretoFrontier(hpa), shipped.cost));
  const limit = rows.find((r) => r.policy === 'oracle-cost')!;
  assert.equal(limit.minutes, 0);
  assert.ok(limit.cost < hpa[3].cost, 'the limit is cheaper than any HPA setting');

  // frontier.csv: one row per point, the reused ones marked.
  const csv = frontierCsv(result).trim().split('\n');
  assert.equal(csv.length, 1 + 7);
  assert.match(csv[1], /^synthetic,hpa,"CPU target 50 %",50,false,/);
  assert.match(csv.find((line) => line.includes('quantile 0.9')) ?? '', /,0\.9,true,/);

  const html = await reportHtml(
    result,
    config,
    testProvenance({
      command: 'prescale experiment --sweep',
      datasetsFile: join(dir, 'datasets.json'),
      seeds: 1,
      policies: ['hpa', 'prescale', 'oracle-cost'],
      limitSeconds: null,
      config: config.resolved,
    }),
  );
  const section = html.slice(html.indexOf('Equal cost: the frontier'));
  assert.ok(section.length > 0 && section.includes('<svg '), 'the frontier plot is in the report');
  assert.ok(section.includes('HPA frontier minutes at this cost'));
});
