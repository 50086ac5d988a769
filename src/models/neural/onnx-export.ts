import onnxProto from 'onnx-proto';
import { PrescaleError } from '../../core/index.js';
import { checkNetworkWeights, GATES, type NetworkShape, type NetworkWeights } from './network.js';

const { onnx } = onnxProto;

/** The ONNX opset the exporter writes (Squeeze takes its axes as an input from 13 on). */
export const ONNX_OPSET = 17;

/** Name of the graph input: [batch, sequenceSteps, inputSize] float32. */
export const ONNX_INPUT_NAME = 'window';

/** Name of the graph output: [batch, outputSize] float32. */
export const ONNX_OUTPUT_NAME = 'delta';

/**
 * Where each ONNX gate block comes from in tfjs order. ONNX LSTM is [i, o, f, c] and tfjs [i, f, c, o];
 * ONNX GRU and tfjs GRU are both [z, r, h].
 */
const TFJS_GATE_FOR_ONNX_GATE = { lstm: [0, 3, 1, 2], gru: [0, 1, 2] } as const;

/**
 * Visits every weight of a gate matrix with its index in ONNX's [G·hidden, rows] layout (gates in ONNX order) and in
 * tfjs's [rows, G·hidden] (gates in tfjs order): the one mapping both directions use.
 */
function forEachGateWeight(
  rows: number,
  hidden: number,
  gateOrder: readonly number[],
  visit: (onnxIndex: number, tfjsIndex: number) => void,
): void {
  const G = gateOrder.length;
  for (let g = 0; g < G; g++) {
    const tfjsGate = gateOrder[g];
    for (let j = 0; j < hidden; j++) {
      for (let k = 0; k < rows; k++) visit((g * hidden + j) * rows + k, k * G * hidden + tfjsGate * hidden + j);
    }
  }
}

/**
 * Transposes a tfjs [rows, G·hidden] matrix into ONNX's [G·hidden, rows], reordering the gate blocks.
 * Exported for the tests, which check the mapping on hand-made weights.
 */
export function toOnnxGateMatrix(
  matrix: Float32Array,
  rows: number,
  hidden: number,
  gateOrder: readonly number[],
): Float32Array {
  const out = new Float32Array(matrix.length);
  forEachGateWeight(rows, hidden, gateOrder, (onnx, tfjs) => {
    out[onnx] = matrix[tfjs];
  });
  return out;
}

/** The inverse of `toOnnxGateMatrix`: ONNX's [G·hidden, rows] back to tfjs's [rows, G·hidden] in tfjs gate order. */
function fromOnnxGateMatrix(
  matrix: Float32Array,
  rows: number,
  hidden: number,
  gateOrder: readonly number[],
): Float32Array {
  const out = new Float32Array(matrix.length);
  forEachGateWeight(rows, hidden, gateOrder, (onnx, tfjs) => {
    out[tfjs] = matrix[onnx];
  });
  return out;
}

/** The inverse of `toOnnxGateVector`. */
function fromOnnxGateVector(vector: Float32Array, hidden: number, gateOrder: readonly number[]): Float32Array {
  const out = new Float32Array(gateOrder.length * hidden);
  gateOrder.forEach((target, g) => {
    out.set(vector.subarray(g * hidden, (g + 1) * hidden), target * hidden);
  });
  return out;
}

/** Reorders a tfjs bias [G·hidden] into ONNX's order. */
function toOnnxGateVector(vector: Float32Array, hidden: number, gateOrder: readonly number[]): Float32Array {
  const out = new Float32Array(gateOrder.length * hidden);
  gateOrder.forEach((source, g) => {
    out.set(vector.subarray(source * hidden, (source + 1) * hidden), g * hidden);
  });
  return out;
}

function floatTensor(name: string, dims: number[], values: Float32Array): onnxProto.onnx.ITensorProto {
  return {
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice(),
  };
}

function int64Tensor(name: string, values: number[]): onnxProto.onnx.ITensorProto {
  const data = BigInt64Array.from(values, BigInt);
  return {
    name,
    dims: [values.length],
    dataType: onnx.TensorProto.DataType.INT64,
    rawData: new Uint8Array(data.buffer),
  };
}

