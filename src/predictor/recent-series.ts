import type { RawSeries, Series } from '../core/index.js';
import { gridBucketIndex } from '../preprocessor/index.js';

/**
 * The last `windowSeconds` of a workload's load on its step grid, refreshed incrementally: each sync reads
 * only the newest few steps from Prometheus and merges them in (a re-read bucket is overwritten, since a
 * rate over a moving window settles late). Bucket k covers [k·step, (k+1)·step) and holds the value
 * evaluated at its start, as a `query_range` on the same grid returns it; NaN = not observed.
 */
export class RecentSeries {
  private startSeconds = Number.NaN;
  private values = new Float64Array(0);

  constructor(
    readonly stepSeconds: number,
    private readonly windowSeconds: number,
  ) {}

  /** Start of the first bucket to read at `nowSeconds`: the window's start, or a few steps before the newest bucket held. */
  fetchFromSeconds(nowSeconds: number, overlapSteps = 2): number {
    const windowStart = this.alignDown(nowSeconds - this.windowSeconds);
    const last = this.lastObservedSeconds();
    if (last === null) return windowStart;
    return Math.max(windowStart, last - overlapSteps * this.stepSeconds);
  }

  /** Merges raw points (on or off the grid) and moves the window to end at the bucket containing `nowSeconds`. */
  merge(raw: RawSeries, nowSeconds: number): void {
    const step = this.stepSeconds;
    const start = this.alignDown(nowSeconds - this.windowSeconds);
    const end = this.alignDown(nowSeconds) + step;
    const length = Math.round((end - start) / step);
    const next = new Float64Array(length).fill(Number.NaN);
    if (this.values.length > 0) {
      const offset = Math.round((this.startSeconds - start) / step);
      for (let i = 0; i < this.values.length; i++) {
        const j = i + offset;
        if (j >= 0 && j < length) next[j] = this.values[i];
      }
    }
    for (let i = 0; i < raw.timestampsSeconds.length; i++) {
      const value = raw.values[i];
      if (!Number.isFinite(value)) continue;
      const j = gridBucketIndex(raw.timestampsSeconds[i], start, step);
      if (j >= 0 && j < length) next[j] = value;
    }
    this.startSeconds = start;
    this.values = next;
  }

  /** The window as a regular series ending with the bucket that contains the last merge's `nowSeconds`. */
  series(): Series {
    return {
      startSeconds: Number.isNaN(this.startSeconds) ? 0 : this.startSeconds,
      stepSeconds: this.stepSeconds,
      values: this.values,
    };
  }

  /** Start of the newest observed bucket; null when nothing was observed in the window. */
  lastObservedSeconds(): number | null {
    for (let i = this.values.length - 1; i >= 0; i--) {
      if (!Number.isNaN(this.values[i])) return this.startSeconds + i * this.stepSeconds;
    }
    return null;
  }

  /** The newest observed value; null when none. */
  lastValue(): number | null {
    for (let i = this.values.length - 1; i >= 0; i--) if (!Number.isNaN(this.values[i])) return this.values[i];
    return null;
  }

  /** Mean of the observed values in the window (the workload's typical load); null when none. */
  meanObserved(): number | null {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < this.values.length; i++) {
      if (Number.isFinite(this.values[i])) {
        sum += this.values[i];
        n++;
      }
    }
    return n === 0 ? null : sum / n;
  }

  private alignDown(seconds: number): number {
    return Math.floor(seconds / this.stepSeconds) * this.stepSeconds;
  }
}
