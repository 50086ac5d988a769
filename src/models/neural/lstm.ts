import { defineRecurrentModel } from './recurrent-model.js';

/** LSTM on the recent window and calendar, direct multi-step output added to the last value; served through ONNX. */
export const lstmModel = defineRecurrentModel(
  'lstm',
  'lstm',
  'LSTM (tfjs-trained, ONNX-served) on the last 2 h + time of day/week, direct 1..H output, conformal intervals',
);
