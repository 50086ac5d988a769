import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PrescaleError } from '../../core/index.js';
import type { ScalerJSON } from '../../preprocessor/index.js';
import { readSavedParameters } from '../common.js';
import type { ModelName, SavedModel } from '../types.js';
import type { ConformalCalibration } from './conformal.js';
import { type FeatureLayout, networkInputShape } from './features.js';
import type { NetworkShape } from './network.js';
import { OnnxSession } from './onnx-session.js';
import type { EpochProgress } from './train.js';

/** The file a neural model's network is saved in, beside meta.json. */
export const ONNX_FILE = 'model.onnx';

/** The forecast's base in the series' units: the scaler's mean (LSTM, GRU) or a Prophet path (the hybrid). */
export type NeuralBase =
  | { readonly kind: 'constant'; readonly value: number }
  | {
      readonly kind: 'path';
      readonly startSeconds: number;
      readonly values: readonly number[];
      /**
       * A saved model whose forecast at each origin is the base over the horizon (the hybrid's residual-corrected
       * Prophet); the path then only defines the residual input channel.
       */
      readonly forecaster?: SavedModel;
    };

/** How a fit started, recorded in meta.json (`parameters.training.start`): warm from the previous fit, or cold and why. */
export type NetworkStartRecord =
  | { readonly kind: 'warm'; readonly fromTrainEndSeconds: number }
  | { readonly kind: 'cold'; readonly reason: string };

/** Validation scores of a fitted network on its held-out tail, in the series' units. */
export interface ValidationScores {
  readonly windows: number;
  readonly rmse: number;
  readonly mae: number;
  readonly coverage80: number;
}

/** Everything in meta.json besides the metadata; with model.onnx it rebuilds the fitted model. */
export interface NeuralParameters {
  readonly format: 'prescale-neural/1';
  readonly network: NetworkShape;
  readonly layout: FeatureLayout;
  readonly horizonSteps: number;
  readonly scaler: ScalerJSON;
  readonly base: NeuralBase;
  readonly calibration: ConformalCalibration;
  /**
   * Forecasts recalibrate their intervals on the model's scores over the last `spanSeconds` of the context after
   * the training data, one window every `gridSteps` (absent in models saved before it existed: no recalibration).
   */
  readonly rollingCalibration?: { readonly gridSteps: number; readonly spanSeconds: number };
  readonly scaleFloor: number;
  /** Buckets the anchor is averaged over (see `NeuralSettings.anchorSteps`). */
  readonly anchorSteps: number;
  readonly nonNegative: boolean;
  readonly training: {
    readonly windows: number;
    readonly validationWindows: number;
    readonly firstValidationOriginSeconds: number;
    /** A warm start from the previous fit, or a cold one and why (absent in models saved before warm starts). */
    readonly start?: NetworkStartRecord;
    /** 0 when a warm start kept the previous network. */
    readonly bestEpoch: number;
    readonly bestValidationLoss: number;
    readonly epochs: readonly EpochProgress[];
    readonly milliseconds: number;
    readonly extra?: Record<string, unknown>;
  };
  readonly validation: ValidationScores;
  readonly versions: {
    readonly prescale: string;
    readonly tfjs: string;
    readonly onnxOpset: number;
    readonly onnxruntime: string;
  };
  readonly onnxSha256: string;
}

/** The SHA-256 of model.onnx, recorded in meta.json so a mixed-up folder is refused. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const positiveInt = z.number().int().positive();
const parametersSchema = z.object({
  format: z.literal('prescale-neural/1'),
  network: z.object({
    cell: z.enum(['lstm', 'gru']),
    sequenceSteps: positiveInt,
    inputSize: positiveInt,
    hiddenSize: positiveInt,
    layers: positiveInt,
    outputSize: positiveInt,
  }),
  layout: z.object({
    windowSteps: positiveInt,
    patchSteps: positiveInt,
    calendar: z.array(z.enum(['time-of-day', 'day-of-week'])),
    valueChannel: z.boolean(),
  }),
  horizonSteps: positiveInt,
  scaler: z.object({ kind: z.literal('standard'), mean: finite, std: finite.pipe(z.number().nonnegative()) }),
  base: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('constant'), value: finite }),
    z.object({
      kind: z.literal('path'),
      startSeconds: finite,
      values: z.array(finite).min(1),
      forecaster: z.object({ metadata: z.object({ model: z.string() }), parameters: z.unknown() }).optional(),
    }),
  ]),
  calibration: z.object({
    scores: z.object({ byStep: z.array(z.array(finite).length(101)).min(1) }),
    windows: positiveInt,
  }),
  rollingCalibration: z.object({ gridSteps: positiveInt, spanSeconds: finite.pipe(z.number().positive()) }).optional(),
  scaleFloor: finite.pipe(z.number().positive()),
  anchorSteps: positiveInt,
  nonNegative: z.boolean(),
  onnxSha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** A saved neural model's checked parts: its parameters, model.onnx and the ONNX Runtime session over it. */
export interface SavedNeural {
  readonly parameters: NeuralParameters;
  readonly onnx: Uint8Array;
  readonly session: OnnxSession;
}

/**
 * Checks meta.json's content against model.onnx and opens the network with onnxruntime only. A folder whose files
 * do not belong together (another network, a truncated file, edited settings) is refused with the field named.
 */
export function openSavedNeural(
  name: ModelName,
  saved: SavedModel,
  artifacts?: Readonly<Record<string, Uint8Array>>,
): SavedNeural {
  readSavedParameters(saved, name, parametersSchema, 'meta.json is corrupt, train and save the model again');
  const parameters = saved.parameters as NeuralParameters;
  const onnx = artifacts?.[ONNX_FILE];
  if (!onnx) {
    throw new PrescaleError(
      'model-mismatch',
      `${ONNX_FILE}: missing; a ${name} model is a folder with meta.json and ${ONNX_FILE}, load the folder`,
      {
        field: ONNX_FILE,
      },
    );
  }
  if (sha256Hex(onnx) !== parameters.onnxSha256) {
    throw new PrescaleError(
      'model-mismatch',
      `${ONNX_FILE}: its SHA-256 differs from parameters.onnxSha256 in meta.json; the files come from different models or one is damaged, save the model again`,
      { field: ONNX_FILE },
    );
  }
  const expected = networkInputShape(parameters.layout);
  const { network } = parameters;
  if (
    network.sequenceSteps !== expected.sequenceSteps ||
    network.inputSize !== expected.inputSize ||
    network.outputSize !== parameters.horizonSteps
  ) {
    throw new PrescaleError(
      'model-mismatch',
      `parameters.network: [${network.sequenceSteps}, ${network.inputSize}] → ${network.outputSize} does not match the layout ([${expected.sequenceSteps}, ${expected.inputSize}] → ${parameters.horizonSteps}); meta.json was edited, save the model again`,
      { field: 'parameters.network' },
    );
  }
  const session = new OnnxSession(onnx, ONNX_FILE);
  if (
    session.inputDims[0] !== network.sequenceSteps ||
    session.inputDims[1] !== network.inputSize ||
    session.outputSize !== network.outputSize
  ) {
    throw new PrescaleError(
      'model-mismatch',
      `${ONNX_FILE}: the network takes [${session.inputDims.join(', ')}] → ${session.outputSize}, meta.json says [${network.sequenceSteps}, ${network.inputSize}] → ${network.outputSize}; save the model again`,
      { field: ONNX_FILE },
    );
  }
  return { parameters, onnx, session };
}
