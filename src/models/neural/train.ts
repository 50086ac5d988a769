import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { PrescaleError } from '../../core/index.js';
import { readNamedJson } from '../../core/named-file.js';
import { GATES, type NetworkShape, type NetworkWeights } from './network.js';

/**
 * Training windows, row-major: row r of `inputs` is one window ([sequenceSteps · inputSize] floats) and row r of
 * `targets` its H targets. The last `validationCount` rows are the validation tail (later in time than the rest).
 */
export interface TrainingData {
  readonly inputs: Float32Array;
  readonly targets: Float32Array;
  readonly count: number;
  readonly validationCount: number;
}

/** One finished epoch, for progress display and the saved model's training record. */
export interface EpochProgress {
  readonly epoch: number;
  readonly maxEpochs: number;
  /** Mean squared error (scaled units) over the training rows of this epoch. */
  readonly loss: number;
  readonly validationLoss: number;
  readonly bestEpoch: number;
  readonly milliseconds: number;
}

/** How to train; all fixed by the caller so a retrain with the same seed reproduces. */
export interface TrainingOptions {
  readonly shape: NetworkShape;
  readonly seed: number;
  readonly maxEpochs: number;
  /** Stop after this many epochs without a better validation loss. */
  readonly patience: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly signal?: AbortSignal;
  readonly onEpoch?: (progress: EpochProgress) => void;
  /** Where to keep `checkpoint.json` after each epoch; a matching checkpoint found there is resumed. */
  readonly checkpointDir?: string;
  /**
   * Weights to continue from (a warm start) instead of the seeded initialisation; they are scored on the validation
   * tail first, as epoch 0, and kept when no epoch improves on them.
   */
  readonly initialWeights?: NetworkWeights;
}

/** The trained network (its best epoch by validation loss) and how training went. */
export interface TrainingResult {
  readonly weights: NetworkWeights;
  readonly epochs: EpochProgress[];
  /** 0 when the initial weights of a warm start were not improved on. */
  readonly bestEpoch: number;
  readonly bestValidationLoss: number;
  /** The epoch a checkpoint was resumed after (0 for a fresh start). */
  readonly resumedAfterEpoch: number;
  readonly tfjsVersion: string;
}

/** The tfjs version that trained a model, recorded in its meta.json. */
export const TFJS_VERSION = tf.version.tfjs;

let backendReady: Promise<void> | undefined;

/** Selects the WASM backend once per process (the stack's choice; tfjs's plain-JS CPU backend is ~8× slower). */
export function ensureWasmBackend(): Promise<void> {
  backendReady ??= (async () => {
    if (!(await tf.setBackend('wasm'))) {
      throw new PrescaleError(
        'optimizer-failed',
        'tfjs: the WASM backend did not start; reinstall @tensorflow/tfjs-backend-wasm',
        {
          field: 'tfjs',
        },
      );
    }
    await tf.ready();
  })();
  return backendReady;
}

/** Small, fast, seedable PRNG (mulberry32); its state is one integer, saved in checkpoints. */
export class SeededRandom {
  constructor(public state: number) {}

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Fisher–Yates shuffle of 0..n-1. */
  permutation(n: number): Uint32Array {
    const order = Uint32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  }
}

/**
 * The tfjs model for a shape: recurrent layers (sigmoid gates like ONNX's defaults and PyTorch; tfjs's own
 * default is hard sigmoid) and a dense head. Initializers are seeded so the same seed gives the same network.
 */
export function buildTfModel(shape: NetworkShape, seed: number): tf.Sequential {
  const model = tf.sequential();
  for (let l = 0; l < shape.layers; l++) {
    const args = {
      units: shape.hiddenSize,
      recurrentActivation: 'sigmoid' as const,
      returnSequences: l < shape.layers - 1,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 10 * l + 1 }),
      recurrentInitializer: tf.initializers.glorotUniform({ seed: seed + 10 * l + 2 }),
      ...(l === 0 ? { inputShape: [shape.sequenceSteps, shape.inputSize] } : {}),
    };
    model.add(shape.cell === 'lstm' ? tf.layers.lstm(args) : tf.layers.gru(args));
  }
  model.add(
    tf.layers.dense({ units: shape.outputSize, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 99 }) }),
  );
  return model;
}

