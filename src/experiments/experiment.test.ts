import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { PrescaleError } from '../core/index.js';
import { parseSimulationConfig } from '../simulator/config.js';
import { testProvenance } from '../testing/provenance-fixture.js';
import { BUNDLED_DATASETS_PATH } from './datasets.js';
import { runExperiment } from './experiment.js';
import { parsePolicyNames } from './policy-names.js';
import { reportHtml } from './report.js';
import { type Provenance, runsCsv, writeResults } from './results.js';

const config = parseSimulationConfig({ workload: { spec: { model: 'naive' } } });
const options = {
  datasets: ['nasa-jul95'],
  datasetsPath: BUNDLED_DATASETS_PATH,
  policies: parsePolicyNames(['hpa', 'prescale', 'oracle', 'oracle-cost']),
  seeds: 2,
  config,
  limitSeconds: 3 * 3600,
};
const provenance: Provenance = testProvenance({
  command: 'prescale experiment --dataset nasa-jul95 --hours 3 --seeds 2',
  datasetsFile: BUNDLED_DATASETS_PATH,
  seeds: 2,
  policies: options.policies,
  limitSeconds: options.limitSeconds,
  config: config.resolved,
});
const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

test('an experiment runs every policy per seed, and the same seeds give the same numbers', async () => {
  const first = await runExperiment(options);
  const again = await runExperiment(options);
  assert.equal(runsCsv(again), runsCsv(first));
  const [d] = first.datasets;
  assert.equal(d.runs.length, 8);
  assert.deepEqual(
    d.runs.map((r) => `${r.policy}:${r.seed}`),
    ['hpa:1', 'prescale:1', 'oracle:1', 'oracle-cost:1', 'hpa:2', 'prescale:2', 'oracle:2', 'oracle-cost:2'],
  );
  assert.equal(d.endSeconds - d.startSeconds, 3 * 3600);
  for (const run of d.runs) assert.equal(run.record.minutes, 180);
  // Every policy of a seed sees the same requests; seeds differ.
  const requests = d.runs.map((r) => r.summary.requests);
  assert.equal(requests[0], requests[1]);
  assert.equal(requests[1], requests[2]);
  assert.equal(requests[2], requests[3]);
  assert.notEqual(requests[0], requests[4]);
  const hpa = d.aggregates.hpa!;
  assert.deepEqual(hpa.cost.values, [d.runs[0].summary.cost, d.runs[4].summary.cost]);
  // The limit: no violation minute, and no other policy without one is cheaper in any seed.
  const limit = d.aggregates['oracle-cost']!;
  assert.deepEqual(limit.sloViolationMinutes.values, [0, 0]);
  for (const run of d.runs) {
    if (run.summary.sloViolationMinutes === 0) {
      assert.ok(run.summary.cost >= limit.cost.values[run.seed - 1], `${run.policy} seed ${run.seed}`);
    }
  }
  assert.ok(hpa.cost.std >= 0 && hpa.cost.mean > 0);
  assert.equal(d.model, 'naive');
  assert.equal(d.fits.length, 1, 'one fit: the re-fit is daily');
});

test('results.json, the CSVs, the provenance and the report are written with the documented fields', async () => {
  const result = await runExperiment({ ...options, seeds: 1 });
  const dir = await mkdtemp(join(tmpdir(), 'prescale-experiment-'));
  dirs.push(dir);
  const html = await reportHtml(result, config, { ...provenance, seeds: 1 });
  await writeResults(dir, result, config.slo, { ...provenance, seeds: 1 }, html);
  const files = (await readdir(dir)).sort();
  assert.deepEqual(files, [
    'config.json',
    'experiment.json',
    'report.html',
    'results.csv',
    'results.json',
    'runs',
    'summary.csv',
  ]);
  const json = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8'));
  assert.equal(json.schemaVersion, 1);
  const hpa = json.datasets['nasa-jul95'].policies.hpa;
  for (const field of ['sloViolationMinutes', 'cost', 'podHours', 'scalingActions', 'oscillationsPerHour']) {
    assert.equal(typeof hpa[field].mean, 'number', field);
    assert.equal(typeof hpa[field].std, 'number', field);
    assert.equal(hpa[field].values.length, 1, field);
  }
  assert.equal(json.datasets['nasa-jul95'].period.minutes, 180);
  const csv = (await readFile(join(dir, 'results.csv'), 'utf8')).trim().split('\n');
  assert.equal(csv.length, 5);
  assert.ok(csv[0].startsWith('dataset,policy,seed,sloViolationMinutes,podHours,cost'));
  const experiment = JSON.parse(await readFile(join(dir, 'experiment.json'), 'utf8'));
  assert.equal(experiment.config, 'config.json');
  assert.match(experiment.sha256[relative(process.cwd(), BUNDLED_DATASETS_PATH)], /^[0-9a-f]{64}$/);
  // The recorded config parses back into the same simulated world.
  const recorded = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
  assert.deepEqual(parseSimulationConfig(recorded).cluster, config.cluster);
  const minutes = (await readFile(join(dir, 'runs', 'nasa-jul95-hpa-seed1.csv'), 'utf8')).trim().split('\n');
  assert.equal(minutes.length, 181);
  // The report is self-contained: inline SVG charts, no script, no external resource.
  assert.equal(html.match(/<svg /g)?.length, 10);
  // Every policy's distance from the limit: a column of the table and a chart.
  assert.ok(html.includes('<th>cost vs oracle-cost</th>'));
  assert.ok(html.includes('Distance from the limit'));
  assert.ok(!/<script|<link|src="http/i.test(html));
  assert.ok(html.includes('prescale experiment --dataset nasa-jul95 --hours 3 --seeds 2'));
});

const badPolicies = [
  { name: 'unknown policy', input: ['hpa', 'vpa'], want: "unknown policy 'vpa'" },
  { name: 'no policy', input: [], want: 'no policy given' },
];

for (const row of badPolicies) {
  test(`parsePolicyNames: ${row.name}`, () => {
    assert.throws(
      () => parsePolicyNames(row.input),
      (error: unknown) =>
        error instanceof PrescaleError && error.field === '--policies' && error.message.includes(row.want),
    );
  });
}
