import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { stringify } from 'yaml';
import { prescale, servingPorts } from '../testing/prescale-cli.js';
import { tempDir } from '../testing/temp-dir.js';

// `--log-level` reaches the service: at debug every answered request is a log line, at the default (info) none is.

/** Runs `prescale serve` (no workloads) with `args`, asks for /healthz, stops it: every JSON line it printed. */
async function serveAndAsk(t: TestContext, args: string[]): Promise<Record<string, unknown>[]> {
  const dir = await tempDir(t);
  const config = join(dir, 'prescale.yaml');
  await writeFile(
    config,
    stringify({
      api: { listen: '127.0.0.1:0' },
      keda: { enabled: false },
      externalMetrics: { enabled: false },
      models: { dir: join(dir, 'models') },
    }),
  );
  const run = prescale(['serve', '--config', config, ...args]);
  t.after(() => run.child.kill('SIGKILL'));
  const api = `http://127.0.0.1:${(await servingPorts(run)).api}`;
  assert.equal((await fetch(`${api}/healthz`)).status, 200);
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0);
  return run
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('prescale serve --log-level debug logs every request; the default level does not', async (t) => {
  const debug = await serveAndAsk(t, ['--log-level', 'debug']);
  const requests = debug.filter((line) => line.msg === 'request');
  assert.equal(requests.length, 1, JSON.stringify(debug));
  const { level, server, route, method, statusCode, url, milliseconds } = requests[0];
  assert.deepEqual(
    { level, server, route, method, statusCode, url },
    {
      level: 20,
      server: 'api',
      route: '/healthz',
      method: 'GET',
      statusCode: 200,
      url: '/healthz',
    },
  );
  assert.ok(typeof milliseconds === 'number' && milliseconds >= 0);

  const info = await serveAndAsk(t, []);
  assert.deepEqual(
    info.map((line) => line.msg),
    ['prescale serving', 'stopping', 'stopped'],
  );
});
