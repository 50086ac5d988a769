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
const TWO_PI = 2 * Math.PI;

/** Writes the calendar pairs of the bucket starting at `seconds` (UTC; 1970-01-01 was a Thursday, day 3 from Monday). */
function writeCalendar(
  out: Float32Array,
  offset: number,
  calendar: readonly CalendarFeature[],
  seconds: number,
): number {
  let k = offset;
  for (const feature of calendar) {
    const phase =
      feature === 'time-of-day'
        ? (((seconds % DAY_SECONDS) + DAY_SECONDS) % DAY_SECONDS) / DAY_SECONDS
        : ((((seconds / DAY_SECONDS + 3) % 7) + 7) % 7) / 7;
    out[k++] = Math.sin(TWO_PI * phase);
    out[k++] = Math.cos(TWO_PI * phase);
  }
  return k;
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
  let k = offset;
  for (let t = originIndex - layout.windowSteps; t < originIndex; t++) {
    const i = Math.max(t, 0);
    out[k++] = channels.anchor[i];
    if (layout.valueChannel) out[k++] = channels.values![i];
    k = writeCalendar(out, k, layout.calendar, startSeconds + t * stepSeconds);
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
