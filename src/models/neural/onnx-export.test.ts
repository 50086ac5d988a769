import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrescaleError } from '../../core/index.js';
import type { NetworkShape, NetworkWeights } from './network.js';
import { exportOnnx, toOnnxGateMatrix, weightsFromOnnx } from './onnx-export.js';
import { OnnxSession } from './onnx-session.js';
import { predictWithTfjs, SeededRandom } from './train.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const f32 = (values: number[]) => Float32Array.from(values);

/** A one-unit, one-input network whose every gate has its own weights, so a swapped gate changes the output. */
function tinyNetwork(cell: 'lstm' | 'gru', steps: number): NetworkWeights {
  const G = cell === 'lstm' ? 4 : 3;
  const shape: NetworkShape = { cell, sequenceSteps: steps, inputSize: 1, hiddenSize: 1, layers: 1, outputSize: 1 };
  return {
    shape,
    layers: [
      {
        kernel: f32([0.5, -0.7, 0.9, 0.3].slice(0, G)),
        recurrentKernel: f32([0.2, 0.6, -0.4, -0.8].slice(0, G)),
        bias: f32([0.1, 1.0, -0.2, 0.4].slice(0, G)),
      },
    ],
    dense: { kernel: f32([1.5]), bias: f32([-0.25]) },
  };
}

/** The cell equations written out for one unit, tfjs gate order (LSTM [i,f,c,o], GRU [z,r,h]). */
function handForward(net: NetworkWeights, xs: number[]): number {
  const [k, u, b] = [net.layers[0].kernel, net.layers[0].recurrentKernel, net.layers[0].bias];
  let h = 0;
  let c = 0;
  for (const x of xs) {
    if (net.shape.cell === 'lstm') {
      const i = sigmoid(k[0] * x + u[0] * h + b[0]);
      const f = sigmoid(k[1] * x + u[1] * h + b[1]);
      const g = Math.tanh(k[2] * x + u[2] * h + b[2]);
      const o = sigmoid(k[3] * x + u[3] * h + b[3]);
      c = f * c + i * g;
      h = o * Math.tanh(c);
    } else {
      const z = sigmoid(k[0] * x + u[0] * h + b[0]);
      const r = sigmoid(k[1] * x + u[1] * h + b[1]);
      const candidate = Math.tanh(k[2] * x + u[2] * (r * h) + b[2]);
      h = z * h + (1 - z) * candidate;
    }
  }
  return net.dense.kernel[0] * h + net.dense.bias[0];
}

const gateRows = [
  {
    name: 'LSTM: tfjs [i,f,c,o] columns become ONNX [i,o,f,c] rows',
    input: { matrix: [1, 2, 3, 4, 10, 20, 30, 40], rows: 2, hidden: 1, order: [0, 3, 1, 2] },
    // ONNX row g holds tfjs column order[g], transposed: [i: 1,10], [o: 4,40], [f: 2,20], [c: 3,30]
    want: [1, 10, 4, 40, 2, 20, 3, 30],
  },
  {
    name: 'GRU: tfjs [z,r,h] keeps its order, hidden 2 blocks stay together',
    input: { matrix: [1, 2, 3, 4, 5, 6], rows: 1, hidden: 2, order: [0, 1, 2] },
    want: [1, 2, 3, 4, 5, 6],
  },
];

for (const { name, input, want } of gateRows) {
  test(name, () => {
    assert.deepEqual(Array.from(toOnnxGateMatrix(f32(input.matrix), input.rows, input.hidden, input.order)), want);
  });
}

for (const cell of ['lstm', 'gru'] as const) {
  test(`${cell}: the exported ONNX model computes the cell equations by hand (hidden 1, 3 steps)`, () => {
    const net = tinyNetwork(cell, 3);
    const session = new OnnxSession(exportOnnx(net, 'test'), 'tiny.onnx');
    const inputs = [
      [0.3, -1.2, 2.0],
      [1.0, 1.0, -0.5],
    ];
    const out = session.run(f32(inputs.flat()), 2);
    assert.equal(out.length, 2);
    for (const [r, xs] of inputs.entries()) {
      assert.ok(Math.abs(out[r] - handForward(net, xs)) < 1e-6, `${out[r]} vs ${handForward(net, xs)}`);
    }
    session.dispose();
  });
}

