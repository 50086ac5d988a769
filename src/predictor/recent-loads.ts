import type { WorkloadConfig } from '../config/service.js';
import type { RawSeries, Series } from '../core/index.js';
import { envelopeLookbackSeconds } from '../planner/index.js';
import { RecentSeries } from './recent-series.js';

const NOTHING_READ: RawSeries = { timestampsSeconds: new Float64Array(0), values: new Float64Array(0) };

/**
 * The load a workload's loop keeps: the model's context window and, with `planner.seasonalEnvelope`, the longer
 * window the envelope reads (`envelopeLookbackSeconds`). One Prometheus read fills both.
 */
export class RecentLoads {
  /** The last `loop.contextWindow` of the load: what the model forecasts from. */
  readonly context: RecentSeries;
  private envelope: RecentSeries | null = null;

  constructor(
    private readonly stepSeconds: number,
    contextWindowSeconds: number,
    resource: WorkloadConfig['resource'],
  ) {
    this.context = new RecentSeries(stepSeconds, contextWindowSeconds);
    this.reconfigure(resource);
  }

  /** Starts or drops the envelope's window when `planner.seasonalEnvelope` is switched. */
  reconfigure(resource: WorkloadConfig['resource']): void {
    const on = resource.policy.seasonalEnvelope !== 'None';
    if (on && this.envelope === null) {
      this.envelope = new RecentSeries(this.stepSeconds, envelopeLookbackSeconds(this.stepSeconds));
    }
    if (!on) this.envelope = null;
  }

  /** Start of the one read that fills both windows at `nowSeconds`. */
  fetchFromSeconds(nowSeconds: number): number {
    const from = this.context.fetchFromSeconds(nowSeconds);
    return Math.min(from, this.envelope?.fetchFromSeconds(nowSeconds) ?? from);
  }

  /** Merges a read into both windows; null (a failed read) only moves them to `nowSeconds`. */
  merge(raw: RawSeries | null, nowSeconds: number): void {
    this.context.merge(raw ?? NOTHING_READ, nowSeconds);
    this.envelope?.merge(raw ?? NOTHING_READ, nowSeconds);
  }

  /** The envelope's window; null when the envelope is off. */
  envelopeSeries(): Series | null {
    return this.envelope?.series() ?? null;
  }
}
