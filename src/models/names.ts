/**
 * Every model Prescale knows, alphabetical. A module of names only, so the configuration can check a model name
 * without loading any model code (ONNX Runtime, TensorFlow, WASM); the registry must cover each name.
 */
export const MODEL_NAMES = [
  'auto',
  'ceemdan-denoise',
  'ceemdan-ets',
  'ets',
  'gru',
  'lstm',
  'mstl',
  'naive',
  'prophet',
  'prophet-lstm',
  'seasonal-naive',
] as const;

/** A model's name, as a user writes it in `--model` or `spec.model`. */
export type ModelName = (typeof MODEL_NAMES)[number];
