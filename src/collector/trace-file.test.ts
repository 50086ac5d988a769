import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { datasetsFileSchema } from '../config/datasets.js';
import { PrescaleError } from '../core/index.js';
import { readTraceFile, TraceFileSource, writeTraceFile } from './trace-file.js';

const dataDir = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const bundledDir = fileURLToPath(new URL('../../data/', import.meta.url));
const utc = (...parts: [number, number, number, number?, number?, number?]) =>
  Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3] ?? 0, parts[4] ?? 0, parts[5] ?? 0) / 1000;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prescale-trace-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function assertStrictlyIncreasing(times: Float64Array): void {
  for (let i = 1; i < times.length; i++) assert.ok(times[i] > times[i - 1], `timestamps not increasing at ${i}`);
}

test('NASA July 1995: 39,693 minutes, unix seconds, totals match the ITA request count', async () => {
  const trace = await readTraceFile(join(dataDir, 'nasa-http/nasa_jul95_requests_per_minute.csv'));
  assert.equal(trace.format, 'unix-seconds');
  assert.deepEqual(trace.header, ['timestamp', 'value']);
  assert.equal(trace.series.values.length, 39_693);
  assert.equal(trace.series.timestampsSeconds[0], utc(1995, 7, 1, 4, 0));
  assert.equal(trace.series.values[0], 42);
  assert.equal(trace.series.timestampsSeconds.at(-1), utc(1995, 7, 28, 17, 32));
  // SOURCES.md: the July per-second file totals 1,891,713 requests.
  assert.equal(
    trace.series.values.reduce((sum, v) => sum + v, 0),
    1_891_713,
  );
  assert.equal(trace.missingRows, 0);
  assert.equal(trace.duplicateRows, 0);
  assertStrictlyIncreasing(trace.series.timestampsSeconds);
});

test('the bundled default (data/datasets.json) parses and its file reads as the shared NASA series', async () => {
  const datasets = datasetsFileSchema.parse(JSON.parse(await readFile(join(bundledDir, 'datasets.json'), 'utf8')));
  const bundled = await readTraceFile(join(bundledDir, datasets['nasa-jul95'].file));
  const shared = await readTraceFile(join(dataDir, 'nasa-http/nasa_jul95_requests_per_minute.csv'));
  assert.deepEqual(bundled.series, shared.series);
  assert.equal(datasets['nasa-jul95'].step_seconds, 60);
});

test('Alibaba 2018 CPU: offset seconds, every 10 s from day 3 to day 8', async () => {
  const trace = await readTraceFile(join(dataDir, 'alibaba2018/alibaba2018_cpu_util_10s_days3-8.csv'));
  assert.equal(trace.format, 'offset-seconds');
  assert.equal(trace.series.values.length, 51_839);
  assert.equal(trace.series.timestampsSeconds[0], 172_800);
  assert.equal(trace.series.values[0], 29.1591);
  assert.equal(trace.series.timestampsSeconds.at(-1), 691_180);
  for (let i = 1; i < trace.series.timestampsSeconds.length; i++) {
    assert.equal(trace.series.timestampsSeconds[i] - trace.series.timestampsSeconds[i - 1], 10);
  }
});

test('NAB EC2 CPU: YYYY-MM-DD HH:MM:SS text read as UTC', async () => {
  const trace = await readTraceFile(join(dataDir, 'nab/realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv'));
  assert.equal(trace.format, 'datetime');
  assert.equal(trace.series.values.length, 4032);
  assert.equal(trace.series.timestampsSeconds[0], utc(2014, 2, 14, 14, 27));
  assert.equal(trace.series.values[0], 51.846000000000004);
  assert.equal(trace.series.timestampsSeconds.at(-1), utc(2014, 2, 28, 14, 22));
  assertStrictlyIncreasing(trace.series.timestampsSeconds);
});

test('Prophet Yosemite temperatures: ds,y with 12 NaN rows counted as missing', async () => {
  const trace = await readTraceFile(join(dataDir, 'prophet/example_yosemite_temps.csv'));
  assert.equal(trace.format, 'prophet');
  assert.equal(trace.missingRows, 12);
  assert.equal(trace.series.values.length, 18_721 - 12);
  assert.equal(trace.series.timestampsSeconds[0], utc(2017, 5, 1));
  assert.equal(trace.series.values[0], 27.8);
  // The NaN run is 2017-06-10 14:05 .. 15:00: the series jumps from 14:00 to 15:05.
  const at1400 = trace.series.timestampsSeconds.indexOf(utc(2017, 6, 10, 14, 0));
  assert.ok(at1400 > 0);
  assert.equal(trace.series.timestampsSeconds[at1400 + 1], utc(2017, 6, 10, 15, 5));
  assert.ok(trace.series.values.every(Number.isFinite));
});

