import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Series } from '../core/index.js';
import { tempDir } from '../testing/temp-dir.js';
import { exploreSeries } from './eda.js';
import { edaReportHtml } from './eda-report.js';
import { screenshotReport } from './screenshot.js';

// Needs Debian's chromium (`apt-get install -y chromium`, as .ci/run does).

/** Two weeks at 5 min of a daily wave, with a 3-hour gap, a 20-minute one and three spikes: every layer drawn. */
function syntheticSeries(): Series {
  const stepSeconds = 300;
  const perDay = 86_400 / stepSeconds;
  const values = Float64Array.from(
    { length: 14 * perDay },
    (_, i) => 100 + 60 * Math.sin((2 * Math.PI * i) / perDay) + 5 * Math.sin(i * 1.7),
  );
  for (let i = 1000; i < 1036; i++) values[i] = Number.NaN;
  for (let i = 2500; i < 2504; i++) values[i] = Number.NaN;
  for (const i of [400, 1800, 3300]) values[i] = 900;
  return { startSeconds: 1_704_067_200, stepSeconds, values };
}

const FIGURES = ['series', 'daily', 'weekly', 'distribution', 'autocorrelation'];

test('the EDA report opens in headless Chromium: every chart drawn, no error, no request beyond the file', async (t) => {
  const series = syntheticSeries();
  const eda = exploreSeries(series);
  assert.equal(eda.gaps.count, 2);
  assert.equal(eda.anomalies.count, 3);
  const html = await edaReportHtml(series, eda, {
    name: 'synthetic <wave>',
    what: 'a daily wave with gaps & spikes',
    path: '/data/synthetic.csv',
    command: 'prescale eda --file synthetic.csv --step 5m --out eda.html',
  });
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|url\(/i, 'nothing to fetch');
  assert.match(html, /<title>Prescale EDA: synthetic &lt;wave&gt;<\/title>/);
  assert.match(html, /2 gaps, the longest 3h;\s*40 of 4032 buckets missing \(0\.99 %\)/);
  assert.match(html, /flags 3 buckets/);
  assert.match(html, /<td>1d<\/td><td>288<\/td>/, 'the daily period in the seasonality table');

  const dir = await tempDir(t, 'prescale-eda-');
  const path = join(dir, 'eda.html');
  await writeFile(path, html);
  const shots = FIGURES.map((name) => ({ path: join(dir, `${name}.png`), selector: `figure.${name}` }));
  const look = await screenshotReport(path, [{ path: join(dir, 'top.png') }, ...shots]);
  assert.equal(look.title, 'Prescale EDA: synthetic <wave>');
  assert.deepEqual(look.errors, []);
  assert.deepEqual(look.requestUrls, [pathToFileURL(path).href]);
  assert.equal(look.svgCount, FIGURES.length);
  // an element screenshot fails on an element with no size, and an empty chart is a few hundred bytes
  for (const shot of shots) {
    const bytes = await readFile(shot.path);
    assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], `${shot.path} is a PNG`);
    assert.ok(bytes.length > 5_000, `${shot.path} has content (${bytes.length} bytes)`);
  }
});
