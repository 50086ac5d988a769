// Public API of the neural forecasters: LSTM, GRU and Prophet+LSTM trained with tfjs, served through ONNX Runtime.
export { type ConformalCalibration, calibrateConformal, conformalInterval } from './conformal.js';
export { CALENDAR_FEATURES, type CalendarFeature, type FeatureLayout } from './features.js';
export { FittedNeural } from './fitted-neural.js';
export { gruModel } from './gru.js';
export { lstmModel } from './lstm.js';
export type { NetworkShape, NetworkWeights, RecurrentCell } from './network.js';
export { exportOnnx, ONNX_INPUT_NAME, ONNX_OPSET, ONNX_OUTPUT_NAME } from './onnx-export.js';
export { OnnxSession, type OnnxSessionOptions } from './onnx-session.js';
export { type ProphetLstmOptions, prophetLstmModel } from './prophet-lstm.js';
export { type NeuralParameters, ONNX_FILE } from './saved-format.js';
export {
  DAY_OF_WEEK_MIN_TRAIN_SECONDS,
  defaultNeuralSettings,
  type NeuralOptions,
  type NeuralSettings,
} from './settings.js';
export type { EpochProgress } from './train.js';
