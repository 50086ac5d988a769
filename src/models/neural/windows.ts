import { PrescaleError, type Series } from '../../core/index.js';
import { fillGaps, type ScalerJSON, slidingWindows } from '../../preprocessor/index.js';
import { type FeatureLayout, featuresPerStep, localScale, writeWindow } from './features.js';

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
export interface WindowSet {
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
export function scalerParts(json: ScalerJSON): { mean: number; std: number } {
  if (json.kind !== 'standard')
    throw new PrescaleError('model-mismatch', 'scaler.kind: neural models use a standard scaler', {
      field: 'scaler.kind',
    });
  return { mean: json.mean, std: json.std > 0 ? json.std : 1 };
}

/** Buckets that hold an observation (not NaN); a plain loop, as this runs for every served forecast. */
export function countObserved(values: Float64Array): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) n++;
  return n;
}

/** Whether any of values[from, to) is observed (stops at the first). */
export function hasObserved(values: Float64Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!Number.isNaN(values[i])) return true;
  return false;
}

/** Mean of `values` over the `steps` buckets before `end` (fewer at the start). */
export function meanBefore(values: Float64Array, end: number, steps: number): number {
  const from = Math.max(0, end - steps);
  let sum = 0;
  for (let i = from; i < end; i++) sum += values[i];
  return sum / (end - from);
}

/**
 * Gap-filled values (linear, any gap length: a window must be complete), the anchor channel over them and, when the
 * layout has one, the value channel.
 */
export function channelsOf(
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

/**
 * One forecast step in the series' units: the base plus, in scaled units, the anchor and the network's output
 * (see `NeuralSettings.anchorSteps`). Training targets are the inverse (`buildWindows`).
 */
export function forecastPoint(base: number, std: number, anchor: number, delta: number): number {
  return base + std * (anchor + delta);
}

/** Cuts the windows of all segments (windows with a gap in inputs or targets are skipped, see `slidingWindows`). */
export function buildWindows(
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
