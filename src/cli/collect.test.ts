import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readTraceFile } from '../collector/index.js';
import { PrescaleError, type RawSeries } from '../core/index.js';
import { freePort, type PrometheusServer, startPrometheus } from '../testing/prometheus-server.js';
import { type CollectFlags, collectToFile } from './collect.js';

const execFileAsync = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const nasaPath = join(repoRoot, '../shared/data/nasa-http/nasa_jul95_requests_per_minute.csv');

let prometheus: PrometheusServer;
let dir: string;
let nasa: RawSeries;
const rows = 3000;
const t0 = 1_700_000_000;

before(async () => {
  const full = (await readTraceFile(nasaPath)).series;
  nasa = { timestampsSeconds: full.timestampsSeconds.slice(0, rows), values: full.values.slice(0, rows) };
  const pod = (name: string, value: number) => ({
    name: 'demo_load',
    labels: { pod: name },
    series: { timestampsSeconds: Float64Array.from([t0, t0 + 60]), values: Float64Array.from([value, value]) },
  });
  prometheus = await startPrometheus([{ name: 'nasa_requests_per_minute', series: nasa }, pod('a', 1), pod('b', 2)]);
  dir = await mkdtemp(join(tmpdir(), 'prescale-collect-'));
});

after(async () => {
  await prometheus?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const nowSeconds = 1_714_564_800;
const first = () => nasa.timestampsSeconds[0];
const last = () => nasa.timestampsSeconds[rows - 1];

function flags(overrides: Partial<CollectFlags> = {}): CollectFlags {
  return {
    prometheus: prometheus.url,
    query: 'nasa_requests_per_minute',
    start: new Date(first() * 1000).toISOString(),
    end: String(last()),
    step: '1m',
    out: join(dir, 'out.csv'),
    timeout: '10s',
    retries: '0',
    ...overrides,
  };
}

test('collectToFile writes the series value for value with its provenance', async () => {
  const out = join(dir, 'nasa.csv');
  const summary = await collectToFile(flags({ out }), nowSeconds);
  assert.deepEqual(summary, { out, samples: rows, expectedSamples: rows, labels: 'nasa_requests_per_minute{}' });
  const trace = await readTraceFile(out);
  assert.deepEqual(trace.series, nasa);
  assert.deepEqual(trace.metadata, {
    source: 'prometheus',
    prometheus: prometheus.url,
    query: 'nasa_requests_per_minute',
    start: '1995-07-01T04:00:00.000Z',
    end: new Date(last() * 1000).toISOString(),
    'step-seconds': '60',
    labels: 'nasa_requests_per_minute{}',
    'collected-at': '2024-05-01T12:00:00.000Z',
  });
});

test('--series-index picks one of several series (label order)', async () => {
  const out = join(dir, 'pod-b.csv');
  await collectToFile(
    flags({ query: 'demo_load', start: String(t0), end: String(t0 + 60), seriesIndex: '1', out }),
    nowSeconds,
  );
  const trace = await readTraceFile(out);
  assert.deepEqual(Array.from(trace.series.values), [2, 2]);
  assert.equal(trace.metadata.labels, 'demo_load{pod="b"}');
});

const badInputs: {
  name: string;
  input: () => Promise<Partial<CollectFlags>>;
  want: { code: string; field: string; text: string };
}[] = [
  {
    name: 'unparseable start',
    input: async () => ({ start: 'yesterday' }),
    want: { code: 'invalid-input', field: '--start', text: 'RFC 3339' },
  },
  {
    name: 'end before start',
    input: async () => ({ end: String(first() - 60) }),
    want: { code: 'invalid-input', field: '--end', text: 'swap' },
  },
  {
    name: 'zero step',
    input: async () => ({ step: '0s' }),
    want: { code: 'invalid-input', field: '--step', text: 'above zero' },
  },
  {
    name: 'unparseable step',
    input: async () => ({ step: 'fast' }),
    want: { code: 'invalid-input', field: '--step', text: '30s' },
  },
  {
    name: 'negative retries',
    input: async () => ({ retries: '-1' }),
    want: { code: 'invalid-input', field: '--retries', text: 'whole number' },
  },
  {
    name: 'empty query',
    input: async () => ({ query: ' ' }),
    want: { code: 'invalid-input', field: '--query', text: 'PromQL' },
  },
  {
    name: 'several series without --series-index',
    input: async () => ({ query: 'demo_load', start: String(t0), end: String(t0 + 60) }),
    want: { code: 'invalid-input', field: 'query', text: 'sum(demo_load)' },
  },
  {
    name: 'series index out of range',
    input: async () => ({ query: 'demo_load', start: String(t0), end: String(t0 + 60), seriesIndex: '2' }),
    want: { code: 'invalid-input', field: 'seriesIndex', text: '0..1' },
  },
  {
    name: 'no data in range',
    input: async () => ({ start: String(t0), end: String(t0 + 600) }),
    want: { code: 'invalid-input', field: '--query', text: 'no data' },
  },
  {
    name: 'bad PromQL',
    input: async () => ({ query: 'sum(' }),
    want: { code: 'prometheus-error', field: 'query', text: 'bad_data' },
  },
  {
    name: 'unreachable Prometheus',
    input: async () => ({ prometheus: `http://127.0.0.1:${await freePort()}` }),
    want: { code: 'prometheus-unreachable', field: 'prometheus.url', text: 'ECONNREFUSED' },
  },
  {
    name: 'missing bearer token file',
    input: async () => ({ bearerTokenFile: join(dir, 'no-token') }),
    want: { code: 'io-error', field: '--bearer-token-file', text: 'no-token: no such file (ENOENT)' },
  },
  {
    name: 'basic auth without a password file',
    input: async () => ({ basicAuth: 'alice' }),
    want: { code: 'invalid-input', field: '--basic-auth', text: 'user:password-file' },
  },
  {
    name: 'output directory missing',
    input: async () => ({ out: join(dir, 'missing', 'x.csv') }),
    want: { code: 'invalid-input', field: '--out', text: 'does not exist' },
  },
];

for (const row of badInputs) {
  test(`collect refuses ${row.name}, naming the flag, and writes nothing`, async () => {
    const sub = await mkdtemp(join(dir, 'bad-'));
    const input = { out: join(sub, 'out.csv'), ...(await row.input()) };
    await assert.rejects(collectToFile(flags(input), nowSeconds), (error: unknown) => {
      assert.ok(error instanceof PrescaleError, String(error));
      assert.equal(error.code, row.want.code, error.message);
      assert.equal(error.field, row.want.field, error.message);
      assert.ok(error.message.includes(row.want.text), error.message);
      return true;
    });
    assert.deepEqual(await readdir(sub), []);
  });
}

const cli = (args: string[]) =>
  execFileAsync(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'collect', ...args], {
    cwd: repoRoot,
  });

test('prescale collect: writes a gzip trace and says how many samples', async () => {
  const out = join(dir, 'cli.csv.gz');
  const tokenFile = join(dir, 'token');
  await writeFile(tokenFile, 'not-checked-by-this-prometheus\n');
  const { stdout } = await cli([
    '--prometheus',
    prometheus.url,
    '--query',
    'nasa_requests_per_minute',
    '--start',
    '1995-07-01T04:00:00Z',
    '--end',
    String(last()),
    '--step',
    '60',
    '--out',
    out,
    '--bearer-token-file',
    tokenFile,
  ]);
  assert.equal(stdout, `wrote ${rows} samples of nasa_requests_per_minute{} to ${out}\n`);
  assert.deepEqual((await readTraceFile(out)).series, nasa);
});

test('prescale collect: bad input is one line on stderr, exit code 2, no file', async () => {
  const out = join(dir, 'cli-bad.csv');
  await assert.rejects(
    cli(['--prometheus', prometheus.url, '--query', 'up', '--start', 'yesterday', '--end', 'now', '--out', out]),
    (error: { code?: number; stderr?: string }) => {
      assert.equal(error.code, 2);
      assert.equal(error.stderr?.trim().split('\n').length, 1, error.stderr);
      assert.match(error.stderr ?? '', /^prescale: --start: "yesterday" is not a time; /);
      return true;
    },
  );
  assert.equal(existsSync(out), false);
});
