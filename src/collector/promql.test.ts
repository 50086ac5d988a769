import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rangeWindowOf, withInstantRate } from './promql.js';

const rows = [
  {
    name: 'a rate query reads the two newest samples',
    input: 'sum(rate(http_requests_total{job="web"}[1m]))',
    want: 'sum(irate(http_requests_total{job="web"}[1m]))',
  },
  {
    name: 'every rate call, and only rate calls',
    input: 'sum(rate(a[5m])) / sum(increase(b[5m])) + sum(irate(c[1m])) + my_rate(d)',
    want: 'sum(irate(a[5m])) / sum(increase(b[5m])) + sum(irate(c[1m])) + my_rate(d)',
  },
  { name: 'a gauge is read as it is', input: 'queue_length{job="web"}', want: 'queue_length{job="web"}' },
];

for (const { name, input, want } of rows) {
  test(`withInstantRate: ${name}`, () => {
    assert.equal(withInstantRate(input), want);
  });
}

test('rangeWindowOf: the first range window as written, or null', () => {
  assert.equal(rangeWindowOf('sum(rate(a[1h30m])) / sum(rate(b[5m]))'), '1h30m');
  assert.equal(rangeWindowOf('max_over_time(a[5m:30s])'), null);
  assert.equal(rangeWindowOf('a'), null);
});
