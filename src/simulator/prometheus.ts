import { PrescaleError, type Series } from '../core/index.js';

/**
 * What Prescale can read from Prometheus at one moment (docs/simulator.md, "What the autoscalers see"):
 * only samples scraped strictly before that moment.
 */
export interface PrometheusView {
  /**
   * The load signal as `metric.step` buckets of mean rate: the history Prometheus held before the
   * simulation, then every bucket whose closing scrape has been seen. A view, never a copy: do not keep it
   * past the decision.
   */
  loadSeries(): Series;
  /**
   * Over the last `windowSeconds` before the latest visible scrape: the mean load (requests/s) and the
   * workload's CPU usage as a percent of its pods' CPU requests (`rate(container_cpu_usage_seconds_total)`
   * over `kube_pod_container_resource_requests`). Null before two scrapes `windowSeconds` apart exist.
   */
  recent(windowSeconds: number): { readonly load: number; readonly cpuUtilizationPercent: number } | null;
}

/**
 * A Prometheus scraping the ingress request counter and the workload's CPU counters every
 * `scrapeIntervalSeconds` (on the epoch grid, like Prometheus' aligned scrape offsets), and the load
 * buckets a `query_range` at `metric.step` would return from them.
 */
export class SimPrometheus {
  private readonly scrapeTimes: Float64Array;
  private readonly scrapeArrivals: Float64Array;
  private readonly scrapeCpu: Float64Array;
  private readonly scrapeRequested: Float64Array;
  private scrapes = 0;
  private readonly buckets: Float64Array;
  private readonly historyBuckets: number;
  private writtenBuckets = 0;
  private lastBucketEndSeconds = Number.NEGATIVE_INFINITY;
  private nowSeconds = Number.NEGATIVE_INFINITY;
  private readonly view: PrometheusView;

  constructor(
    /** Buckets of the load before the simulation starts, ending exactly at `startSeconds`. */
    private readonly history: Series,
    private readonly startSeconds: number,
    endSeconds: number,
    readonly scrapeIntervalSeconds: number,
  ) {
    const step = history.stepSeconds;
    if (step % scrapeIntervalSeconds !== 0 || startSeconds % step !== 0) {
      throw new PrescaleError(
        'invalid-input',
        `workload.spec.metric.step: ${step}s must be a multiple of the scrape interval (${scrapeIntervalSeconds}s) and the simulation must start on a step boundary (${startSeconds}); use a step such as 60s`,
        { field: 'workload.spec.metric.step' },
      );
    }
    const scrapeCount = Math.ceil((endSeconds - startSeconds) / scrapeIntervalSeconds) + 2;
    this.scrapeTimes = new Float64Array(scrapeCount);
    this.scrapeArrivals = new Float64Array(scrapeCount);
    this.scrapeCpu = new Float64Array(scrapeCount);
    this.scrapeRequested = new Float64Array(scrapeCount);
    this.historyBuckets = history.values.length;
    const testBuckets = Math.ceil((endSeconds - startSeconds) / step);
    this.buckets = new Float64Array(this.historyBuckets + testBuckets).fill(Number.NaN);
    this.buckets.set(history.values);
    this.view = {
      loadSeries: () => this.loadSeriesAt(this.nowSeconds),
      recent: (windowSeconds) => this.recentAt(this.nowSeconds, windowSeconds),
    };
  }

  /** Whether Prometheus scrapes at `t`. */
  isScrapeTime(t: number): boolean {
    return t % this.scrapeIntervalSeconds === 0;
  }

  /**
   * Records the scrape at `t`: requests received since the simulation start, CPU core-seconds used by the
   * workload's containers since the start, and the CPU requested by its running pods (millicores).
   */
  scrape(t: number, arrivals: number, cpuCoreSeconds: number, requestedMillicores: number): void {
    const i = this.scrapes++;
    this.scrapeTimes[i] = t;
    this.scrapeArrivals[i] = arrivals;
    this.scrapeCpu[i] = cpuCoreSeconds;
    this.scrapeRequested[i] = requestedMillicores;
    const step = this.history.stepSeconds;
    if (t > this.startSeconds && (t - this.startSeconds) % step === 0) {
      const back = i - step / this.scrapeIntervalSeconds;
      const previous = back >= 0 ? this.scrapeArrivals[back] : 0;
      const k = (t - this.startSeconds) / step - 1;
      this.buckets[this.historyBuckets + k] = (arrivals - previous) / step;
      this.writtenBuckets = k + 1;
      this.lastBucketEndSeconds = t;
    }
  }

  /** The view for a decision at `t`: everything scraped strictly before `t`. */
  viewAt(t: number): PrometheusView {
    this.nowSeconds = t;
    return this.view;
  }

  private loadSeriesAt(t: number): Series {
    const visible = this.writtenBuckets - (this.lastBucketEndSeconds >= t ? 1 : 0);
    return {
      startSeconds: this.history.startSeconds,
      stepSeconds: this.history.stepSeconds,
      values: this.buckets.subarray(0, this.historyBuckets + Math.max(0, visible)),
    };
  }

  private recentAt(t: number, windowSeconds: number) {
    let last = this.scrapes - 1;
    while (last >= 0 && this.scrapeTimes[last] >= t) last--;
    const back = last - Math.round(windowSeconds / this.scrapeIntervalSeconds);
    if (back < 0) return null;
    const dt = this.scrapeTimes[last] - this.scrapeTimes[back];
    const load = (this.scrapeArrivals[last] - this.scrapeArrivals[back]) / dt;
    const cpuMillicores = ((this.scrapeCpu[last] - this.scrapeCpu[back]) / dt) * 1000;
    const requested = this.scrapeRequested[last];
    return { load, cpuUtilizationPercent: requested > 0 ? (100 * cpuMillicores) / requested : 0 };
  }
}
