import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PrescaleError } from '../../core/index.js';
import { loadDataset } from '../../experiments/datasets.js';
import { fitScaler, slidingWindows } from '../../preprocessor/index.js';
import { sliceSeries } from '../backtest.js';
import { type FeatureLayout, networkInputShape, writeWindow } from './features.js';
import type { NetworkShape } from './network.js';
import { exportOnnx } from './onnx-export.js';
import { OnnxSession } from './onnx-session.js';
import { type EpochProgress, predictWithTfjs, type TrainingData, trainNetwork } from './train.js';

const layout: FeatureLayout = {
  windowSteps: 48,
  patchSteps: 4,
  calendar: ['time-of-day', 'day-of-week'],
  valueChannel: false,
};
const H = 6;

/** Real windows: two days of NASA requests per minute, scaled, with calendar features. */
async function realWindows(): Promise<TrainingData> {
  const { series, dataset } = await loadDataset('nasa-jul95');
  const part = sliceSeries(series, dataset.train_start, dataset.train_start + 2 * 86400);
  const scaled = fitScaler('standard', part.values).transform(part.values);
  const windows = slidingWindows(scaled, { inputSteps: layout.windowSteps, horizonSteps: H, stride: 10 });
  const { sequenceSteps, inputSize } = networkInputShape(layout);
  const inputs = new Float32Array(windows.count * sequenceSteps * inputSize);
  windows.originIndex.forEach((origin, r) => {
    writeWindow(
      inputs,
      r * sequenceSteps * inputSize,
      layout,
      { anchor: scaled },
      part.startSeconds,
      part.stepSeconds,
      origin,
    );
  });
  const targets = Float32Array.from(windows.targets, (y, k) => y - scaled[windows.originIndex[Math.floor(k / H)] - 1]);
  return { inputs, targets, count: windows.count, validationCount: Math.round(windows.count * 0.2) };
}

const shape = (cell: 'lstm' | 'gru'): NetworkShape => ({
  cell,
  ...networkInputShape(layout),
  hiddenSize: 8,
  layers: 1,
  outputSize: H,
});
const options = (cell: 'lstm' | 'gru') => ({
  shape: shape(cell),
  seed: 3,
  maxEpochs: 3,
  patience: 5,
  batchSize: 64,
  learningRate: 0.01,
});

test('training with the same seed reproduces the weights exactly; another seed does not', async () => {
  const data = await realWindows();
  const a = await trainNetwork(data, options('gru'));
  const b = await trainNetwork(data, options('gru'));
  const c = await trainNetwork(data, { ...options('gru'), seed: 4 });
  assert.deepEqual(Array.from(a.weights.dense.kernel), Array.from(b.weights.dense.kernel));
  assert.deepEqual(Array.from(a.weights.layers[0].recurrentKernel), Array.from(b.weights.layers[0].recurrentKernel));
  assert.deepEqual(
    a.epochs.map((e) => e.validationLoss),
    b.epochs.map((e) => e.validationLoss),
  );
  assert.notDeepEqual(Array.from(a.weights.dense.kernel), Array.from(c.weights.dense.kernel));
  // it learned something: validation loss fell below that of the first epoch
  assert.ok(a.bestValidationLoss <= a.epochs[0].validationLoss);
});

for (const cell of ['lstm', 'gru'] as const) {
  test(`${cell}: ONNX Runtime and tfjs agree to 1e-4 relative on real windows after training`, async () => {
    const data = await realWindows();
    const { weights } = await trainNetwork(data, { ...options(cell), maxEpochs: 2 });
    const session = new OnnxSession(exportOnnx(weights, 'test'), `${cell}.onnx`);
    const onnx = session.run(data.inputs, data.count);
    const tfjs = await predictWithTfjs(weights, data.inputs, data.count);
    let worst = 0;
    for (let i = 0; i < onnx.length; i++)
      worst = Math.max(worst, Math.abs(onnx[i] - tfjs[i]) / Math.max(Math.abs(tfjs[i]), 1e-3));
    assert.ok(worst < 1e-4, `worst relative difference ${worst}`);
    assert.equal(onnx.length, data.count * H);
    session.dispose();
  });
}

test('training stopped after an epoch resumes from its checkpoint and ends where an uninterrupted run ends', async () => {
  const data = await realWindows();
  const dir = await mkdtemp(join(tmpdir(), 'prescale-ckpt-'));
  try {
    const straight = await trainNetwork(data, options('lstm'));
    const controller = new AbortController();
    const seen: EpochProgress[] = [];
    await assert.rejects(
      trainNetwork(data, {
        ...options('lstm'),
        checkpointDir: dir,
        signal: controller.signal,
        onEpoch: (p) => {
          seen.push(p);
          if (p.epoch === 2) controller.abort();
        },
      }),
      (error: unknown) => (error as Error).name === 'AbortError',
    );
    assert.deepEqual(
      seen.map((p) => p.epoch),
      [1, 2],
    );
    const resumed = await trainNetwork(data, { ...options('lstm'), checkpointDir: dir });
    assert.equal(resumed.resumedAfterEpoch, 2);
    assert.deepEqual(
      resumed.epochs.map((e) => e.epoch),
      [1, 2, 3],
    );
    for (let i = 0; i < straight.weights.dense.kernel.length; i++) {
      assert.ok(Math.abs(straight.weights.dense.kernel[i] - resumed.weights.dense.kernel[i]) < 1e-6);
    }
    assert.equal(resumed.bestValidationLoss, straight.bestValidationLoss);
    // a checkpoint from other settings is refused, not silently mixed in
    await assert.rejects(
      trainNetwork(data, { ...options('lstm'), learningRate: 0.5, checkpointDir: dir }),
      (error: unknown) =>
        error instanceof PrescaleError &&
        error.code === 'model-mismatch' &&
        error.field === join(dir, 'checkpoint.json'),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
