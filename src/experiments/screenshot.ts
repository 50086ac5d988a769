import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Debian's Chromium, which `.ci/run` installs (`apt-get install -y chromium`). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a quiet, offline headless Chromium. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** What a page looked like in Chromium: its title, size, and anything it logged as an error. */
export interface PageLook {
  readonly title: string;
  readonly heightPixels: number;
  readonly svgCount: number;
  readonly errors: readonly string[];
  /** Every URL the page asked for, the page itself first: a self-contained report asks for nothing else. */
  readonly requestUrls: readonly string[];
}

/**
 * Opens `htmlPath` in headless Chromium (a fresh profile, no network) and, for each shot, writes a PNG:
 * the top of the page, or the element a CSS selector names. Returns what the page showed.
 */
export async function screenshotReport(
  htmlPath: string,
  shots: readonly {
    readonly path: string;
    readonly selector?: string;
    readonly index?: number;
    /** Skip the shot when the page has no such element (e.g. the frontier of a report without --sweep). */
    readonly optional?: boolean;
  }[],
  options: { readonly width?: number; readonly height?: number } = {},
): Promise<PageLook> {
  return withChromiumPage(options, async (page) => {
    const errors: string[] = [];
    const requestUrls: string[] = [];
    page.on('request', (request) => requestUrls.push(request.url()));
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
    await page.goto(pathToFileURL(resolve(htmlPath)).href, { waitUntil: 'load' });
    for (const shot of shots) {
      if (shot.selector === undefined) {
        await page.screenshot({ path: shot.path });
      } else {
        const element = page.locator(shot.selector).nth(shot.index ?? 0);
        if (shot.optional && (await element.count()) === 0) continue;
        await element.screenshot({ path: shot.path });
      }
    }
    return {
      title: await page.title(),
      heightPixels: await page.evaluate(() => document.documentElement.scrollHeight),
      svgCount: await page.locator('svg').count(),
      errors,
      requestUrls,
    };
  });
}

/** Runs `work` on a page of a fresh, offline headless Chromium, closed (and its profile removed) after. */
async function withChromiumPage<T>(
  options: { readonly width?: number; readonly height?: number },
  work: (page: import('playwright-core').Page) => Promise<T>,
): Promise<T> {
  const { chromium } = await import('playwright-core');
  const profile = await mkdtemp(join(tmpdir(), 'prescale-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: options.width ?? 1100, height: options.height ?? 1400 },
    deviceScaleFactor: 1,
    offline: true,
  });
  try {
    return await work(await context.newPage());
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}

/**
 * Each SVG (by name) as a PNG of its own size, drawn by headless Chromium: no canvas package or rsvg-convert is
 * installed here, and Chromium is (the browser tests need it). One browser for all of them.
 */
export async function svgsToPng(svgs: Readonly<Record<string, string>>): Promise<Record<string, Buffer>> {
  return withChromiumPage({}, async (page) => {
    const pngs: Record<string, Buffer> = {};
    for (const [name, svg] of Object.entries(svgs)) {
      await page.setContent(`<!doctype html><body style="margin:0;background:#fff">${svg}</body>`);
      pngs[name] = await page.locator('svg').first().screenshot();
    }
    return pngs;
  });
}

// `npx tsx src/experiments/screenshot.ts REPORT.html OUT_PREFIX`: the screenshots checked into docs/.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [htmlPath, prefix] = process.argv.slice(2);
  if (!htmlPath || !prefix) {
    process.stderr.write('usage: npx tsx src/experiments/screenshot.ts REPORT.html OUT_PREFIX\n');
    process.exit(2);
  }
  const look = await screenshotReport(htmlPath, [
    { path: `${prefix}-top.png` },
    { path: `${prefix}-capacity.png`, selector: 'figure:not(.limit):not(.frontier)', index: 2 },
    { path: `${prefix}-latency.png`, selector: 'figure:not(.limit):not(.frontier)', index: 4 },
    { path: `${prefix}-zoom.png`, selector: 'figure:not(.limit):not(.frontier)', index: 6 },
    // With --sweep: the frontier plot and its tables.
    { path: `${prefix}-frontier.png`, selector: 'section.frontier', optional: true },
  ]);
  process.stdout.write(`${JSON.stringify(look)}\n`);
}
