import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { stringify } from 'yaml';
import { prescale } from '../testing/prescale-cli.js';
import { tempDir } from '../testing/temp-dir.js';

// A startup error of `prescale serve` exits non-zero with one line naming the field, and never hangs with a port
// bound: a port in use (the API's, the KEDA scaler's), an unreadable certificate after the scaler already listens.

async function occupiedPort(t: TestContext): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

async function serveWith(t: TestContext, config: Record<string, unknown>): Promise<{ code: number; lines: string[] }> {
  const dir = await tempDir(t);
  const file = join(dir, 'prescale.yaml');
  await writeFile(file, stringify({ models: { dir: join(dir, 'models') }, ...config }));
  const run = prescale(['serve', '--config', file]);
  t.after(() => run.child.kill('SIGKILL'));
  const code = await run.exited;
  return { code, lines: run.output().trim().split('\n') };
}

for (const door of ['api', 'keda'] as const) {
  test(`the ${door} port in use: exit 2, one line naming ${door}.listen (not grpc-js' own log line)`, async (t) => {
    const port = await occupiedPort(t);
    const listen = { api: { listen: '127.0.0.1:0' }, keda: { listen: '127.0.0.1:0' } };
    listen[door].listen = `127.0.0.1:${port}`;
    const { code, lines } = await serveWith(t, { ...listen, externalMetrics: { enabled: false } });
    assert.equal(code, 2);
    assert.deepEqual(lines, [
      `prescale: ${door}.listen: 127.0.0.1:${port} is in use by another process; stop it or choose another port (EADDRINUSE)`,
    ]);
  });
}

test('an unreadable certificate after the KEDA scaler listens: exit 2, one line, and the scaler port is free again', async (t) => {
  const dir = await tempDir(t);
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const kedaPort = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const { code, lines } = await serveWith(t, {
    api: { listen: '127.0.0.1:0' },
    keda: { listen: `127.0.0.1:${kedaPort}` },
    externalMetrics: {
      enabled: true,
      listen: '127.0.0.1:0',
      certFile: join(dir, 'missing.crt'),
      keyFile: join(dir, 'missing.key'),
    },
  });
  assert.equal(code, 2);
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(
    lines[0],
    /^prescale: externalMetrics\.certFile: cannot read .*missing\.crt: no such file \(ENOENT\); check the path and mount$/,
  );
  // The process exited, so the port it had bound is released: it can be bound again.
  const again = createServer();
  await new Promise<void>((resolve, reject) => {
    again.once('error', reject);
    again.listen(kedaPort, '127.0.0.1', resolve);
  });
  await new Promise<void>((resolve) => again.close(() => resolve()));
});

for (const [flag, problem] of [
  ['0', 'must be at least 1; give how many fits may run at once'],
  ['1.5', 'is not a whole number; give how many fits may run at once, like 2'],
  ['two', 'is not a number; give how many fits may run at once, like 2'],
]) {
  test(`--training-concurrency ${flag}: exit 2, one line naming the flag and the fix`, async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'prescale.yaml');
    await writeFile(file, stringify({ models: { dir: join(dir, 'models') }, externalMetrics: { enabled: false } }));
    const run = prescale(['serve', '--config', file, '--training-concurrency', flag]);
    t.after(() => run.child.kill('SIGKILL'));
    assert.equal(await run.exited, 2);
    assert.deepEqual(run.output().trim().split('\n'), [`prescale: --training-concurrency: ${flag} ${problem}`]);
  });
}
