import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrescaleError } from '../core/index.js';
import { slidingWindows, type WindowOptions } from './windows.js';

const N = Number.NaN;

const rows: {
  name: string;
  input: { values: number[]; options: WindowOptions };
  want: { inputs: number[]; targets: number[]; originIndex: number[] };
}[] = [
  {
    name: 'stride 1: every origin from inputSteps to n − horizon',
    input: { values: [1, 2, 3, 4, 5], options: { inputSteps: 2, horizonSteps: 1 } },
    want: { inputs: [1, 2, 2, 3, 3, 4], targets: [3, 4, 5], originIndex: [2, 3, 4] },
  },
  {
    name: 'horizon 2',
    input: { values: [1, 2, 3, 4, 5], options: { inputSteps: 2, horizonSteps: 2 } },
    want: { inputs: [1, 2, 2, 3], targets: [3, 4, 4, 5], originIndex: [2, 3] },
  },
  {
    name: 'stride 2 is aligned to the end: the latest window is kept, the first skipped',
    input: { values: [1, 2, 3, 4, 5, 6], options: { inputSteps: 2, horizonSteps: 1, stride: 2 } },
    want: { inputs: [2, 3, 4, 5], targets: [4, 6], originIndex: [3, 5] },
  },
  {
    name: 'windows touching a NaN (input or target) are skipped',
    input: { values: [1, 2, N, 4, 5, 6, 7], options: { inputSteps: 2, horizonSteps: 1 } },
    // origins 2 (target NaN), 3 and 4 (NaN in input) skipped
    want: { inputs: [4, 5, 5, 6], targets: [6, 7], originIndex: [5, 6] },
  },
  {
    name: 'a series shorter than one window gives no window',
    input: { values: [1, 2], options: { inputSteps: 2, horizonSteps: 1 } },
    want: { inputs: [], targets: [], originIndex: [] },
  },
  {
    name: 'exactly one window',
    input: { values: [1, 2, 3], options: { inputSteps: 2, horizonSteps: 1, stride: 5 } },
    want: { inputs: [1, 2], targets: [3], originIndex: [2] },
  },
];

for (const row of rows) {
  test(`slidingWindows: ${row.name}`, () => {
    const got = slidingWindows(Float64Array.from(row.input.values), row.input.options);
    assert.ok(got.inputs instanceof Float32Array && got.targets instanceof Float32Array);
    assert.deepEqual(Array.from(got.inputs), row.want.inputs);
    assert.deepEqual(Array.from(got.targets), row.want.targets);
    assert.deepEqual(Array.from(got.originIndex), row.want.originIndex);
    assert.equal(got.count, row.want.originIndex.length);
  });
}

test('slidingWindows accepts a plain array and rounds to float32', () => {
  const got = slidingWindows([0.1, 0.2, 0.3], { inputSteps: 2, horizonSteps: 1 });
  assert.deepEqual(Array.from(got.inputs), [Math.fround(0.1), Math.fround(0.2)]);
});

const errorRows: { name: string; options: WindowOptions; field: string }[] = [
  { name: 'zero input', options: { inputSteps: 0, horizonSteps: 1 }, field: 'inputSteps' },
  { name: 'fractional horizon', options: { inputSteps: 2, horizonSteps: 1.5 }, field: 'horizonSteps' },
  { name: 'zero stride', options: { inputSteps: 2, horizonSteps: 1, stride: 0 }, field: 'stride' },
  { name: 'NaN stride', options: { inputSteps: 2, horizonSteps: 1, stride: Number.NaN }, field: 'stride' },
];
for (const row of errorRows) {
  test(`slidingWindows rejects: ${row.name}`, () => {
    assert.throws(
      () => slidingWindows([1, 2, 3, 4], row.options),
      (err: unknown) => err instanceof PrescaleError && err.code === 'invalid-input' && err.field === row.field,
    );
  });
}
