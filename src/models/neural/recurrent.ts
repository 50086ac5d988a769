import { createHash } from 'node:crypto';
import { env as ortEnv } from 'onnxruntime-node';
import { z } from 'zod';
import { type Forecast, PrescaleError, type Series, seriesEndSeconds } from '../../core/index.js';
import { fillGaps, fitScaler, type ScalerJSON, slidingWindows } from '../../preprocessor/index.js';
import {
  checkContextStep,
  checkSavedModel,
  DEFAULT_CALIBRATED_HORIZON_STEPS,
  DEFAULT_INTERVAL_LEVEL,
  DEFAULT_SEASON_SECONDS,
  metadataFor,
  PRESCALE_VERSION,
} from '../common.js';
import type { FittedForecaster, ModelMetadata, ModelName, ModelOptions, SavedModel } from '../types.js';
import {
  type ConformalCalibration,
  calibrateConformal,
  checkLevel,
  conformalInterval,
  conformalOffsets,
  rollingConformalOffsets,
} from './conformal.js';
import {
  CALENDAR_FEATURES,
  type FeatureLayout,
  featuresPerStep,
  localScale,
  networkInputShape,
  writeWindow,
} from './features.js';
import type { NetworkShape, RecurrentCell } from './network.js';
import { exportOnnx, ONNX_OPSET } from './onnx-export.js';
import { OnnxSession } from './onnx-session.js';
import type { EpochProgress, TrainingData } from './train.js';

/** The file a neural model's network is saved in, beside meta.json. */
export const ONNX_FILE = 'model.onnx';

/** Every setting of a neural forecaster; all of it is recorded in the saved model. */
export interface NeuralSettings {
  readonly cell: RecurrentCell;
  readonly windowSteps: number;
  readonly patchSteps: number;
  readonly horizonSteps: number;
  readonly hiddenUnits: number;
  readonly layers: number;
  readonly calendar: readonly FeatureLayout['calendar'][number][];
  readonly maxEpochs: number;
  readonly patience: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  /** Share of the training windows, the latest, held out for early stopping and interval calibration. */
  readonly validationFraction: number;
  /**
   * The held-out tail spans at least this much time (one season, a day by default), up to half the windows, so
   * that early stopping and the intervals see every hour of the day and not only the last few.
   */
  readonly validationMinSeconds: number;
  /** Windows are taken every k steps so that at most this many are trained on (the time budget of a fit). */
  readonly maxTrainingWindows: number;
  /**
   * The forecast is the base plus the anchor plus the network's output, the anchor being the mean of the anchor
   * channel over the last `anchorSteps` buckets: 1 (the last value, the reference setup) for LSTM and GRU.
   */
  readonly anchorSteps: number;
}

/** Options of a neural forecaster beyond the shared `ModelOptions`. */
export interface NeuralOptions extends ModelOptions {
  /** Overrides of the defaults (`defaultNeuralSettings`). */
  readonly settings?: Partial<NeuralSettings>;
  /** Called after each epoch with the losses, for progress display. */
  readonly onEpoch?: (progress: EpochProgress) => void;
  /** Where training keeps its checkpoint; a matching checkpoint there is resumed. */
  readonly checkpointDir?: string;
}

/**
 * Training data needed before the day of week becomes an input: below three weeks each weekday is seen once or
 * twice, and the network memorizes those days instead of learning the week.
 */
export const DAY_OF_WEEK_MIN_TRAIN_SECONDS = 21 * 86_400;

/**
 * The reference setup of `shared/bench/anchors.md` (window 120 one-minute steps or 48 coarser ones, one layer of
 * 32 units, time of day, early stopping on the last 15%), with the window read 4 buckets per recurrent step to fit
 * the training budget of a 2-core machine, and the day of week from three weeks of training data on.
 */
export function defaultNeuralSettings(
  cell: RecurrentCell,
  stepSeconds: number,
  horizonSteps: number,
  trainSeconds: number,
  seasonSeconds: number,
): NeuralSettings {
  return {
    cell,
    windowSteps: stepSeconds < 300 ? 120 : 48,
    patchSteps: 4,
    horizonSteps,
    hiddenUnits: 32,
    layers: 1,
    calendar: trainSeconds >= DAY_OF_WEEK_MIN_TRAIN_SECONDS ? CALENDAR_FEATURES : ['time-of-day'],
    maxEpochs: 30,
    patience: 4,
    batchSize: 256,
    learningRate: 0.002,
    seed: 42,
    validationFraction: 0.15,
    validationMinSeconds: seasonSeconds,
    maxTrainingWindows: 6000,
    anchorSteps: 1,
  };
}

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

