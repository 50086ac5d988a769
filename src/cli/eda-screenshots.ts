// Writes docs/eda-*.png, the screenshots of docs/eda.md, from `prescale eda` on the bundled NASA trace:
// `npm run docs:eda-screenshots` (needs Debian's chromium).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadDataset } from '../experiments/datasets.js';
import { exploreSeries } from '../experiments/eda.js';
import { edaReportHtml } from '../experiments/eda-report.js';
import { screenshotReport } from '../experiments/screenshot.js';

const docs = resolve(import.meta.dirname, '../../docs');
const dataset = 'nasa-jul95';
const loaded = await loadDataset(dataset);
const html = await edaReportHtml(loaded.series, exploreSeries(loaded.series), {
  name: dataset,
  what: loaded.dataset.what,
  path: `data/${loaded.dataset.file}`,
  command: `prescale eda --dataset ${dataset} --out eda.html`,
});
const dir = await mkdtemp(join(tmpdir(), 'prescale-eda-'));
try {
  const path = join(dir, 'eda.html');
  await writeFile(path, html);
  const look = await screenshotReport(path, [
    { path: join(docs, 'eda-top.png') },
    { path: join(docs, 'eda-profiles.png'), selector: 'div.bars' },
    { path: join(docs, 'eda-autocorrelation.png'), selector: 'figure.autocorrelation' },
  ]);
  process.stdout.write(`${JSON.stringify(look)}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
