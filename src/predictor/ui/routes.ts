import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

const staticDir = join(dirname(fileURLToPath(import.meta.url)), 'static');
/** uPlot's browser build, served from the installed package: the UI needs no network beyond this service. */
const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot'));

/** Every file the UI serves, by its URL name: nothing else under /ui/ is readable. */
const ASSETS: Readonly<Record<string, { readonly path: string; readonly type: string }>> = {
  'index.html': { path: join(staticDir, 'index.html'), type: 'text/html; charset=utf-8' },
  'app.js': { path: join(staticDir, 'app.js'), type: 'text/javascript; charset=utf-8' },
  'app.css': { path: join(staticDir, 'app.css'), type: 'text/css; charset=utf-8' },
  'uPlot.iife.min.js': { path: join(uplotDir, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { path: join(uplotDir, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

/**
 * Only this origin: a page that tried to load anything from elsewhere would fail loudly (a console error) rather
 * than reach out from an operator's browser.
 */
const CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'";

/**
 * The built-in UI at `/ui/`: a static page (docs/ui.md) that reads `GET /v1/workloads`, `/v1/workloads/:name` and
 * `/v1/workloads/:name/history` and draws them with uPlot.
 */
export function registerUi(app: FastifyInstance): void {
  app.get('/ui', async (_request, reply) => reply.redirect('/ui/'));
  app.get('/ui/', async (_request, reply) => sendAsset(reply, 'index.html'));
  app.get<{ Params: { file: string } }>('/ui/:file', async (request, reply) => {
    if (!Object.hasOwn(ASSETS, request.params.file)) return reply.callNotFound();
    return sendAsset(reply, request.params.file);
  });
}

async function sendAsset(reply: FastifyReply, file: string): Promise<FastifyReply> {
  const asset = ASSETS[file];
  reply.header('content-type', asset.type);
  reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
  reply.header('cache-control', 'no-cache');
  return reply.send(await readFile(asset.path));
}