/** A span of training data whose windows share one base: the whole series, or one day of the hybrid. */
export interface TrainingSegment {
  /** Raw values (NaN for gaps) on the model's grid, covering the windows' inputs and targets. */
  readonly series: Series;
  /** The base at every bucket of `series`. */
  readonly base: Float64Array;
  /**
   * The base over the horizon at an origin (bucket index), when it is a model's forecast rather than `base`; the
   * network's output is then added to it directly (no anchor: that forecast already follows the level).
   */
  readonly forecastAt?: (originIndex: number) => Float64Array;
  /** Origins (bucket indices in `series`) this segment contributes windows for: [first, end). */
  readonly firstOrigin: number;
  readonly endOrigin: number;
}

/** The windows of every segment, oldest origin first, with what calibration needs to score them in real units. */
interface WindowSet {
  readonly count: number;
  readonly inputs: Float32Array;
  /** Target deltas of the anchor channel (what the network learns). */
  readonly targets: Float32Array;
  /** What a forecast adds the network's output to: base at each target and the last anchor value. */
  readonly baseAtTargets: Float64Array;
  readonly lastAnchor: Float64Array;
  readonly actual: Float64Array;
  readonly scales: Float64Array;
  readonly originSeconds: Float64Array;
}

/** The standard scaler's centre and spread (a constant series gets spread 1, as the scaler itself does). */
function scalerParts(json: ScalerJSON): { mean: number; std: number } {
  if (json.kind !== 'standard')
    throw new PrescaleError('model-mismatch', 'scaler.kind: neural models use a standard scaler', {
      field: 'scaler.kind',
    });
  return { mean: json.mean, std: json.std > 0 ? json.std : 1 };
}

/** Buckets that hold an observation (not NaN); a plain loop, as this runs for every served forecast. */
function countObserved(values: Float64Array): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) n++;
  return n;
}

/** Whether any of values[from, to) is observed (stops at the first). */
function hasObserved(values: Float64Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!Number.isNaN(values[i])) return true;
  return false;
}

/** Mean of `values` over the `steps` buckets before `end` (fewer at the start). */
function meanBefore(values: Float64Array, end: number, steps: number): number {
  const from = Math.max(0, end - steps);
  let sum = 0;
  for (let i = from; i < end; i++) sum += values[i];
  return sum / (end - from);
}

/**
 * Gap-filled values (linear, any gap length: a window must be complete), the anchor channel over them and, when the
 * layout has one, the value channel.
 */
function channelsOf(
  values: Float64Array,
  base: ArrayLike<number>,
  scaler: ScalerJSON,
  layout: FeatureLayout,
  startSeconds: number,
  stepSeconds: number,
): { anchor: Float64Array; values?: Float64Array } {
  const { mean, std } = scalerParts(scaler);
  // A window without gaps (the usual case) skips the general gap filler, the costliest step of a served forecast.
  const filled =
    countObserved(values) < values.length
      ? fillGaps({ startSeconds, stepSeconds, values }, 'linear', { maxGapSeconds: Number.POSITIVE_INFINITY }).series
          .values
      : values;
  // Plain loops: Float64Array.from with a map callback was a quarter of a served forecast's time.
  const anchor = new Float64Array(filled.length);
  for (let i = 0; i < filled.length; i++) anchor[i] = (filled[i] - base[i]) / std;
  if (!layout.valueChannel) return { anchor };
  const scaledValues = new Float64Array(filled.length);
  for (let i = 0; i < filled.length; i++) scaledValues[i] = (filled[i] - mean) / std;
  return { anchor, values: scaledValues };
}

