import { env as ortEnv } from 'onnxruntime-node';
import { PrescaleError, type Series } from '../../core/index.js';
import { fitScaler } from '../../preprocessor/index.js';
import { metadataFor, PRESCALE_VERSION } from '../common.js';
import type { FittedForecaster, ModelName } from '../types.js';
import { calibrateConformal, conformalInterval, nonconformityScore } from './conformal.js';
import { type FeatureLayout, networkInputShape } from './features.js';
import { FittedNeural } from './fitted-neural.js';
import type { NetworkShape } from './network.js';
import { exportOnnx, ONNX_OPSET } from './onnx-export.js';
import { OnnxSession } from './onnx-session.js';
import { type NeuralBase, type NeuralParameters, ONNX_FILE, sha256Hex } from './saved-format.js';
import type { NeuralOptions, NeuralSettings } from './settings.js';
import type { TrainingData } from './train.js';
import { type NetworkStart, startRecord } from './warm-start.js';
import { buildWindows, forecastPoint, scalerParts, type TrainingSegment } from './windows.js';

/** What a neural fit needs besides the settings: the training segments and the base the fitted model forecasts on. */
export interface NeuralFitPlan {
  readonly segments: readonly TrainingSegment[];
  readonly base: NeuralBase;
  /** Recorded in meta.json, e.g. the hybrid's Prophet fits. */
  readonly extra?: Record<string, unknown>;
  /** Windows from this origin on are the validation tail; by default the last `validationFraction` of them. */
  readonly validationFromSeconds?: number;
  /** The fitted model behind `base.forecaster`. */
  readonly baseForecaster?: FittedForecaster;
  /** A warm start continues from the previous network; cold by default. */
  readonly start?: NetworkStart;
}

/**
 * Trains the network of a neural model on the plan's windows (tfjs, loaded only here so that loading and
 * forecasting never import it), exports it to ONNX, scores and calibrates it on the validation tail through the
 * ONNX session it will serve with, and returns the fitted model.
 */
