// Writes docs/ui-*.png, the built-in UI's screenshots in docs/ui.md, from a live `prescale demo`:
// `npm run docs:ui-screenshots [-- --seconds 120]` (needs Debian's chromium; uses prometheus when installed).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../core/index.js';
import { CHROMIUM_PATH } from '../experiments/screenshot.js';
import { startDemo } from './demo-run.js';

const docs = resolve(import.meta.dirname, '../../docs');
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '120' } } });
const seconds = Number(values.seconds);

const demo = await startDemo({ speed: 60, listen: '127.0.0.1:0', embeddedPrometheus: false });
try {
  process.stdout.write(`demo running at ${demo.uiUrl}; screenshots in ${seconds} s\n`);
  await systemClock.sleep(seconds * 1000);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    headless: true,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1100 }, deviceScaleFactor: 1 });
    await page.goto(`${demo.uiUrl}?refresh=1`, { waitUntil: 'load' });
    await page.waitForFunction(() => Number(document.body.dataset.refreshes) >= 2);
    await page.screenshot({ path: resolve(docs, 'ui-overview.png'), fullPage: true });
    await page
      .locator('section.workload .chart.load')
      .first()
      .screenshot({ path: resolve(docs, 'ui-load.png') });
    process.stdout.write(`wrote ${resolve(docs, 'ui-overview.png')} and ${resolve(docs, 'ui-load.png')}\n`);
  } finally {
    await browser.close();
  }
} finally {
  await demo.stop();
}
