// Inference speed of the neural forecasters (targets: one forecast p99 ≤ 0.5 ms in-process; ≥ 20,000 forecasts/s
// batched), through ONNX Runtime and, for comparison, through tfjs (WASM): npx tsx bench/models-neural.bench.ts
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { metadataFor } from '../src/models/common.js';
import { calibrateConformal } from '../src/models/neural/conformal.js';
import { CALENDAR_FEATURES, type FeatureLayout, networkInputShape } from '../src/models/neural/features.js';
import { FittedNeural } from '../src/models/neural/fitted-neural.js';
import type { NetworkShape, NetworkWeights, RecurrentCell } from '../src/models/neural/network.js';
import { exportOnnx } from '../src/models/neural/onnx-export.js';
import { OnnxSession } from '../src/models/neural/onnx-session.js';
import { type NeuralParameters, sha256Hex } from '../src/models/neural/saved-format.js';
import { buildTfModel, ensureWasmBackend, SeededRandom, setTfModelWeights } from '../src/models/neural/train.js';

const WINDOW = 120;
const HIDDEN = 64;
const H = 30;

/** Random weights of the benchmarked shape: speed does not depend on the values. */
function randomWeights(shape: NetworkShape): NetworkWeights {
  const random = new SeededRandom(1);
  const G = shape.cell === 'lstm' ? 4 : 3;
  const values = (n: number) => Float32Array.from({ length: n }, () => (random.next() - 0.5) * 0.2);
  return {
    shape,
    layers: [
      {
        kernel: values(shape.inputSize * G * HIDDEN),
        recurrentKernel: values(HIDDEN * G * HIDDEN),
        bias: values(G * HIDDEN),
      },
    ],
    dense: { kernel: values(HIDDEN * H), bias: values(H) },
  };
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function timeEach(runs: number, body: () => void): Float64Array {
  for (let i = 0; i < 200; i++) body(); // warm-up
  const times = new Float64Array(runs);
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    body();
    times[i] = performance.now() - t0;
  }
  return times.sort();
}

function line(what: string, times: Float64Array): string {
  const f = (x: number) => x.toFixed(3);
  return `${what.padEnd(58)} p50 ${f(percentile(times, 0.5))} ms  p99 ${f(percentile(times, 0.99))} ms`;
}