test('Prophet Peyton Manning: quoted "ds","y" header and quoted dates', async () => {
  const trace = await readTraceFile(join(dataDir, 'prophet/example_wp_log_peyton_manning.csv'));
  assert.equal(trace.format, 'prophet');
  assert.deepEqual(trace.header, ['ds', 'y']);
  assert.equal(trace.series.values.length, 2905);
  assert.equal(trace.series.timestampsSeconds[0], utc(2007, 12, 10));
  assert.equal(trace.series.values[0], 9.59076113897809);
  assert.equal(trace.series.timestampsSeconds.at(-1), utc(2016, 1, 20));
  assertStrictlyIncreasing(trace.series.timestampsSeconds);
});

const goodFiles: {
  name: string;
  content: string | Buffer;
  want: {
    format: string;
    times: number[];
    values: number[];
    metadata?: Record<string, string>;
    missing?: number;
    duplicates?: number;
  };
}[] = [
  {
    name: 'unsorted rows are sorted; a duplicate timestamp keeps the mean of its values',
    content: 'timestamp,value\n30,3\n10,1\n20,2\n10,5\n',
    want: { format: 'unix-seconds', times: [10, 20, 30], values: [3, 2, 3], duplicates: 1 },
  },
  {
    name: 'CR-only line endings (old Mac)',
    content: 'ds,y\r2020-01-01,1\r2020-01-02,2\r',
    want: { format: 'prophet', times: [utc(2020, 1, 1), utc(2020, 1, 2)], values: [1, 2] },
  },
  {
    name: 'CRLF with # key: value metadata, values may contain colons',
    content:
      '# query: sum(rate(http_requests_total[1m]))\r\n# prometheus: http://127.0.0.1:9090\r\n# step: 30\r\ntimestamp,value\r\n0,1.5\r\n30,2.5\r\n',
    want: {
      format: 'unix-seconds',
      times: [0, 30],
      values: [1.5, 2.5],
      metadata: { query: 'sum(rate(http_requests_total[1m]))', prometheus: 'http://127.0.0.1:9090', step: '30' },
    },
  },
  {
    name: 'NaN and empty values are missing observations, counted; blank lines skipped',
    content: 'timestamp,value\n\n1,NaN\n2,\n\n3,4\n',
    want: { format: 'unix-seconds', times: [3], values: [4], missing: 2 },
  },
  {
    name: '+Inf and -Inf values are kept (Prometheus writes them)',
    content: 'timestamp,value\n1,+Inf\n2,-Inf\n3,1e3\n',
    want: { format: 'unix-seconds', times: [1, 2, 3], values: [Infinity, -Infinity, 1000] },
  },
  {
    name: 'UTF-8 byte order mark and fractional unix seconds',
    content: '\ufefftimestamp,value\n1.5,1\n2.25,2\n',
    want: { format: 'unix-seconds', times: [1.5, 2.25], values: [1, 2] },
  },
  {
    name: 'gzip detected by magic bytes even without a .gz name',
    content: gzipSync('offset_seconds,value\n0,7\n10,8\n'),
    want: { format: 'offset-seconds', times: [0, 10], values: [7, 8] },
  },
  {
    name: 'datetime with T and Z is UTC too',
    content: 'timestamp,value\n2014-02-14T14:27:00Z,1\n2014-02-14 14:32:00,2\n',
    want: { format: 'datetime', times: [utc(2014, 2, 14, 14, 27), utc(2014, 2, 14, 14, 32)], values: [1, 2] },
  },
];

for (const row of goodFiles) {
  test(`reads: ${row.name}`, async () => {
    const path = join(dir, `good-${goodFiles.indexOf(row)}.csv`);
    await writeFile(path, row.content);
    const trace = await readTraceFile(path);
    assert.equal(trace.format, row.want.format);
    assert.deepEqual(Array.from(trace.series.timestampsSeconds), row.want.times);
    assert.deepEqual(Array.from(trace.series.values), row.want.values);
    assert.deepEqual(trace.metadata, row.want.metadata ?? {});
    assert.equal(trace.missingRows, row.want.missing ?? 0);
    assert.equal(trace.duplicateRows, row.want.duplicates ?? 0);
  });
}