/** The model's weights as plain arrays, in tfjs layout (see `NetworkWeights`). */
export function weightsFromTfModel(model: tf.Sequential, shape: NetworkShape): NetworkWeights {
  const arrays = model.getWeights().map((w) => w.dataSync() as Float32Array);
  const layers = Array.from({ length: shape.layers }, (_, l) => ({
    kernel: Float32Array.from(arrays[3 * l]),
    recurrentKernel: Float32Array.from(arrays[3 * l + 1]),
    bias: Float32Array.from(arrays[3 * l + 2]),
  }));
  const dense = {
    kernel: Float32Array.from(arrays[3 * shape.layers]),
    bias: Float32Array.from(arrays[3 * shape.layers + 1]),
  };
  return { shape, layers, dense };
}

/** Sets a tfjs model's weights from plain arrays (the inverse of `weightsFromTfModel`). */
export function setTfModelWeights(model: tf.Sequential, weights: NetworkWeights): void {
  const { shape } = weights;
  const G = GATES[shape.cell];
  const h = shape.hiddenSize;
  const tensors: tf.Tensor[] = [];
  weights.layers.forEach((layer, l) => {
    const inputs = l === 0 ? shape.inputSize : h;
    tensors.push(tf.tensor2d(layer.kernel, [inputs, G * h]), tf.tensor2d(layer.recurrentKernel, [h, G * h]));
    tensors.push(tf.tensor1d(layer.bias));
  });
  tensors.push(tf.tensor2d(weights.dense.kernel, [h, shape.outputSize]), tf.tensor1d(weights.dense.bias));
  model.setWeights(tensors);
  tf.dispose(tensors);
}

/** Forward pass in tfjs over `batch` windows: the in-framework reference the ONNX export is checked against. */
export async function predictWithTfjs(
  weights: NetworkWeights,
  inputs: Float32Array,
  batch: number,
): Promise<Float32Array> {
  await ensureWasmBackend();
  const model = buildTfModel(weights.shape, 0);
  try {
    setTfModelWeights(model, weights);
    return predictRows(model, weights.shape, inputs, batch);
  } finally {
    model.dispose();
  }
}

function predictRows(model: tf.Sequential, shape: NetworkShape, inputs: Float32Array, rows: number): Float32Array {
  const rowSize = shape.sequenceSteps * shape.inputSize;
  const out = new Float32Array(rows * shape.outputSize);
  const chunk = 1024;
  for (let start = 0; start < rows; start += chunk) {
    const n = Math.min(chunk, rows - start);
    tf.tidy(() => {
      const x = tf.tensor3d(inputs.subarray(start * rowSize, (start + n) * rowSize), [
        n,
        shape.sequenceSteps,
        shape.inputSize,
      ]);
      out.set((model.predict(x) as tf.Tensor).dataSync(), start * shape.outputSize);
    });
  }
  return out;
}

interface Checkpoint {
  readonly format: 'prescale-training-checkpoint/1';
  readonly fingerprint: string;
  readonly epoch: number;
  readonly randomState: number;
  readonly weights: string[];
  readonly best: { epoch: number; validationLoss: number; weights: string[] };
  readonly optimizer: { name: string; shape: number[]; data: string }[];
  readonly epochs: EpochProgress[];
}

