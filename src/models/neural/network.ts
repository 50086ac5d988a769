import { PrescaleError } from '../../core/index.js';

/** The recurrent cell of a network: the two the issue asks for, each a standard ONNX operator. */
export type RecurrentCell = 'lstm' | 'gru';

/** Gates per cell: LSTM has input, forget, cell and output; GRU has update, reset and candidate. */
export const GATES: Readonly<Record<RecurrentCell, number>> = { lstm: 4, gru: 3 };

/** The shape of a forecasting network: recurrent layers over `sequenceSteps`, then one dense layer to H outputs. */
export interface NetworkShape {
  readonly cell: RecurrentCell;
  /** Recurrent steps the input window is read in (window steps / patch steps). */
  readonly sequenceSteps: number;
  /** Features per recurrent step. */
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly layers: number;
  /** Outputs of the dense head: one per horizon step. */
  readonly outputSize: number;
}

/**
 * One recurrent layer in tfjs (Keras) layout, gate blocks side by side in tfjs order
 * (LSTM [i, f, c, o], GRU [z, r, h]): kernel [in, G·hidden], recurrent kernel [hidden, G·hidden], bias [G·hidden].
 */
export interface RecurrentLayerWeights {
  readonly kernel: Float32Array;
  readonly recurrentKernel: Float32Array;
  readonly bias: Float32Array;
}

/** A trained network, framework-neutral: what tfjs produced and what the ONNX exporter writes. */
export interface NetworkWeights {
  readonly shape: NetworkShape;
  readonly layers: readonly RecurrentLayerWeights[];
  /** Dense head: kernel [hidden, outputs] and bias [outputs]. */
  readonly dense: { readonly kernel: Float32Array; readonly bias: Float32Array };
}

/** Refuses weights whose array sizes do not match their shape, naming the array. */
export function checkNetworkWeights(weights: NetworkWeights): void {
  const { shape } = weights;
  const G = GATES[shape.cell];
  const h = shape.hiddenSize;
  const expect = (field: string, actual: number, want: number) => {
    if (actual !== want) {
      throw new PrescaleError(
        'model-mismatch',
        `${field}: ${actual} values where the shape needs ${want}; the weights do not belong to this network`,
        { field },
      );
    }
  };
  expect('layers.length', weights.layers.length, shape.layers);
  weights.layers.forEach((layer, l) => {
    const inputs = l === 0 ? shape.inputSize : h;
    expect(`layers[${l}].kernel`, layer.kernel.length, inputs * G * h);
    expect(`layers[${l}].recurrentKernel`, layer.recurrentKernel.length, h * G * h);
    expect(`layers[${l}].bias`, layer.bias.length, G * h);
  });
  expect('dense.kernel', weights.dense.kernel.length, h * shape.outputSize);
  expect('dense.bias', weights.dense.bias.length, shape.outputSize);
}