await ensureWasmBackend();
const series = {
  startSeconds: 804_571_200,
  stepSeconds: 60,
  values: Float64Array.from({ length: 1440 }, (_, i) => 50 + 20 * Math.sin(i / 100)),
};
console.log(`one forecast: window ${WINDOW}, hidden ${HIDDEN}, H ${H}, 1 layer, single-threaded session unless noted`);
for (const cell of ['lstm', 'gru'] as RecurrentCell[]) {
  for (const patchSteps of [4, 1]) {
    const layout: FeatureLayout = { windowSteps: WINDOW, patchSteps, calendar: CALENDAR_FEATURES, valueChannel: false };
    const input = networkInputShape(layout);
    const shape: NetworkShape = { cell, ...input, hiddenSize: HIDDEN, layers: 1, outputSize: H };
    const weights = randomWeights(shape);
    const onnx = exportOnnx(weights, 'bench');
    const session = new OnnxSession(onnx, 'bench.onnx');
    const rowSize = input.sequenceSteps * input.inputSize;
    const random = new SeededRandom(2);
    const one = Float32Array.from({ length: rowSize }, () => random.next());
    const tag = `${cell} ${input.sequenceSteps} recurrent steps (patch ${patchSteps})`;
    console.log(
      line(
        `${tag}: ONNX Runtime network only`,
        timeEach(5000, () => session.run(one, 1)),
      ),
    );

    const parameters: NeuralParameters = {
      format: 'prescale-neural/1',
      network: shape,
      layout,
      horizonSteps: H,
      scaler: { kind: 'standard', mean: 50, std: 15 },
      base: { kind: 'constant', value: 50 },
      calibration: calibrateConformal(Array.from({ length: H }, () => [-1, 0, 1])),
      scaleFloor: 0.1,
      anchorSteps: 1,
      nonNegative: true,
      training: {
        windows: 0,
        validationWindows: 0,
        firstValidationOriginSeconds: 0,
        bestEpoch: 0,
        bestValidationLoss: 0,
        epochs: [],
        milliseconds: 0,
      },
      validation: { windows: 0, rmse: 0, mae: 0, coverage80: 0 },
      versions: { prescale: 'bench', tfjs: tf.version.tfjs, onnxOpset: 17, onnxruntime: 'bench' },
      onnxSha256: sha256Hex(onnx),
    };
    const fitted = new FittedNeural(metadataFor(cell, series, {}), parameters, onnx, session);
    console.log(
      line(
        `${tag}: FittedForecaster.forecast (features + intervals)`,
        timeEach(5000, () => fitted.forecast(series, H)),
      ),
    );
    // A context a day past the training data: the rolling recalibration adds its 95 recent windows to the run.
    // Their scores are kept, so only the first forecast (cold) scores them all; the next ones reuse them.
    const rollingModel = () =>
      new FittedNeural(
        metadataFor(cell, series, {}),
        { ...parameters, rollingCalibration: { gridSteps: H / 2, spanSeconds: 86_400 } },
        onnx,
        session,
      );
    const dayAfter = { ...series, values: Float64Array.from({ length: 2880 }, (_, i) => 50 + 20 * Math.sin(i / 100)) };
    console.log(
      line(
        `${tag}: forecast a day past training, cold (scores 95 windows)`,
        timeEach(300, () => rollingModel().forecast(dayAfter, H)),
      ),
    );
    const rolling = rollingModel();
    console.log(
      line(
        `${tag}: forecast a day past training, scores kept`,
        timeEach(1000, () => rolling.forecast(dayAfter, H)),
      ),
    );

    for (const count of [256, 1024]) {
      const contexts = Array.from({ length: count }, (_, i) => ({
        ...series,
        values: series.values.subarray(i % 200),
      }));
      const times = timeEach(10, () => fitted.forecastMany(contexts, H));
      console.log(
        `${tag}: forecastMany ${count} series (features + 1 run + intervals)`.padEnd(58),
        `${Math.round(count / (percentile(times, 0.5) / 1000))} forecasts/s`,
      );
    }

    const model = buildTfModel(shape, 0);
    setTfModelWeights(model, weights);
    const tfjsOne = () =>
      tf.tidy(() =>
        (model.predict(tf.tensor3d(one, [1, input.sequenceSteps, input.inputSize])) as tf.Tensor).dataSync(),
      );
    console.log(line(`${tag}: tfjs (WASM) network only`, timeEach(300, tfjsOne)));

    for (const threads of [1, 2]) {
      const batchSession = threads === 1 ? session : new OnnxSession(onnx, 'bench.onnx', { threads });
      for (const batch of [256, 1024]) {
        const many = Float32Array.from({ length: batch * rowSize }, () => random.next());
        const times = timeEach(20, () => batchSession.run(many, batch));
        const perSecond = batch / (percentile(times, 0.5) / 1000);
        console.log(
          `${tag}: ONNX batch ${batch}, ${threads} thread(s)`.padEnd(58),
          `${Math.round(perSecond)} forecasts/s`,
        );
      }
    }
    const many = Float32Array.from({ length: 256 * rowSize }, () => random.next());
    const tfjsTimes = timeEach(5, () =>
      tf.tidy(() =>
        (model.predict(tf.tensor3d(many, [256, input.sequenceSteps, input.inputSize])) as tf.Tensor).dataSync(),
      ),
    );
    console.log(
      `${tag}: tfjs (WASM) batch 256`.padEnd(58),
      `${Math.round(256 / (percentile(tfjsTimes, 0.5) / 1000))} forecasts/s`,
    );
    model.dispose();
  }
}
