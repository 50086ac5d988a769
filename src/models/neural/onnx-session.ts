import { createRequire } from 'node:module';
import { Tensor } from 'onnxruntime-node';
import { PrescaleError } from '../../core/index.js';

/** The native session of onnxruntime-node, whose `run` is synchronous. */
interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  readonly inputMetadata: { name: string; shape: number[] }[];
  readonly outputMetadata: { name: string; shape: number[] }[];
  run(feeds: Record<string, Tensor>, fetches: Record<string, null>, options: object): Record<string, Tensor>;
  dispose(): void;
}

/**
 * onnxruntime-node's public `InferenceSession.run` defers the same native, synchronous call with
 * `setImmediate` and returns a Promise. `FittedForecaster.forecast` is synchronous, and a control loop gains
 * nothing from the extra turn of the event loop, so this adapter calls the native session directly (the
 * binding module onnxruntime-node itself uses; its test compares the two paths).
 */
const { binding, initOrt } = createRequire(import.meta.url)('onnxruntime-node/dist/binding.js') as {
  binding: { InferenceSession: new () => NativeSession };
  initOrt: () => void;
};

/** Settings of an ONNX session. */
export interface OnnxSessionOptions {
  /** Threads for one run; 1 by default: forecasts are small and the machine is shared by many series. */
  readonly threads?: number;
}

/** One loaded ONNX model with one float input and one float output, run synchronously. */
export class OnnxSession {
  readonly inputName: string;
  readonly outputName: string;
  /** Input dims after the batch dimension, e.g. [sequenceSteps, inputSize]. */
  readonly inputDims: readonly number[];
  readonly outputSize: number;
  private readonly native: NativeSession;

  /** Loads a model from its bytes; `source` names the file in errors. */
  constructor(bytes: Uint8Array, source: string, options: OnnxSessionOptions = {}) {
    initOrt();
    this.native = new binding.InferenceSession();
    try {
      this.native.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, {
        intraOpNumThreads: options.threads ?? 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
        logSeverityLevel: 3, // errors only: ORT's optimizer notes are not the user's business
      });
    } catch (error) {
      throw new PrescaleError(
        'model-mismatch',
        `${source}: not a loadable ONNX model (${(error as Error).message}); export the model again`,
        { field: source, cause: error },
      );
    }
    const [input] = this.native.inputMetadata;
    const [output] = this.native.outputMetadata;
    if (this.native.inputMetadata.length !== 1 || this.native.outputMetadata.length !== 1) {
      throw new PrescaleError(
        'model-mismatch',
        `${source}: expected one input and one output, found ${this.native.inputMetadata.length} and ${this.native.outputMetadata.length}; this is not a Prescale forecasting network`,
        { field: source },
      );
    }
    this.inputName = input.name;
    this.outputName = output.name;
    this.inputDims = input.shape.slice(1);
    this.outputSize = output.shape[output.shape.length - 1];
  }

  /** Runs a batch: `input` holds `batch` rows of prod(inputDims) floats; returns `batch` rows of outputSize floats. */
  run(input: Float32Array, batch: number): Float32Array {
    const feeds = { [this.inputName]: new Tensor('float32', input, [batch, ...this.inputDims]) };
    const result = this.native.run(feeds, { [this.outputName]: null }, {});
    return result[this.outputName].data as Float32Array;
  }

  /** Frees the native session. */
  dispose(): void {
    this.native.dispose();
  }
}
