import { type Forecast, PrescaleError, type Series, seriesEndSeconds } from '../../core/index.js';
import { checkContextStep, DEFAULT_INTERVAL_LEVEL } from '../common.js';
import type { FittedForecaster, ModelMetadata, ModelName, SavedModel } from '../types.js';
import { checkLevel, conformalOffsets, nonconformityScore, rollingConformalOffsets } from './conformal.js';
import { localScale, writeWindow } from './features.js';
import type { OnnxSession } from './onnx-session.js';
import { type NeuralParameters, ONNX_FILE, openSavedNeural } from './saved-format.js';
import { channelsOf, countObserved, forecastPoint, hasObserved, meanBefore, scalerParts } from './windows.js';

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
      return forecastPoint(base[recent.length + h], this.std, last, deltas[row * H + h]);
    };
    const scaleOf = (row: number) =>
      localScale(prepared[row].recent, prepared[row].recent.length, windowSteps, this.parameters.scaleFloor);
    let row = contexts.length;
    recent.forEach(({ indices, keys, missing }, r) => {
      const values = contexts[r].values;
      for (const j of missing) {
        const scores = new Float64Array(H);
        const scale = scaleOf(row);
        for (let h = 0; h < H; h++) scores[h] = nonconformityScore(values[indices[j] + h], pointAt(row, h), scale);
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

/**
 * Rebuilds a fitted neural model from meta.json's content and model.onnx (checked by `openSavedNeural`), with
 * onnxruntime only, and the hybrid's base forecaster through `loadBase`.
 */
export function loadNeural(
  name: ModelName,
  saved: SavedModel,
  artifacts?: Readonly<Record<string, Uint8Array>>,
  loadBase?: (saved: SavedModel) => FittedForecaster,
): FittedNeural {
  const { parameters, onnx, session } = openSavedNeural(name, saved, artifacts);
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
