import { PrescaleError, type Series } from '../core/index.js';
import type { Random } from './random.js';

/**
 * Load from a real trace (docs/simulator.md, "Load"): the trace's buckets (e.g. NASA requests per minute)
 * become a request rate that is constant within each bucket (each minute's requests spread evenly over
 * its seconds), multiplied by one factor chosen so the busiest bucket of the simulated period needs
 * `peakPods` pods at the capacity per pod. Missing buckets repeat the last known one.
 */
export interface ScaledLoad {
  /** Requests/s per trace unit. */
  readonly scale: number;
  /** First second covered and the trace's bucket size. */
  readonly startSeconds: number;
  readonly stepSeconds: number;
  /** Requests/s in each trace bucket, scaled, gaps filled. */
  readonly ratePerSecond: Float64Array;
  /** Cumulative requests at each bucket boundary (length + 1), for exact means over any interval. */
  readonly cumulative: Float64Array;
}

/** What one pod of the workload serves at the target utilization sets the scale, with `peakPods` at the peak. */
export interface LoadScaling {
  readonly peakPods: number;
  /** Requests/s one pod serves at the target utilization (`capacity.perPod`). */
  readonly perPodRate: number;
  /** The period whose busiest bucket is scaled to peakPods × perPodRate (the simulated test period). */
  readonly peakFromSeconds: number;
  readonly peakToSeconds: number;
}

/** Scales `trace` (see `ScaledLoad`). Throws `not-enough-data` when the peak period holds no positive value. */
export function scaleTrace(trace: Series, scaling: LoadScaling): ScaledLoad {
  const { startSeconds, stepSeconds, values } = trace;
  let peak = 0;
  for (let i = 0; i < values.length; i++) {
    const t = startSeconds + i * stepSeconds;
    if (t >= scaling.peakFromSeconds && t < scaling.peakToSeconds && values[i] > peak) peak = values[i];
  }
  if (!(peak > 0)) {
    throw new PrescaleError(
      'not-enough-data',
      `load: the trace has no positive value between ${scaling.peakFromSeconds} and ${scaling.peakToSeconds}; choose a dataset whose test period has load`,
      { field: 'load' },
    );
  }
  const scale = (scaling.peakPods * scaling.perPodRate) / peak;
  const ratePerSecond = new Float64Array(values.length);
  const cumulative = new Float64Array(values.length + 1);
  let last = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v) && v >= 0) last = v;
    ratePerSecond[i] = last * scale;
    cumulative[i + 1] = cumulative[i] + ratePerSecond[i] * stepSeconds;
  }
  return { scale, startSeconds, stepSeconds, ratePerSecond, cumulative };
}

/** Cumulative requests from the trace start to `t` (seconds), exact for the piecewise-constant rate. */
export function cumulativeAt(load: ScaledLoad, t: number): number {
  const offset = (t - load.startSeconds) / load.stepSeconds;
  const n = load.ratePerSecond.length;
  if (offset <= 0) return 0;
  if (offset >= n) return load.cumulative[n];
  const i = Math.floor(offset);
  return load.cumulative[i] + load.ratePerSecond[i] * (t - (load.startSeconds + i * load.stepSeconds));
}

/** Mean request rate over [from, to). */
export function meanRate(load: ScaledLoad, fromSeconds: number, toSeconds: number): number {
  return (cumulativeAt(load, toSeconds) - cumulativeAt(load, fromSeconds)) / (toSeconds - fromSeconds);
}

/**
 * The series a model trains on: mean rate per `stepSeconds` bucket over [from, to) (bucket k starts at
 * from + k × step), what a Prometheus `rate()` over each bucket would have recorded.
 */
export function bucketRates(load: ScaledLoad, fromSeconds: number, toSeconds: number, stepSeconds: number): Series {
  const n = Math.max(0, Math.floor((toSeconds - fromSeconds) / stepSeconds));
  const values = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const b = fromSeconds + k * stepSeconds;
    values[k] = meanRate(load, b, b + stepSeconds);
  }
  return { startSeconds: fromSeconds, stepSeconds, values };
}

/**
 * Requests arriving in each second of [from, to): the rate itself, or with `poisson` noise a Poisson draw
 * per second around it (what a real request stream at that rate looks like second by second).
 */
export function arrivalsPerSecond(
  load: ScaledLoad,
  fromSeconds: number,
  toSeconds: number,
  noise: 'none' | 'poisson',
  random: Random,
): Float64Array {
  const n = toSeconds - fromSeconds;
  const arrivals = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    const rate = meanRate(load, fromSeconds + s, fromSeconds + s + 1);
    arrivals[s] = noise === 'poisson' ? random.poisson(rate) : rate;
  }
  return arrivals;
}
