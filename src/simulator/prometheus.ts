import { PrescaleError, type Series } from '../core/index.js';
import { gridBucketIndex } from '../preprocessor/index.js';

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
  /** A PromQL evaluation at `evalSeconds` as of now (see `SimPrometheus.evaluate`). */
  evaluate(signal: 'requests' | 'cpu' | 'replicas', evalSeconds: number, windowSeconds: number): number | null;
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
  private readonly scrapeReplicas: Float64Array;
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
    this.scrapeReplicas = new Float64Array(scrapeCount);
    this.historyBuckets = history.values.length;
    const testBuckets = Math.ceil((endSeconds - startSeconds) / step);
    this.buckets = new Float64Array(this.historyBuckets + testBuckets).fill(Number.NaN);
    this.buckets.set(history.values);
    this.view = {
      loadSeries: () => this.loadSeriesAt(this.nowSeconds),
      recent: (windowSeconds) => this.recentAt(this.nowSeconds, windowSeconds),
      evaluate: (signal, evalSeconds, windowSeconds) =>
        this.evaluate(signal, evalSeconds, this.nowSeconds, windowSeconds),
    };
  }

  /** Whether Prometheus scrapes at `t`. */
  isScrapeTime(t: number): boolean {
    return t % this.scrapeIntervalSeconds === 0;
  }

  /**
   * Records the scrape at `t`: requests received since the simulation start, CPU core-seconds used by the
   * workload's containers since the start, the CPU requested by its running pods (millicores), and the
   * Deployment's `spec.replicas` (kube-state-metrics).
   */
  scrape(t: number, arrivals: number, cpuCoreSeconds: number, requestedMillicores: number, specReplicas = 0): void {
    const i = this.scrapes++;
    this.scrapeTimes[i] = t;
    this.scrapeArrivals[i] = arrivals;
    this.scrapeCpu[i] = cpuCoreSeconds;
    this.scrapeRequested[i] = requestedMillicores;
    this.scrapeReplicas[i] = specReplicas;
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

  /**
   * What PromQL would return at evaluation time `T` for a decision at `nowSeconds` (samples scraped strictly
   * before `nowSeconds` only): `rate(<counter>[window])` of the requests or the CPU, or the latest
   * `spec.replicas` gauge. The rate uses the newest scrape at or before T and the newest at or before
   * T − window. Before the simulation, the requests rate comes from the history buckets (the CPU and replicas
   * were not simulated then: null). Null when Prometheus has no data for T.
   */
  evaluate(
    signal: 'requests' | 'cpu' | 'replicas',
    evalSeconds: number,
    nowSeconds: number,
    windowSeconds: number,
  ): number | null {
    const start = this.startSeconds;
    if (evalSeconds <= start) {
      if (signal !== 'requests') return null;
      const step = this.history.stepSeconds;
      const k = Math.floor((evalSeconds - windowSeconds - this.history.startSeconds) / step);
      const last = Math.floor((evalSeconds - this.history.startSeconds) / step) - 1;
      let sum = 0;
      let n = 0;
      for (let i = Math.max(0, k); i <= last && i < this.historyBuckets; i++) {
        if (Number.isFinite(this.buckets[i])) {
          sum += this.buckets[i];
          n++;
        }
      }
      return n > 0 ? sum / n : null;
    }
    const at = Math.min(this.scrapeIndexAtOrBefore(evalSeconds), this.scrapeIndexBefore(nowSeconds));
    if (at < 0 || this.scrapeTimes[at] < evalSeconds - this.scrapeIntervalSeconds) return null;
    if (signal === 'replicas') return this.scrapeReplicas[at];
    const from = this.scrapeIndexAtOrBefore(this.scrapeTimes[at] - windowSeconds);
    if (from < 0 && signal === 'requests') {
      // The window reaches back before the simulation: the history covers that part.
      const before = this.scrapeTimes[at] - windowSeconds;
      const historyRate = this.evaluate('requests', start, nowSeconds, start - before);
      if (historyRate === null) return null;
      return (this.scrapeArrivals[at] + historyRate * (start - before)) / windowSeconds;
    }
    if (from < 0 || from === at) return null;
    const dt = this.scrapeTimes[at] - this.scrapeTimes[from];
    const counter = signal === 'requests' ? this.scrapeArrivals : this.scrapeCpu;
    return (counter[at] - counter[from]) / dt;
  }

  /** Index of the newest scrape at or before `t` (scrapes are on a fixed grid), or -1. */
  private scrapeIndexAtOrBefore(t: number): number {
    if (this.scrapes === 0 || t < this.scrapeTimes[0]) return -1;
    const i = gridBucketIndex(t, this.scrapeTimes[0], this.scrapeIntervalSeconds);
    return Math.min(i, this.scrapes - 1);
  }

  /**
   * Index of the newest scrape strictly before `t`, or -1. An index comparison, not `t - ε`: at epoch seconds
   * (~1e9) float64 has no room for a small ε, and `t - 1e-9 === t` let a sync see the scrape of its own instant.
   */
  private scrapeIndexBefore(t: number): number {
    const i = this.scrapeIndexAtOrBefore(t);
    return i >= 0 && this.scrapeTimes[i] >= t ? i - 1 : i;
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