/** Random weights of a given shape from a seeded PRNG, in [-0.8, 0.8). */
function randomNetwork(shape: NetworkShape, seed: number): NetworkWeights {
  const random = new SeededRandom(seed);
  const G = shape.cell === 'lstm' ? 4 : 3;
  const h = shape.hiddenSize;
  const values = (n: number) => Float32Array.from({ length: n }, () => (random.next() - 0.5) * 1.6);
  return {
    shape,
    layers: Array.from({ length: shape.layers }, (_, l) => ({
      kernel: values((l === 0 ? shape.inputSize : h) * G * h),
      recurrentKernel: values(h * G * h),
      bias: values(G * h),
    })),
    dense: { kernel: values(h * shape.outputSize), bias: values(shape.outputSize) },
  };
}

for (const cell of ['lstm', 'gru'] as const) {
  test(`${cell}: two layers of hidden 2 over 5 steps agree with tfjs to 1e-5 (shapes and layer chaining)`, async () => {
    const shape: NetworkShape = { cell, sequenceSteps: 5, inputSize: 3, hiddenSize: 2, layers: 2, outputSize: 4 };
    const net = randomNetwork(shape, 7);
    const random = new SeededRandom(11);
    const batch = 6;
    const inputs = Float32Array.from({ length: batch * 5 * 3 }, () => random.next() * 4 - 2);
    const session = new OnnxSession(exportOnnx(net, 'test'), 'random.onnx');
    const onnxOut = session.run(inputs, batch);
    const tfjsOut = await predictWithTfjs(net, inputs, batch);
    assert.equal(onnxOut.length, batch * 4);
    for (let i = 0; i < onnxOut.length; i++)
      assert.ok(Math.abs(onnxOut[i] - tfjsOut[i]) < 1e-5, `${i}: ${onnxOut[i]} vs ${tfjsOut[i]}`);
    session.dispose();
  });
}

for (const cell of ['lstm', 'gru'] as const) {
  test(`${cell}: weightsFromOnnx reads back exactly the weights exportOnnx wrote (what a warm start continues from)`, () => {
    const shape: NetworkShape = { cell, sequenceSteps: 5, inputSize: 3, hiddenSize: 2, layers: 2, outputSize: 4 };
    const net = randomNetwork(shape, 5);
    assert.deepEqual(weightsFromOnnx(exportOnnx(net, 'test'), shape), net);
  });
}

test('an ONNX model without the initializers Prescale writes is refused for a warm start, naming the file', () => {
  const net = tinyNetwork('gru', 3);
  const other = { ...net.shape, layers: 2 };
  assert.throws(
    () => weightsFromOnnx(exportOnnx(net, 'test'), other),
    (error: unknown) =>
      error instanceof PrescaleError &&
      error.code === 'model-mismatch' &&
      error.field === 'model.onnx' &&
      /'W1'/.test(error.message),
  );
});

test('weights that do not match their shape are refused, naming the array', () => {
  const net = tinyNetwork('lstm', 3);
  const broken = { ...net, layers: [{ ...net.layers[0], bias: f32([1, 2]) }] };
  assert.throws(
    () => exportOnnx(broken, 'test'),
    (error: unknown) =>
      error instanceof PrescaleError && error.code === 'model-mismatch' && error.field === 'layers[0].bias',
  );
});

test('bytes that are not an ONNX model are refused with the file named', () => {
  assert.throws(
    () => new OnnxSession(new TextEncoder().encode('not a model'), 'dir/model.onnx'),
    (error: unknown) =>
      error instanceof PrescaleError &&
      error.code === 'model-mismatch' &&
      error.field === 'dir/model.onnx' &&
      /export the model again/.test(error.message),
  );
});