const toBase64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const fromBase64 = (s: string) => {
  const bytes = Buffer.from(s, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};

/** What must match for a checkpoint to be resumed: the shape, the hyper-parameters and the data. */
function fingerprintOf(data: TrainingData, options: TrainingOptions): string {
  let sum = 0;
  for (let i = 0; i < data.targets.length; i += 97) sum += data.targets[i] * ((i % 13) + 1);
  const { shape, seed, batchSize, learningRate, maxEpochs, initialWeights } = options;
  let start = 0;
  for (const layer of initialWeights?.layers ?? []) for (const w of layer.kernel) start += w;
  return JSON.stringify({
    start,
    shape,
    seed,
    batchSize,
    learningRate,
    maxEpochs,
    count: data.count,
    val: data.validationCount,
    sum,
  });
}

async function readCheckpoint(path: string, fingerprint: string): Promise<Checkpoint | undefined> {
  if (!existsSync(path)) return undefined;
  const checkpoint = (await readNamedJson(path, {
    field: path,
    what: 'the checkpoint',
    fix: 'delete it to train from scratch',
  })) as Checkpoint;
  if (checkpoint.format !== 'prescale-training-checkpoint/1' || checkpoint.fingerprint !== fingerprint) {
    throw new PrescaleError(
      'model-mismatch',
      `${path}: the checkpoint belongs to another training run (different data, shape or settings); delete it or use another checkpoint directory`,
      { field: path },
    );
  }
  return checkpoint;
}

/**
 * Trains a network on windows with Adam and early stopping on the validation tail: shuffled mini-batches
 * (seeded), the best epoch's weights kept. With `checkpointDir`, the state after each epoch (weights, best
 * weights, Adam moments, PRNG) is written there, and a later call with the same data and settings resumes
 * from it. An aborted `signal` stops at the next batch; the last completed epoch stays in the checkpoint.
 */
export async function trainNetwork(data: TrainingData, options: TrainingOptions): Promise<TrainingResult> {
  await ensureWasmBackend();
  const { shape } = options;
  const rowSize = shape.sequenceSteps * shape.inputSize;
  const H = shape.outputSize;
  const trainCount = data.count - data.validationCount;
  if (trainCount < 1 || data.validationCount < 1) {
    throw new PrescaleError(
      'not-enough-data',
      `training: ${trainCount} training and ${data.validationCount} validation windows; give a longer training series`,
      { field: 'train' },
    );
  }
  const fingerprint = fingerprintOf(data, options);
  const checkpointPath = options.checkpointDir ? join(options.checkpointDir, 'checkpoint.json') : undefined;
  const model = buildTfModel(shape, options.seed);
  if (options.initialWeights) setTfModelWeights(model, options.initialWeights);
  const optimizer = tf.train.adam(options.learningRate);
  model.compile({ optimizer, loss: 'meanSquaredError' });
  const random = new SeededRandom(options.seed);
  const epochs: EpochProgress[] = [];
  let bestEpoch = 0;
  let bestValidationLoss = Number.POSITIVE_INFINITY;
  let bestWeights: Float32Array[] = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
  let resumedAfterEpoch = 0;
  const validationInputs = data.inputs.subarray(trainCount * rowSize);
  const validationTargets = data.targets.subarray(trainCount * H);

  try {
    if (options.initialWeights) {
      bestValidationLoss = meanSquaredError(
        predictRows(model, shape, validationInputs, data.validationCount),
        validationTargets,
      );
    }
    const checkpoint = checkpointPath ? await readCheckpoint(checkpointPath, fingerprint) : undefined;
    if (checkpoint) {
      const current = model.getWeights();
      model.setWeights(checkpoint.weights.map((w, i) => tf.tensor(fromBase64(w), current[i].shape)));
      if (checkpoint.optimizer.length > 0) {
        await optimizer.setWeights(
          checkpoint.optimizer.map((o) => ({ name: o.name, tensor: tf.tensor(fromBase64(o.data), o.shape) })),
        );
      }
      random.state = checkpoint.randomState;
      epochs.push(...checkpoint.epochs);
      bestEpoch = checkpoint.best.epoch;
      bestValidationLoss = checkpoint.best.validationLoss;
      bestWeights = checkpoint.best.weights.map(fromBase64);
      resumedAfterEpoch = checkpoint.epoch;
    }
    const xBatch = new Float32Array(options.batchSize * rowSize);
    const yBatch = new Float32Array(options.batchSize * H);
    for (let epoch = resumedAfterEpoch + 1; epoch <= options.maxEpochs; epoch++) {
      if (epoch - bestEpoch > options.patience) break;
      const started = performance.now();
      const order = random.permutation(trainCount);
      let lossSum = 0;
      for (let start = 0; start < trainCount; start += options.batchSize) {
        // tfjs resolves its promises without a macrotask turn: yield so Ctrl-C and the caller's timers get through
        await new Promise((resolve) => setImmediate(resolve));
        options.signal?.throwIfAborted();
        const n = Math.min(options.batchSize, trainCount - start);
        for (let b = 0; b < n; b++) {
          const row = order[start + b];
          xBatch.set(data.inputs.subarray(row * rowSize, (row + 1) * rowSize), b * rowSize);
          yBatch.set(data.targets.subarray(row * H, (row + 1) * H), b * H);
        }
        const x = tf.tensor3d(xBatch.subarray(0, n * rowSize), [n, shape.sequenceSteps, shape.inputSize]);
        const y = tf.tensor2d(yBatch.subarray(0, n * H), [n, H]);
        const loss = (await model.trainOnBatch(x, y)) as number;
        tf.dispose([x, y]);
        if (!Number.isFinite(loss)) {
          throw new PrescaleError(
            'optimizer-failed',
            `training: loss became ${loss} in epoch ${epoch}; lower the learning rate`,
            {
              field: 'learningRate',
            },
          );
        }
        lossSum += loss * n;
      }
      const validationLoss = meanSquaredError(
        predictRows(model, shape, validationInputs, data.validationCount),
        validationTargets,
      );
      if (validationLoss < bestValidationLoss) {
        bestValidationLoss = validationLoss;
        bestEpoch = epoch;
        bestWeights = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
      }
      const progress = {
        epoch,
        maxEpochs: options.maxEpochs,
        loss: lossSum / trainCount,
        validationLoss,
        bestEpoch,
        milliseconds: performance.now() - started,
      };
      epochs.push(progress);
      if (checkpointPath)
        await writeCheckpoint(
          checkpointPath,
          fingerprint,
          epoch,
          model,
          optimizer,
          random,
          bestWeights,
          bestValidationLoss,
          progress,
          epochs,
        );
      options.onEpoch?.(progress);
    }
    const current = model.getWeights();
    model.setWeights(bestWeights.map((w, i) => tf.tensor(w, current[i].shape)));
    return {
      weights: weightsFromTfModel(model, shape),
      epochs,
      bestEpoch,
      bestValidationLoss,
      resumedAfterEpoch,
      tfjsVersion: TFJS_VERSION,
    };
  } finally {
    model.dispose();
    optimizer.dispose();
  }
}

async function writeCheckpoint(
  path: string,
  fingerprint: string,
  epoch: number,
  model: tf.Sequential,
  optimizer: tf.Optimizer,
  random: SeededRandom,
  bestWeights: Float32Array[],
  bestValidationLoss: number,
  best: EpochProgress,
  epochs: EpochProgress[],
): Promise<void> {
  const optimizerWeights = await optimizer.getWeights();
  const checkpoint: Checkpoint = {
    format: 'prescale-training-checkpoint/1',
    fingerprint,
    epoch,
    randomState: random.state,
    weights: model.getWeights().map((w) => toBase64(w.dataSync() as Float32Array)),
    best: {
      epoch: best.bestEpoch,
      validationLoss: bestValidationLoss,
      weights: bestWeights.map(toBase64),
    },
    optimizer: optimizerWeights.map(({ name, tensor }) => ({
      name,
      shape: tensor.shape,
      data: toBase64(Float32Array.from(tensor.dataSync())),
    })),
    epochs,
  };
  await mkdir(join(path, '..'), { recursive: true });
  await writeFileAtomic(path, JSON.stringify(checkpoint), 'training checkpoint');
}

function meanSquaredError(predicted: Float32Array, actual: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += (predicted[i] - actual[i]) ** 2;
  return sum / actual.length;
}