export async function fitNeural(
  name: ModelName,
  train: Series,
  settings: NeuralSettings,
  plan: NeuralFitPlan,
  options: Pick<NeuralOptions, 'onEpoch' | 'checkpointDir'>,
  signal?: AbortSignal,
): Promise<FittedNeural> {
  const started = performance.now();
  const { trainNetwork } = await import('./train.js');
  const layout: FeatureLayout = {
    windowSteps: settings.windowSteps,
    patchSteps: settings.patchSteps,
    calendar: settings.calendar,
    valueChannel: plan.base.kind === 'path',
  };
  const input = networkInputShape(layout);
  const H = settings.horizonSteps;
  const start: NetworkStart = plan.start ?? { kind: 'cold', reason: 'no previous model' };
  const scaler = fitScaler('standard', train.values).toJSON();
  const { std } = scalerParts(scaler);
  const scaleFloor = 0.01 * std;
  const windows = buildWindows(
    plan.segments,
    layout,
    H,
    scaler,
    settings.maxTrainingWindows,
    scaleFloor,
    settings.anchorSteps,
  );
  // The validation tail starts H steps after the last training origin, so no training target overlaps its targets.
  const fromSeconds = plan.validationFromSeconds;
  const validationCount =
    fromSeconds === undefined
      ? defaultValidationCount(windows.originSeconds, settings)
      : windows.originSeconds.filter((o) => o >= fromSeconds).length;
  const firstValidation = windows.count - validationCount;
  const step = train.stepSeconds;
  let lastTraining = firstValidation - 1;
  while (lastTraining >= 0 && windows.originSeconds[lastTraining] + H * step > windows.originSeconds[firstValidation])
    lastTraining--;
  const trainingRows = lastTraining + 1;
  if (trainingRows < settings.batchSize / 4 || validationCount < 10) {
    throw new PrescaleError(
      'not-enough-data',
      `${name}: the training data gives ${trainingRows} training and ${validationCount} validation windows of ${settings.windowSteps}+${H} steps; pass a longer training range`,
      { field: name },
    );
  }
  const rowSize = input.sequenceSteps * input.inputSize;
  const data: TrainingData = {
    inputs: concatRows(windows.inputs, rowSize, trainingRows, firstValidation),
    targets: concatRows(windows.targets, H, trainingRows, firstValidation),
    count: trainingRows + validationCount,
    validationCount,
  };
  const shape: NetworkShape = {
    cell: settings.cell,
    ...input,
    hiddenSize: settings.hiddenUnits,
    layers: settings.layers,
    outputSize: H,
  };
  const warm = start.kind === 'warm';
  const result = await trainNetwork(data, {
    shape,
    seed: settings.seed,
    maxEpochs: warm ? settings.warmStartEpochs : settings.maxEpochs,
    patience: settings.patience,
    batchSize: settings.batchSize,
    learningRate: warm ? settings.warmStartLearningRate : settings.learningRate,
    signal,
    onEpoch: options.onEpoch,
    checkpointDir: options.checkpointDir,
    ...(warm ? { initialWeights: start.weights } : {}),
  });
  const onnx = exportOnnx(result.weights, PRESCALE_VERSION);
  const session = new OnnxSession(onnx, ONNX_FILE);

  // Validation forecasts through the served network: scores and conformal scores per horizon step.
  const deltas = session.run(windows.inputs.subarray(firstValidation * rowSize), validationCount);
  const scoresByStep: number[][] = Array.from({ length: H }, () => []);
  let squared = 0;
  let absolute = 0;
  let covered = 0;
  const forecasts = new Float64Array(validationCount * H);
  for (let r = 0; r < validationCount; r++) {
    const w = firstValidation + r;
    for (let h = 0; h < H; h++) {
      const point = forecastPoint(windows.baseAtTargets[w * H + h], std, windows.lastAnchor[w], deltas[r * H + h]);
      forecasts[r * H + h] = point;
      const actual = windows.actual[w * H + h];
      const error = actual - point;
      squared += error * error;
      absolute += Math.abs(error);
      scoresByStep[h].push(nonconformityScore(actual, point, windows.scales[w]));
    }
  }
  const calibration = calibrateConformal(scoresByStep);
  for (let r = 0; r < validationCount; r++) {
    const w = firstValidation + r;
    const { lower, upper } = conformalInterval(
      forecasts.subarray(r * H, (r + 1) * H),
      windows.scales[w],
      calibration,
      0.8,
    );
    for (let h = 0; h < H; h++) {
      const actual = windows.actual[w * H + h];
      if (actual >= lower[h] && actual <= upper[h]) covered++;
    }
  }
  const nValues = validationCount * H;
  const parameters: NeuralParameters = {
    format: 'prescale-neural/1',
    network: shape,
    layout,
    horizonSteps: H,
    scaler,
    base: plan.base,
    calibration,
    rollingCalibration: { gridSteps: Math.ceil(H / 2), spanSeconds: settings.validationMinSeconds },
    scaleFloor,
    anchorSteps: settings.anchorSteps,
    nonNegative: train.values.every((v) => !(v < 0)),
    training: {
      windows: trainingRows,
      validationWindows: validationCount,
      firstValidationOriginSeconds: windows.originSeconds[firstValidation],
      start: startRecord(start),
      bestEpoch: result.bestEpoch,
      bestValidationLoss: result.bestValidationLoss,
      epochs: result.epochs,
      milliseconds: performance.now() - started,
      ...(plan.extra ? { extra: plan.extra } : {}),
    },
    validation: {
      windows: validationCount,
      rmse: Math.sqrt(squared / nValues),
      mae: absolute / nValues,
      coverage80: covered / nValues,
    },
    versions: {
      prescale: PRESCALE_VERSION,
      tfjs: result.tfjsVersion,
      onnxOpset: ONNX_OPSET,
      onnxruntime: ortEnv.versions.node ?? 'unknown',
    },
    onnxSha256: sha256Hex(onnx),
  };
  return new FittedNeural(metadataFor(name, train, { ...settings }), parameters, onnx, session, plan.baseForecaster);
}

/** The latest `validationFraction` of the windows, or more so that they span `validationMinSeconds`, up to half. */
export function defaultValidationCount(originSeconds: Float64Array, settings: NeuralSettings): number {
  const count = originSeconds.length;
  const spanFrom = originSeconds[count - 1] - settings.validationMinSeconds;
  const spanning = originSeconds.filter((o) => o > spanFrom).length;
  return Math.max(1, Math.round(count * settings.validationFraction), Math.min(spanning, Math.floor(count / 2)));
}

/** Rows [0, first) and [second, end) of a row-major array, joined: the training rows and the validation tail. */
function concatRows(all: Float32Array, rowSize: number, first: number, second: number): Float32Array {
  const head = all.subarray(0, first * rowSize);
  const tail = all.subarray(second * rowSize);
  const out = new Float32Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}
