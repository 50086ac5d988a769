import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrescaleError } from '../core/index.js';
import { readTraceCsv, sharedDataPath } from '../testing/trace-csv.js';
import { fitScaler, type ScalerKind, scalerFromJSON } from './scalers.js';

const N = Number.NaN;

const rows: {
  name: string;
  input: { kind: ScalerKind; fit: number[]; apply: number[] };
  want: { json: object; transformed: number[] };
}[] = [
  {
    name: 'standard: mean 5, population std 2',
    input: { kind: 'standard', fit: [3, 7, 3, 7], apply: [5, 7, 1] },
    want: { json: { kind: 'standard', mean: 5, std: 2 }, transformed: [0, 1, -2] },
  },
  {
    name: 'min-max: range [2, 6] to [0, 1]',
    input: { kind: 'min-max', fit: [2, 6, 4], apply: [2, 4, 6, 8] },
    want: { json: { kind: 'min-max', min: 2, max: 6 }, transformed: [0, 0.5, 1, 1.5] },
  },
  {
    name: 'fit ignores NaN and ±Infinity; transform keeps NaN',
    input: { kind: 'standard', fit: [N, 3, Number.POSITIVE_INFINITY, 7], apply: [N, 5] },
    want: { json: { kind: 'standard', mean: 5, std: 2 }, transformed: [N, 0] },
  },
  {
    name: 'standard on a constant series: std 0, scale 1, transform gives 0 not NaN',
    input: { kind: 'standard', fit: [4, 4, 4], apply: [4, 5] },
    want: { json: { kind: 'standard', mean: 4, std: 0 }, transformed: [0, 1] },
  },
  {
    name: 'min-max on a constant series: range 0, scale 1',
    input: { kind: 'min-max', fit: [4, 4], apply: [4, 6] },
    want: { json: { kind: 'min-max', min: 4, max: 4 }, transformed: [0, 2] },
  },
];

for (const row of rows) {
  test(`fitScaler: ${row.name}`, () => {
    const scaler = fitScaler(row.input.kind, row.input.fit);
    assert.deepEqual(scaler.toJSON(), row.want.json);
    const transformed = scaler.transform(row.input.apply);
    assert.deepEqual(Array.from(transformed), row.want.transformed);
    assert.deepEqual(Array.from(scaler.inverse(transformed)), row.input.apply, 'inverse undoes transform');
  });
}

test('toJSON → JSON text → scalerFromJSON gives the same mapping, on the NASA series', () => {
  const nasa = readTraceCsv(sharedDataPath('nasa-http/nasa_jul95_requests_per_minute.csv')).values;
  for (const kind of ['standard', 'min-max'] as const) {
    const scaler = fitScaler(kind, nasa);
    const restored = scalerFromJSON(JSON.parse(JSON.stringify(scaler)));
    assert.equal(restored.kind, kind);
    assert.deepEqual(restored.toJSON(), scaler.toJSON());
    assert.deepEqual(restored.transform(nasa), scaler.transform(nasa));
    const back = restored.inverse(scaler.transform(nasa));
    for (let i = 0; i < nasa.length; i += 997) assert.ok(Math.abs(back[i] - nasa[i]) < 1e-9 * Math.max(1, nasa[i]));
  }
  const standardized = fitScaler('standard', nasa).transform(nasa);
  const mean = standardized.reduce((a, b) => a + b, 0) / standardized.length;
  assert.ok(Math.abs(mean) < 1e-9, `standardized NASA has mean ${mean}`);
});

const jsonErrorRows: { name: string; json: unknown; field: string; message?: string }[] = [
  { name: 'unknown kind', json: { kind: 'robust', mean: 0, std: 1 }, field: 'scaler.kind' },
  { name: 'negative std', json: { kind: 'standard', mean: 0, std: -1 }, field: 'scaler.std' },
  {
    name: 'missing mean',
    json: { kind: 'standard', std: 1 },
    field: 'scaler.mean',
    message: "scaler.mean: required; give a number; pass the object a scaler's toJSON() wrote",
  },
  { name: 'max below min', json: { kind: 'min-max', min: 3, max: 1 }, field: 'scaler.max' },
  { name: 'not an object', json: 'standard', field: 'scaler' },
];
for (const row of jsonErrorRows) {
  test(`scalerFromJSON rejects: ${row.name}`, () => {
    assert.throws(
      () => scalerFromJSON(row.json),
      (err: unknown) =>
        err instanceof PrescaleError &&
        err.code === 'invalid-input' &&
        err.field === row.field &&
        (row.message === undefined || err.message === row.message),
    );
  });
}

test('fitScaler rejects a series with no finite value', () => {
  assert.throws(
    () => fitScaler('standard', [N, N]),
    (err: unknown) => err instanceof PrescaleError && err.code === 'not-enough-data' && err.field === 'values',
  );
});

test('fitScaler rejects an unknown kind', () => {
  assert.throws(
    () => fitScaler('robust' as ScalerKind, [1, 2]),
    (err: unknown) => err instanceof PrescaleError && err.code === 'invalid-input' && err.field === 'kind',
  );
});