const badFiles: { name: string; content: string | Buffer; want: { line: number; problem: string } }[] = [
  { name: 'three columns', content: 'timestamp,value\n1,2\n3,4,5\n', want: { line: 3, problem: 'expected 2 columns' } },
  { name: 'one column', content: 'timestamp,value\n1\n', want: { line: 2, problem: 'found 1' } },
  { name: 'unparseable unix timestamp', content: 'timestamp,value\n1,2\nabc,3\n', want: { line: 3, problem: '"abc"' } },
  {
    name: 'impossible date',
    content: 'timestamp,value\n2014-02-14 14:27:00,1\n2014-02-30 00:00:00,2\n',
    want: { line: 3, problem: '"2014-02-30 00:00:00"' },
  },
  { name: 'unparseable value', content: 'timestamp,value\n1,abc\n', want: { line: 2, problem: 'value "abc"' } },
  { name: 'unknown header', content: 'time,val\n1,2\n', want: { line: 1, problem: 'unknown header "time,val"' } },
  { name: 'headerless data', content: '1,2\n3,4\n', want: { line: 1, problem: 'unknown header' } },
  { name: 'unknown header after metadata', content: '# a: b\nfoo\n', want: { line: 2, problem: 'unknown header' } },
  { name: 'empty file', content: '', want: { line: 1, problem: 'file is empty' } },
  { name: 'header only', content: 'timestamp,value\n', want: { line: 1, problem: 'no data rows' } },
  {
    name: 'comment that is not key: value',
    content: '# hello\ntimestamp,value\n1,2\n',
    want: { line: 1, problem: '# key: value' },
  },
  {
    name: 'duplicate metadata key',
    content: '# a: 1\n# a: 2\ntimestamp,value\n1,2\n',
    want: { line: 2, problem: 'twice' },
  },
  {
    name: 'comment after the header',
    content: 'timestamp,value\n1,2\n# late: x\n',
    want: { line: 3, problem: 'after the header' },
  },
  {
    name: 'CRLF, bad value on line 3',
    content: 'timestamp,value\r\n1,2\r\n3,x\r\n',
    want: { line: 3, problem: 'value "x"' },
  },
  {
    name: 'CR only, bad value on line 3',
    content: 'ds,y\r2020-01-01,1\r2020-01-02,?\r',
    want: { line: 3, problem: 'value "?"' },
  },
  { name: 'negative offset', content: 'offset_seconds,value\n-5,1\n', want: { line: 2, problem: '"-5"' } },
  {
    name: 'blank lines still count for line numbers',
    content: 'timestamp,value\n\n1,2\n\nx,3\n',
    want: { line: 5, problem: '"x"' },
  },
  {
    name: 'unix rows then a date row',
    content: 'timestamp,value\n1,2\n2014-02-14 14:27:00,3\n',
    want: { line: 3, problem: 'unix seconds' },
  },
  {
    name: 'corrupt gzip',
    content: Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not really gzip')]),
    want: { line: 1, problem: 'gzip data is corrupt' },
  },
];

for (const row of badFiles) {
  test(`rejects: ${row.name}`, async () => {
    const path = join(dir, `bad-${badFiles.indexOf(row)}.csv`);
    await writeFile(path, row.content);
    await assert.rejects(readTraceFile(path), (error: unknown) => {
      assert.ok(error instanceof PrescaleError);
      assert.equal(error.code, 'malformed-file');
      assert.equal(error.field, `${path}:${row.want.line}`);
      assert.ok(error.message.startsWith(`${path}:${row.want.line}: `), error.message);
      assert.ok(error.message.includes(row.want.problem), error.message);
      return true;
    });
  });
}

test('a missing file is an io-error naming the path', async () => {
  const path = join(dir, 'does-not-exist.csv');
  await assert.rejects(readTraceFile(path), (error: unknown) => {
    assert.ok(error instanceof PrescaleError);
    assert.equal(error.code, 'io-error');
    assert.equal(error.field, path);
    return true;
  });
});

