import { PrescaleError } from '../../core/index.js';

/** Calendar inputs, each given to the network as a sin/cos pair so midnight and Sunday→Monday wrap smoothly. */
export type CalendarFeature = 'time-of-day' | 'day-of-week';

/** Every calendar feature Prescale knows, in input order. */
export const CALENDAR_FEATURES: readonly CalendarFeature[] = ['time-of-day', 'day-of-week'];

/**
 * What the network reads at each origin: the last `windowSteps` buckets, each as the anchor channel (scaled
 * value, or scaled residual for the hybrid), optionally the scaled value, and the calendar pairs. The window is
 * read `patchSteps` buckets per recurrent step (the row-major buffer is the same; only the shape differs), which
 * divides the recurrent steps, and so the training time, by `patchSteps`.
 */
export interface FeatureLayout {
  readonly windowSteps: number;
  readonly patchSteps: number;
  readonly calendar: readonly CalendarFeature[];
  /** The hybrid also shows the network the scaled observed values next to the residuals. */
  readonly valueChannel: boolean;
}

/** Inputs per bucket. */
export function featuresPerStep(layout: FeatureLayout): number {
  return 1 + (layout.valueChannel ? 1 : 0) + 2 * layout.calendar.length;
}

/** The network input shape for a layout: recurrent steps and features per recurrent step. */
export function networkInputShape(layout: FeatureLayout): { sequenceSteps: number; inputSize: number } {
  if (!(Number.isInteger(layout.windowSteps) && layout.windowSteps >= 1)) {
    throw new PrescaleError(
      'invalid-input',
      `windowSteps: ${layout.windowSteps} is not a whole number ≥ 1; use e.g. 120`,
      {
        field: 'windowSteps',
      },
    );
  }
  if (
    !(Number.isInteger(layout.patchSteps) && layout.patchSteps >= 1 && layout.windowSteps % layout.patchSteps === 0)
  ) {
    throw new PrescaleError(
      'invalid-input',
      `patchSteps: ${layout.patchSteps} does not divide windowSteps ${layout.windowSteps}; use a divisor such as 4`,
      { field: 'patchSteps' },
    );
  }
  return {
    sequenceSteps: layout.windowSteps / layout.patchSteps,
    inputSize: layout.patchSteps * featuresPerStep(layout),
  };
}

const DAY_SECONDS = 86_400;
const WEEK_SECONDS = 7 * DAY_SECONDS;
/** 1970-01-01 (second 0) was a Thursday: day 3 of a week that starts on Monday. */
const WEEK_OFFSET_SECONDS = 3 * DAY_SECONDS;

/** The cycle each calendar feature is the phase of (UTC). */
function cycleOf(feature: CalendarFeature): { periodSeconds: number; offsetSeconds: number } {
  return feature === 'time-of-day'
    ? { periodSeconds: DAY_SECONDS, offsetSeconds: 0 }
    : { periodSeconds: WEEK_SECONDS, offsetSeconds: WEEK_OFFSET_SECONDS };
}

/**
 * Writes one window into `out` at `offset`: the buckets [originIndex − windowSteps, originIndex) of the channels
 * (gap-filled, scaled, indexed like the series that starts at `startSeconds`). Buckets before index 0 repeat
 * bucket 0, so a short history still gives a window.
 */
export function writeWindow(
  out: Float32Array,
  offset: number,
  layout: FeatureLayout,
  channels: { readonly anchor: Float64Array; readonly values?: Float64Array },
  startSeconds: number,
  stepSeconds: number,
  originIndex: number,
): void {
  const perStep = featuresPerStep(layout);
  const first = originIndex - layout.windowSteps;
  let k = offset;
  for (let t = first; t < originIndex; t++) {
    const i = Math.max(t, 0);
    out[k] = channels.anchor[i];
    if (layout.valueChannel) out[k + 1] = channels.values![i];
    k += perStep;
  }
  // Each calendar pair is a point turning by a fixed angle per bucket: one sin/cos for the first bucket, then a
  // rotation per bucket (4 trigonometric calls per bucket were most of a served forecast's feature time).
  let column = offset + (layout.valueChannel ? 2 : 1);
  for (const feature of layout.calendar) {
    const { periodSeconds, offsetSeconds } = cycleOf(feature);
    const firstSeconds = startSeconds + first * stepSeconds + offsetSeconds;
    const angle = (2 * Math.PI * (((firstSeconds % periodSeconds) + periodSeconds) % periodSeconds)) / periodSeconds;
    const turn = (2 * Math.PI * (stepSeconds % periodSeconds)) / periodSeconds;
    const cosTurn = Math.cos(turn);
    const sinTurn = Math.sin(turn);
    let sin = Math.sin(angle);
    let cos = Math.cos(angle);
    for (let j = 0, at = column; j < layout.windowSteps; j++, at += perStep) {
      out[at] = sin;
      out[at + 1] = cos;
      const nextSin = sin * cosTurn + cos * sinTurn;
      cos = cos * cosTurn - sin * sinTurn;
      sin = nextSin;
    }
    column += 2;
  }
}

/**
 * The typical size of one-step moves in the window before `originIndex` (mean |Δy| over observed neighbours, in
 * the series' units): the local noise scale the conformal intervals are measured in, so they widen when load is
 * busy and narrow when it is quiet. `floor` keeps a flat window from giving a zero-width interval.
 */
export function localScale(raw: ArrayLike<number>, originIndex: number, windowSteps: number, floor: number): number {
  let sum = 0;
  let n = 0;
  for (let t = Math.max(1, originIndex - windowSteps + 1); t < originIndex; t++) {
    const d = raw[t] - raw[t - 1];
    if (!Number.isNaN(d)) {
      sum += Math.abs(d);
      n++;
    }
  }
  return Math.max(n > 0 ? sum / n : floor, floor);
}
