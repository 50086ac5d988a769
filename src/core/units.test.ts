import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrescaleError } from './errors.js';
import {
  formatDurationSeconds,
  formatSampleValue,
  parseDateTimeSeconds,
  parseDurationSeconds,
  parseSampleValue,
  parseTimeSeconds,
} from './units.js';

const durations: { name: string; input: string; want: number | 'error' }[] = [
  { name: 'seconds', input: '30s', want: 30 },
  { name: 'minutes', input: '10m', want: 600 },
  { name: 'days', input: '14d', want: 14 * 86_400 },
  { name: 'hours and minutes', input: '1h30m', want: 5400 },
  { name: 'milliseconds', input: '500ms', want: 0.5 },
  { name: 'minutes then milliseconds', input: '1m500ms', want: 60.5 },
  { name: 'weeks', input: '2w', want: 1_209_600 },
  { name: 'years are 365 days', input: '1y', want: 31_536_000 },
  { name: 'plain integer seconds', input: '15', want: 15 },
  { name: 'plain fractional seconds', input: '0.25', want: 0.25 },
  { name: 'surrounding spaces', input: ' 5m ', want: 300 },
  { name: 'zero', input: '0s', want: 0 },
  { name: 'empty', input: '', want: 'error' },
  { name: 'unknown unit', input: '5x', want: 'error' },
  { name: 'smaller unit first', input: '30m1h', want: 'error' },
  { name: 'repeated unit', input: '1m1m', want: 'error' },
  { name: 'negative', input: '-5s', want: 'error' },
  { name: 'fraction with unit (Prometheus refuses it)', input: '1.5m', want: 'error' },
  { name: 'unit without number', input: 'm', want: 'error' },
  { name: 'trailing garbage', input: '5m!', want: 'error' },
];

for (const row of durations) {
  test(`parseDurationSeconds: ${row.name} (${JSON.stringify(row.input)})`, () => {
    if (row.want === 'error') {
      assert.throws(
        () => parseDurationSeconds(row.input, 'spec.stepSeconds'),
        (error: unknown) =>
          error instanceof PrescaleError &&
          error.code === 'invalid-input' &&
          error.field === 'spec.stepSeconds' &&
          error.message.startsWith('spec.stepSeconds: ') &&
          error.message.includes('30s'),
      );
    } else {
      assert.equal(parseDurationSeconds(row.input, 'spec.stepSeconds'), row.want);
    }
  });
}

const now = 1_714_564_800; // 2024-05-01T12:00:00Z
const times: { name: string; input: string; want: number | 'error' }[] = [
  { name: 'RFC 3339 Z', input: '2024-05-01T12:00:00Z', want: now },
  { name: 'RFC 3339 lowercase', input: '2024-05-01t12:00:00z', want: now },
  { name: 'RFC 3339 offset', input: '2024-05-01T14:00:00+02:00', want: now },
  { name: 'RFC 3339 negative offset', input: '2024-05-01T08:00:00-04:00', want: now },
  { name: 'RFC 3339 fraction', input: '2024-05-01T12:00:00.250Z', want: now + 0.25 },
  { name: 'unix seconds', input: '1714564800', want: now },
  { name: 'fractional unix seconds', input: '1714564800.5', want: now + 0.5 },
  { name: 'now', input: 'now', want: now },
  { name: 'now minus a duration', input: 'now-1h', want: now - 3600 },
  { name: 'now plus a duration', input: 'now+30m', want: now + 1800 },
  { name: 'date only is midnight UTC', input: '2024-05-01', want: now - 12 * 3600 },
  { name: 'no zone is UTC', input: '2024-05-01 12:00:00', want: now },
  { name: 'nonsense', input: 'yesterday', want: 'error' },
  { name: '31 April', input: '2024-04-31T00:00:00Z', want: 'error' },
  { name: 'hour 24', input: '2024-05-01T24:00:00Z', want: 'error' },
  { name: 'now with a bad duration', input: 'now-1q', want: 'error' },
];

for (const row of times) {
  test(`parseTimeSeconds: ${row.name} (${row.input})`, () => {
    if (row.want === 'error') {
      assert.throws(
        () => parseTimeSeconds(row.input, 'start', now),
        (error: unknown) => error instanceof PrescaleError && error.code === 'invalid-input' && error.field === 'start',
      );
    } else {
      assert.equal(parseTimeSeconds(row.input, 'start', now), row.want);
    }
  });
}

test('parseTimeSeconds without nowSeconds refuses "now" and does not suggest it', () => {
  assert.throws(
    () => parseTimeSeconds('now', 'end'),
    (error: unknown) => error instanceof PrescaleError && error.field === 'end' && !error.message.includes('now-1h'),
  );
});

const dateTimes: { name: string; input: string; want: number | undefined }[] = [
  { name: 'NAB style', input: '2014-02-14 14:27:00', want: Date.UTC(2014, 1, 14, 14, 27) / 1000 },
  { name: 'minutes only', input: '2014-02-14 14:27', want: Date.UTC(2014, 1, 14, 14, 27) / 1000 },
  { name: 'leap day', input: '2016-02-29', want: Date.UTC(2016, 1, 29) / 1000 },
  { name: 'not a leap year', input: '2015-02-29', want: undefined },
  { name: 'month 13', input: '2015-13-01', want: undefined },
  { name: 'zone on a bare date', input: '2015-01-01Z', want: undefined },
  { name: 'numbers', input: '1714564800', want: undefined },
];

for (const row of dateTimes) {
  test(`parseDateTimeSeconds: ${row.name}`, () => {
    assert.equal(parseDateTimeSeconds(row.input), row.want);
  });
}

const written: { seconds: number; want: string }[] = [
  { seconds: 0, want: '0s' },
  { seconds: 90, want: '90s' },
  { seconds: 1800, want: '30m' },
  { seconds: 3600, want: '1h' },
  { seconds: 14 * 86_400, want: '14d' },
  { seconds: 0.5, want: '500ms' },
  { seconds: 0.0001, want: '0.0001' },
];
for (const row of written) {
  test(`formatDurationSeconds(${row.seconds}) = ${row.want}, and reads back`, () => {
    assert.equal(formatDurationSeconds(row.seconds), row.want);
    assert.equal(parseDurationSeconds(row.want), row.seconds);
  });
}

test('sample values: Prometheus spellings of infinities and NaN both ways; other text names the value', () => {
  for (const [text, value] of [
    ['+Inf', Number.POSITIVE_INFINITY],
    ['-Inf', Number.NEGATIVE_INFINITY],
    ['0.25', 0.25],
  ] as const) {
    assert.equal(parseSampleValue(text), value);
    assert.equal(formatSampleValue(value), text);
  }
  assert.ok(Number.isNaN(parseSampleValue('NaN')));
  assert.equal(formatSampleValue(Number.NaN), 'NaN');
  assert.throws(
    () => parseSampleValue('many'),
    (error: unknown) =>
      error instanceof PrescaleError && error.code === 'prometheus-error' && /"many"/.test(error.message),
  );
});