test('write then read round-trips series and metadata, plain and gzip', async () => {
  const series = {
    timestampsSeconds: Float64Array.from([1700000000, 1700000030, 1700000060.5]),
    values: Float64Array.from([0.1 + 0.2, 1e-300, 12345678.901]),
  };
  const metadata = {
    query: 'sum(rate(x[1m]))',
    prometheus: 'http://127.0.0.1:9090',
    'collected-at': '2024-01-01T00:00:00Z',
  };
  for (const name of ['round-trip.csv', 'round-trip.csv.gz']) {
    const path = join(dir, name);
    await writeTraceFile(path, series, metadata);
    const bytes = await readFile(path);
    assert.equal(bytes[0] === 0x1f && bytes[1] === 0x8b, name.endsWith('.gz'), `${name} gzip magic`);
    const trace = await readTraceFile(path);
    assert.deepEqual(trace.metadata, metadata);
    assert.deepEqual(trace.series, series);
  }
});

test('NaN values written are read back as missing observations', async () => {
  const path = join(dir, 'with-nan.csv');
  await writeTraceFile(path, {
    timestampsSeconds: Float64Array.from([1, 2, 3]),
    values: Float64Array.from([1, NaN, Infinity]),
  });
  const text = await readFile(path, 'utf8');
  assert.equal(text, 'timestamp,value\n1,1\n2,NaN\n3,+Inf\n');
  const trace = await readTraceFile(path);
  assert.equal(trace.missingRows, 1);
  assert.deepEqual(Array.from(trace.series.values), [1, Infinity]);
});

const badWrites: {
  name: string;
  input: { times: number[]; values: number[]; metadata?: Record<string, string> };
  want: { code: string; field: string };
}[] = [
  {
    name: 'unsorted timestamps',
    input: { times: [2, 1], values: [1, 1] },
    want: { code: 'invalid-input', field: 'series.timestampsSeconds[1]' },
  },
  { name: 'length mismatch', input: { times: [1, 2], values: [1] }, want: { code: 'invalid-input', field: 'series' } },
  {
    name: 'metadata key with a colon',
    input: { times: [1], values: [1], metadata: { 'a:b': 'x' } },
    want: { code: 'invalid-input', field: 'metadata.a:b' },
  },
  {
    name: 'metadata value with a newline',
    input: { times: [1], values: [1], metadata: { a: 'x\ny' } },
    want: { code: 'invalid-input', field: 'metadata.a' },
  },
];

for (const row of badWrites) {
  test(`write rejects ${row.name} and leaves the old file and no temp file`, async () => {
    const sub = await mkdtemp(join(dir, 'write-'));
    const path = join(sub, 'out.csv');
    await writeFile(path, 'timestamp,value\n1,1\n');
    const series = {
      timestampsSeconds: Float64Array.from(row.input.times),
      values: Float64Array.from(row.input.values),
    };
    await assert.rejects(writeTraceFile(path, series, row.input.metadata), (error: unknown) => {
      assert.ok(error instanceof PrescaleError);
      assert.equal(error.code, row.want.code);
      assert.equal(error.field, row.want.field);
      return true;
    });
    assert.deepEqual(await readdir(sub), ['out.csv']);
    assert.equal(await readFile(path, 'utf8'), 'timestamp,value\n1,1\n');
  });
}

test('writing into a missing directory is an io-error and creates nothing', async () => {
  const path = join(dir, 'no-such-dir', 'out.csv');
  await assert.rejects(
    writeTraceFile(path, { timestampsSeconds: Float64Array.from([1]), values: Float64Array.from([1]) }),
    (error: unknown) => error instanceof PrescaleError && error.code === 'io-error' && error.field === path,
  );
});

const sourceRows: { name: string; input: { start: number; end: number }; want: number[] }[] = [
  { name: 'inclusive on both ends', input: { start: 20, end: 40 }, want: [20, 30, 40] },
  { name: 'between samples', input: { start: 15, end: 35 }, want: [20, 30] },
  { name: 'before the trace', input: { start: 0, end: 5 }, want: [] },
  { name: 'after the trace', input: { start: 60, end: 99 }, want: [] },
  { name: 'all of it', input: { start: 0, end: 99 }, want: [10, 20, 30, 40, 50] },
];

for (const row of sourceRows) {
  test(`TraceFileSource.range: ${row.name}`, async () => {
    const path = join(dir, 'source.csv');
    await writeFile(path, 'timestamp,value\n10,1\n20,2\n30,3\n40,4\n50,5\n');
    const source = new TraceFileSource(path);
    const got = await source.range({
      query: '',
      startSeconds: row.input.start,
      endSeconds: row.input.end,
      stepSeconds: 10,
    });
    assert.deepEqual(Array.from(got.timestampsSeconds), row.want);
    assert.deepEqual(
      Array.from(got.values),
      row.want.map((t) => t / 10),
    );
  });
}
