import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseSimulationConfig } from '../simulator/config.js';
import { testProvenance } from '../testing/provenance-fixture.js';
import { BUNDLED_DATASETS_PATH } from './datasets.js';
import { runExperiment } from './experiment.js';
import { reportHtml } from './report.js';
import { screenshotReport } from './screenshot.js';

// Needs Debian's chromium (`apt-get install -y chromium`, as .ci/run does).
const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

test('report.html renders in headless Chromium as a person sees it: every chart, no error, no network', async () => {
  const config = parseSimulationConfig({ workload: { spec: { model: 'naive' } } });
  const result = await runExperiment({
    datasets: ['nasa-jul95'],
    datasetsPath: BUNDLED_DATASETS_PATH,
    policies: ['hpa', 'prescale', 'oracle', 'oracle-cost'],
    seeds: 1,
    config,
    limitSeconds: 2 * 3600,
  });
  const html = await reportHtml(
    result,
    config,
    testProvenance({
      command: 'prescale experiment --dataset nasa-jul95 --hours 2',
      datasetsFile: BUNDLED_DATASETS_PATH,
      seeds: 1,
      policies: ['hpa', 'prescale', 'oracle', 'oracle-cost'],
      limitSeconds: 7200,
      config: config.resolved,
    }),
  );
  const dir = await mkdtemp(join(tmpdir(), 'prescale-report-'));
  dirs.push(dir);
  const path = join(dir, 'report.html');
  await writeFile(path, html);
  const shot = join(dir, 'top.png');
  const chart = join(dir, 'chart.png');
  const look = await screenshotReport(path, [{ path: shot }, { path: chart, selector: 'figure', index: 2 }]);
  assert.equal(look.title, 'Prescale experiment: nasa-jul95');
  assert.equal(look.svgCount, 10);
  assert.deepEqual(look.errors, []);
  assert.ok(look.heightPixels > 2000, `page is ${look.heightPixels} px tall`);
  for (const png of [shot, chart]) {
    const bytes = await readFile(png);
    assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG file');
    assert.ok(bytes.length > 10_000, `${png} has content (${bytes.length} bytes)`);
  }
});