/** Cuts the windows of all segments (windows with a gap in inputs or targets are skipped, see `slidingWindows`). */
function buildWindows(
  segments: readonly TrainingSegment[],
  layout: FeatureLayout,
  horizonSteps: number,
  scaler: ScalerJSON,
  maxWindows: number,
  scaleFloor: number,
  anchorSteps: number,
): WindowSet {
  const W = layout.windowSteps;
  const H = horizonSteps;
  const possible = segments.reduce((sum, s) => sum + Math.max(0, s.endOrigin - s.firstOrigin), 0);
  const stride = Math.max(1, Math.ceil(possible / maxWindows));
  const { std } = scalerParts(scaler);
  const picked: { segment: TrainingSegment; channels: ReturnType<typeof channelsOf>; origin: number }[] = [];
  for (const segment of segments) {
    const { series } = segment;
    const from = Math.max(0, segment.firstOrigin - W);
    const to = Math.min(series.values.length, segment.endOrigin - 1 + H);
    if (to - from < W + H) continue;
    const windows = slidingWindows(series.values.subarray(from, to), { inputSteps: W, horizonSteps: H, stride });
    const channels = channelsOf(series.values, segment.base, scaler, layout, series.startSeconds, series.stepSeconds);
    for (const local of windows.originIndex) picked.push({ segment, channels, origin: from + local });
  }
  const rowSize = W * featuresPerStep(layout);
  const n = picked.length;
  const set = {
    count: n,
    inputs: new Float32Array(n * rowSize),
    targets: new Float32Array(n * H),
    baseAtTargets: new Float64Array(n * H),
    lastAnchor: new Float64Array(n),
    actual: new Float64Array(n * H),
    scales: new Float64Array(n),
    originSeconds: new Float64Array(n),
  };
  picked.forEach(({ segment, channels, origin }, r) => {
    const { series, base } = segment;
    writeWindow(set.inputs, r * rowSize, layout, channels, series.startSeconds, series.stepSeconds, origin);
    const forecastBase = segment.forecastAt?.(origin);
    const last = forecastBase ? 0 : meanBefore(channels.anchor, origin, anchorSteps);
    set.lastAnchor[r] = last;
    for (let h = 0; h < H; h++) {
      const actual = series.values[origin + h];
      set.actual[r * H + h] = actual;
      const b = forecastBase ? forecastBase[h] : base[origin + h];
      set.baseAtTargets[r * H + h] = b;
      set.targets[r * H + h] = (actual - b) / std - last;
    }
    set.scales[r] = localScale(series.values, origin, W, scaleFloor);
    set.originSeconds[r] = series.startSeconds + origin * series.stepSeconds;
  });
  return set;
}

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
}

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
  const result = await trainNetwork(data, {
    shape,
    seed: settings.seed,
    maxEpochs: settings.maxEpochs,
    patience: settings.patience,
    batchSize: settings.batchSize,
    learningRate: settings.learningRate,
    signal,
    onEpoch: options.onEpoch,
    checkpointDir: options.checkpointDir,
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
      const point = windows.baseAtTargets[w * H + h] + std * (windows.lastAnchor[w] + deltas[r * H + h]);
      forecasts[r * H + h] = point;
      const error = windows.actual[w * H + h] - point;
      squared += error * error;
      absolute += Math.abs(error);
      scoresByStep[h].push(error / windows.scales[w]);
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

/**
 * Recent-window scores kept per model (~0.7 MB): a day of one-minute windows for ~20 series. A workload's model
 * serves one series; a model serving more (the batch API) re-scores past that, which costs time, never a result.
 */
export const MAX_KEPT_RECENT_WINDOWS = 2_000;
/** Recalibrated offsets kept per model: one per series and level in use. */
const MAX_KEPT_ROLLING_OFFSETS = 200;

/**
 * For each `end` (a bucket count), a key of the context's first `end` buckets: its grid and two 32-bit FNV-1a
 * hashes of the values' bits. Everything a recent window's score depends on is in that prefix (the hybrid's
 * residual filter reads the whole of it), so equal keys mean equal scores. One pass over the context.
 */
function prefixKeys(context: Series, ends: readonly number[]): string[] {
  const keys = new Array<string>(ends.length);
  if (ends.length === 0) return keys;
  const order = ends.map((_, j) => j).sort((a, b) => ends[a] - ends[b]);
  const { values } = context;
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * ends[order[order.length - 1]]);
  let first = 0x811c9dc5;
  let second = 0x01000193;
  let done = 0;
  for (const j of order) {
    for (; done < ends[j]; done++) {
      const low = words[2 * done];
      const high = words[2 * done + 1];
      first = Math.imul(Math.imul(first ^ low, 16777619) ^ high, 16777619);
      second = Math.imul(Math.imul(second ^ high, 2246822519) ^ low, 3266489917);
    }
    keys[j] = `${context.startSeconds}/${context.stepSeconds}/${ends[j]}/${first >>> 0}/${second >>> 0}`;
  }
  return keys;
}

/**
 * A fitted LSTM, GRU or hybrid: the ONNX network in an onnxruntime session plus meta.json's parameters. Forecasts
 * read the last window of the context, so between daily fits the model conditions on new data without refitting.
 */
export class FittedNeural implements FittedForecaster {
  private readonly std: number;
  private readonly mean: number;
  private readonly input: Float32Array;
  private readonly pathValues?: Float64Array;
  private readonly offsetsByLevel = new Map<number, { lower: Float64Array; upper: Float64Array }>();
  /** Scores of recent windows (rolling recalibration) by `prefixKeys` of what they depend on. */
  private readonly recentScores = new Map<string, Float64Array>();
  /** Recalibrated offsets by the latest recent window's key and the level (`rollingOffsetsAt`). */
  private readonly rollingOffsets = new Map<string, { lower: Float64Array; upper: Float64Array }>();

  constructor(
    readonly metadata: ModelMetadata,
    readonly parameters: NeuralParameters,
    private readonly onnx: Uint8Array,
    /** The serving session; exposed for batched inference and benchmarks. */
    readonly session: OnnxSession,
    /** Rebuilt from `parameters.base.forecaster` when the base is a model's forecast. */
    private readonly baseForecaster?: FittedForecaster,
  ) {
    ({ mean: this.mean, std: this.std } = scalerParts(parameters.scaler));
    this.input = new Float32Array(parameters.network.sequenceSteps * parameters.network.inputSize);
    if (parameters.base.kind === 'path') this.pathValues = Float64Array.from(parameters.base.values);
  }

  /** The base at `count` buckets from `startSeconds`; a Prophet path that does not cover them is refused. */
  private baseOver(startSeconds: number, count: number, stepSeconds: number): Float64Array {
    const base = this.parameters.base;
    if (base.kind === 'constant') return new Float64Array(count).fill(base.value);
    const first = Math.round((startSeconds - base.startSeconds) / stepSeconds);
    if (first < 0 || first + count > this.pathValues!.length) {
      const pathEnd = base.startSeconds + this.pathValues!.length * stepSeconds;
      throw new PrescaleError(
        'invalid-input',
        `context: this ${this.metadata.model} model's Prophet path covers ${base.startSeconds}..${pathEnd} and the forecast needs ${startSeconds}..${startSeconds + count * stepSeconds}; refit at least daily`,
        { field: 'context' },
      );
    }
    return this.pathValues!.slice(first, first + count);
  }

  forecast(context: Series, horizonSteps: number, level = DEFAULT_INTERVAL_LEVEL): Forecast {
    return this.forecastMany([context], horizonSteps, level)[0];
  }

  /**
   * Forecasts for many series at once (e.g. every workload a predictor serves) with one ONNX Runtime run over all
   * their windows, and over the recent windows their intervals are recalibrated on; each result equals `forecast`
   * on that context.
   */
  forecastMany(contexts: readonly Series[], horizonSteps: number, level = DEFAULT_INTERVAL_LEVEL): Forecast[] {
    checkLevel(level);
    const H = this.parameters.horizonSteps;
    if (!(Number.isInteger(horizonSteps) && horizonSteps >= 1 && horizonSteps <= H)) {
      throw new PrescaleError(
        'invalid-input',
        `horizonSteps: ${horizonSteps} is outside 1..${H}, the horizon this network was trained for; ask for at most ${H} steps or retrain with a longer horizon`,
        { field: 'horizonSteps' },
      );
    }
    // Rows: every context, then the recent windows not scored before (full horizon, to score them against what
    // followed). A window's scores depend on the context up to the end of its horizon only, so they are kept by a
    // hash of that prefix: a forecast a sync later scores just the windows whose horizon has newly completed.
    // (Forgetting happens here, before the lookups, so that every score looked up stays until it is read.)
    if (this.recentScores.size > MAX_KEPT_RECENT_WINDOWS) this.recentScores.clear();
    const recent = contexts.map((context) => {
      const indices = this.recentOriginIndices(context);
      const keys = prefixKeys(
        context,
        indices.map((i) => i + H),
      );
      return { indices, keys, missing: keys.flatMap((key, j) => (this.recentScores.has(key) ? [] : [j])) };
    });
    const rows = contexts.map((context) => ({ context, steps: horizonSteps }));
    recent.forEach(({ missing }, r) => {
      const { startSeconds, stepSeconds, values } = contexts[r];
      for (const j of missing) {
        rows.push({
          context: { startSeconds, stepSeconds, values: values.subarray(0, recent[r].indices[j]) },
          steps: H,
        });
      }
    });
    const rowSize = this.input.length;
    const input = rows.length === 1 ? this.input : new Float32Array(rows.length * rowSize);
    const prepared = rows.map(({ context, steps }, r) => this.prepare(context, steps, input, r * rowSize));
    const deltas = this.session.run(input, rows.length);
    const { windowSteps } = this.parameters.layout;
    const pointAt = (row: number, h: number) => {
      const { recent, base, last } = prepared[row];
      return base[recent.length + h] + this.std * (last + deltas[row * H + h]);
    };
    const scaleOf = (row: number) =>
      localScale(prepared[row].recent, prepared[row].recent.length, windowSteps, this.parameters.scaleFloor);
    let row = contexts.length;
    recent.forEach(({ indices, keys, missing }, r) => {
      const values = contexts[r].values;
      for (const j of missing) {
        const scores = new Float64Array(H);
        const scale = scaleOf(row);
        for (let h = 0; h < H; h++) scores[h] = (values[indices[j] + h] - pointAt(row, h)) / scale;
        this.recentScores.set(keys[j], scores);
        row++;
      }
    });
    const clampAt = this.parameters.nonNegative ? 0 : Number.NEGATIVE_INFINITY;
    return contexts.map((context, r) => {
      const { keys } = recent[r];
      const offsets =
        keys.length > 0 ? this.rollingOffsetsAt(keys, context.stepSeconds, horizonSteps, level) : this.offsetsAt(level);
      const point = new Float64Array(horizonSteps);
      const lower = new Float64Array(horizonSteps);
      const upper = new Float64Array(horizonSteps);
      const scale = scaleOf(r);
      for (let h = 0; h < horizonSteps; h++) {
        const value = pointAt(r, h);
        point[h] = Math.max(clampAt, value);
        lower[h] = Math.max(clampAt, value + scale * offsets.lower[h]);
        upper[h] = Math.max(clampAt, value + scale * offsets.upper[h]);
      }
      const { stepSeconds } = context;
      return { startSeconds: seriesEndSeconds(context), stepSeconds, point, intervals: { level, lower, upper } };
    });
  }

  /**
   * Origins (bucket indices of `context`) of the windows the rolling recalibration scores the model on: on a grid
   * of `gridSteps` buckets fixed in time (so a window stays one as the context grows and its kept scores serve the
   * next forecasts), back from the latest whose horizon has been observed, within `spanSeconds` of the context's
   * end and after the training data ended (the model never saw their targets), each with an observed value in its
   * window.
   */
  private recentOriginIndices(context: Series): number[] {
    const rolling = this.parameters.rollingCalibration;
    if (!rolling) return [];
    const { startSeconds, stepSeconds, values } = context;
    const H = this.parameters.horizonSteps;
    const W = this.parameters.layout.windowSteps;
    const earliest = Math.max(this.metadata.trainEndSeconds, seriesEndSeconds(context) - rolling.spanSeconds);
    const gridSeconds = rolling.gridSteps * stepSeconds;
    const lastSeconds = startSeconds + (values.length - H) * stepSeconds;
    const offGrid = (((lastSeconds % gridSeconds) + gridSeconds) % gridSeconds) / stepSeconds;
    // A context whose buckets are not on the grid's boundaries anchors the grid at its end instead.
    const latest = values.length - H - (Number.isInteger(offGrid) ? offGrid : 0);
    const indices: number[] = [];
    for (let i = latest; i >= W && startSeconds + i * stepSeconds >= earliest; i -= rolling.gridSteps) {
      if (hasObserved(values, i - W, i)) indices.push(i);
    }
    return indices;
  }

  /**
   * The recalibrated offsets over the recent windows whose scores are kept under `keys` (latest first). The latest
   * key covers all the data behind the others, so it and the level identify the result: a forecast repeated before
   * a new window completes reuses it.
   */
  private rollingOffsetsAt(
    keys: readonly string[],
    stepSeconds: number,
    horizonSteps: number,
    level: number,
  ): { lower: Float64Array; upper: Float64Array } {
    const id = `${keys[0]}|${keys.length}|${horizonSteps}|${level}`;
    let offsets = this.rollingOffsets.get(id);
    if (!offsets) {
      const recentByStep = Array.from({ length: horizonSteps }, (_, h) =>
        Float64Array.from(keys, (key) => this.recentScores.get(key)![h]),
      );
      const rolling = this.parameters.rollingCalibration!;
      const spanWindows = Math.floor(rolling.spanSeconds / (rolling.gridSteps * stepSeconds));
      offsets = rollingConformalOffsets(this.parameters.calibration, recentByStep, spanWindows, level);
      if (this.rollingOffsets.size >= MAX_KEPT_ROLLING_OFFSETS) this.rollingOffsets.clear();
      this.rollingOffsets.set(id, offsets);
    }
    return offsets;
  }

  /** The conformal offsets over the trained horizon at `level`, computed once per level asked for. */
  private offsetsAt(level: number): { lower: Float64Array; upper: Float64Array } {
    let offsets = this.offsetsByLevel.get(level);
    if (!offsets) {
      offsets = conformalOffsets(this.parameters.calibration, level, this.parameters.horizonSteps);
      // Levels come from requests: keep a few, not one per distinct number a client ever sent.
      if (this.offsetsByLevel.size >= 16) this.offsetsByLevel.clear();
      this.offsetsByLevel.set(level, offsets);
    }
    return offsets;
  }

  /** Checks one context and writes its window into `input` at `offset`; returns what composing the forecast needs. */
  private prepare(context: Series, horizonSteps: number, input: Float32Array, offset: number) {
    checkContextStep(context, this.metadata);
    const { layout } = this.parameters;
    const W = layout.windowSteps;
    const step = context.stepSeconds;
    const n = context.values.length;
    const from = Math.max(0, n - W);
    const recent = context.values.subarray(from);
    if (countObserved(recent) === 0) {
      throw new PrescaleError(
        'not-enough-data',
        `context: no observed value in the last ${W} buckets; the network needs recent data to forecast from`,
        { field: 'context' },
      );
    }
    const windowStart = context.startSeconds + from * step;
    const base = this.baseOver(windowStart, recent.length + horizonSteps, step);
    const channels = channelsOf(recent, base, this.parameters.scaler, layout, windowStart, step);
    writeWindow(input, offset, layout, channels, windowStart, step, recent.length);
    if (this.baseForecaster) {
      base.set(this.baseForecaster.forecast(context, horizonSteps).point, recent.length);
      return { recent, base, last: 0 };
    }
    const last = meanBefore(channels.anchor, recent.length, this.parameters.anchorSteps);
    return { recent, base, last };
  }

  toJSON(): SavedModel {
    return { metadata: this.metadata, parameters: this.parameters };
  }

  artifacts(): Readonly<Record<string, Uint8Array>> {
    return { [ONNX_FILE]: this.onnx };
  }
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

/**
 * Rebuilds a fitted neural model from meta.json's content and model.onnx, with onnxruntime only. A folder whose
 * files do not belong together (another network, a truncated file, edited settings) is refused with the field named.
 */
export function loadNeural(
  name: ModelName,
  saved: SavedModel,
  artifacts?: Readonly<Record<string, Uint8Array>>,
  loadBase?: (saved: SavedModel) => FittedForecaster,
): FittedNeural {
  checkSavedModel(saved, name);
  const parsed = parametersSchema.safeParse(saved.parameters);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ['parameters', ...issue.path.map(String)].join('.');
    throw new PrescaleError(
      'model-mismatch',
      `${field}: ${issue.message}; meta.json is corrupt, train and save the model again`,
      { field },
    );
  }
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
  const { base } = parameters;
  const baseForecaster = base.kind === 'path' && base.forecaster ? loadBase?.(base.forecaster) : undefined;
  if (base.kind === 'path' && base.forecaster && !baseForecaster) {
    throw new PrescaleError(
      'model-mismatch',
      `parameters.base.forecaster: ${name} cannot rebuild it; load the folder with the model that wrote it`,
      {
        field: 'parameters.base.forecaster',
      },
    );
  }
  return new FittedNeural(saved.metadata, parameters, onnx, session, baseForecaster);
}

/** The horizon and settings a neural forecaster is created with. */
export function resolveNeuralSettings(cell: RecurrentCell, train: Series, options?: NeuralOptions): NeuralSettings {
  const horizon = options?.horizonSteps ?? DEFAULT_CALIBRATED_HORIZON_STEPS;
  const trainSeconds = train.values.length * train.stepSeconds;
  const season = options?.seasonSeconds ?? DEFAULT_SEASON_SECONDS;
  return { ...defaultNeuralSettings(cell, train.stepSeconds, horizon, trainSeconds, season), ...options?.settings };
}
