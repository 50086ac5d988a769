import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrescaleError } from '../core/index.js';
import { matchesSelector, parseLabelSelector } from './label-selector.js';

const web = { workload: 'web', tier: 'front' };
const api = { workload: 'api' };

const rows: { name: string; input: string; want: { web: boolean; api: boolean } }[] = [
  { name: 'empty selector matches everything', input: '', want: { web: true, api: true } },
  { name: 'equality', input: 'workload=web', want: { web: true, api: false } },
  { name: 'double equals', input: 'workload==api', want: { web: false, api: true } },
  { name: 'inequality matches a missing key too', input: 'tier!=back', want: { web: true, api: true } },
  { name: 'set membership', input: 'workload in (web, api)', want: { web: true, api: true } },
  { name: 'set exclusion', input: 'workload notin (web)', want: { web: false, api: true } },
  { name: 'exists', input: 'tier', want: { web: true, api: false } },
  { name: 'does not exist', input: '!tier', want: { web: false, api: true } },
  { name: 'all requirements must hold', input: 'workload in (web,api),!tier', want: { web: false, api: true } },
  { name: 'prefixed key', input: 'scaledobject.keda.sh/name=web', want: { web: false, api: false } },
];

for (const row of rows) {
  test(`matchesSelector: ${row.name}`, () => {
    const selector = parseLabelSelector(row.input);
    assert.deepEqual({ web: matchesSelector(selector, web), api: matchesSelector(selector, api) }, row.want);
  });
}

const errorRows: { name: string; input: string; want: string }[] = [
  { name: 'bad key', input: 'work load=web', want: 'invalid label key' },
  { name: 'bad value', input: 'workload=we$b', want: 'invalid label value' },
  { name: 'empty set', input: 'workload in ()', want: 'empty value list' },
];

for (const row of errorRows) {
  test(`parseLabelSelector refuses: ${row.name}`, () => {
    assert.throws(
      () => parseLabelSelector(row.input),
      (error: unknown) =>
        error instanceof PrescaleError &&
        error.code === 'invalid-input' &&
        error.field === 'labelSelector' &&
        error.message.includes(row.want),
    );
  });
}