function floatValueInfo(name: string, dims: (number | string)[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

/**
 * Writes a trained network as a standard ONNX model: Transpose to time-major, one ONNX `LSTM`/`GRU` node
 * per layer (gates reordered, tfjs's single bias as ONNX's Wb with Rb = 0; GRU with
 * linear_before_reset = 0, which is what tfjs's GRU computes), then `Gemm` for the dense head.
 * Input `window` [batch, sequenceSteps, inputSize], output `delta` [batch, outputSize].
 */
export function exportOnnx(weights: NetworkWeights, producerVersion: string): Uint8Array {
  checkNetworkWeights(weights);
  const { shape } = weights;
  const { cell, hiddenSize: hidden } = shape;
  const G = GATES[cell];
  const gateOrder = TFJS_GATE_FOR_ONNX_GATE[cell];
  const opType = cell === 'lstm' ? 'LSTM' : 'GRU';
  const nodes: onnxProto.onnx.INodeProto[] = [];
  const initializers: onnxProto.onnx.ITensorProto[] = [int64Tensor('axis0', [0])];
  if (shape.layers > 1) initializers.push(int64Tensor('axis1', [1]));
  const intAttribute = (name: string, i: number) => ({ name, type: onnx.AttributeProto.AttributeType.INT, i });

  nodes.push({
    opType: 'Transpose',
    input: [ONNX_INPUT_NAME],
    output: ['x_time_major'],
    attribute: [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 0, 2] }],
  });
  let layerInput = 'x_time_major';
  weights.layers.forEach((layer, l) => {
    const rows = l === 0 ? shape.inputSize : hidden;
    const bias = new Float32Array(2 * G * hidden); // [Wb, Rb]; tfjs has one bias, so Rb stays 0
    bias.set(toOnnxGateVector(layer.bias, hidden, gateOrder));
    initializers.push(
      floatTensor(`W${l}`, [1, G * hidden, rows], toOnnxGateMatrix(layer.kernel, rows, hidden, gateOrder)),
      floatTensor(`R${l}`, [1, G * hidden, hidden], toOnnxGateMatrix(layer.recurrentKernel, hidden, hidden, gateOrder)),
      floatTensor(`B${l}`, [1, 2 * G * hidden], bias),
    );
    const last = l === weights.layers.length - 1;
    const attribute = [intAttribute('hidden_size', hidden)];
    if (cell === 'gru') attribute.push(intAttribute('linear_before_reset', 0));
    nodes.push({
      opType,
      name: `${opType.toLowerCase()}${l}`,
      input: [layerInput, `W${l}`, `R${l}`, `B${l}`],
      // Y [steps, 1, batch, hidden] feeds the next layer; the last layer only needs Y_h [1, batch, hidden].
      output: last ? ['', `h${l}`] : [`y${l}`],
      attribute,
    });
    if (last) {
      nodes.push({ opType: 'Squeeze', input: [`h${l}`, 'axis0'], output: ['h_last'] });
    } else {
      nodes.push({ opType: 'Squeeze', input: [`y${l}`, 'axis1'], output: [`x${l + 1}`] });
      layerInput = `x${l + 1}`;
    }
  });
  initializers.push(
    floatTensor('dense_kernel', [hidden, shape.outputSize], weights.dense.kernel),
    floatTensor('dense_bias', [shape.outputSize], weights.dense.bias),
  );
  nodes.push({ opType: 'Gemm', input: ['h_last', 'dense_kernel', 'dense_bias'], output: [ONNX_OUTPUT_NAME] });

  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'prescale',
    producerVersion,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    graph: {
      name: `prescale_${cell}`,
      node: nodes,
      initializer: initializers,
      input: [floatValueInfo(ONNX_INPUT_NAME, ['batch', shape.sequenceSteps, shape.inputSize])],
      output: [floatValueInfo(ONNX_OUTPUT_NAME, ['batch', shape.outputSize])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * The network weights of a model written by `exportOnnx`, in tfjs layout again (its exact inverse: model.onnx is
 * the one copy of a trained network, and a warm-start refit continues training from it). Rb is zero in what
 * `exportOnnx` writes, so Wb is tfjs's bias.
 */
export function weightsFromOnnx(bytes: Uint8Array, shape: NetworkShape): NetworkWeights {
  const initializers = new Map(
    onnx.ModelProto.decode(bytes).graph?.initializer?.map((tensor) => [tensor.name ?? '', tensor]) ?? [],
  );
  const floats = (name: string): Float32Array => {
    const raw = initializers.get(name)?.rawData;
    if (!raw) {
      throw new PrescaleError(
        'model-mismatch',
        `model.onnx: no initializer '${name}'; the file was not written by Prescale, train the model again`,
        {
          field: 'model.onnx',
        },
      );
    }
    return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  };
  const hidden = shape.hiddenSize;
  const G = GATES[shape.cell];
  const gateOrder = TFJS_GATE_FOR_ONNX_GATE[shape.cell];
  const layers = Array.from({ length: shape.layers }, (_, l) => {
    const rows = l === 0 ? shape.inputSize : hidden;
    return {
      kernel: fromOnnxGateMatrix(floats(`W${l}`), rows, hidden, gateOrder),
      recurrentKernel: fromOnnxGateMatrix(floats(`R${l}`), hidden, hidden, gateOrder),
      bias: fromOnnxGateVector(floats(`B${l}`).subarray(0, G * hidden), hidden, gateOrder),
    };
  });
  const weights = { shape, layers, dense: { kernel: floats('dense_kernel'), bias: floats('dense_bias') } };
  checkNetworkWeights(weights);
  return weights;
}
