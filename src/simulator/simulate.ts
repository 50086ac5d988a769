import type { Series } from '../core/index.js';
import { PodDelayStream, type PodLifecycle, SimDeployment } from './cluster.js';
import { isScrapeTime, type MetricsServerConfig, podSnapshots, scrapePods } from './metrics-server.js';
import { SimPrometheus } from './prometheus.js';
import type { PodServiceModel, QueueTable } from './queueing.js';
import { MinuteLatency, serveSecond } from './serving.js';
import type { AutoscalingPolicy, Observation } from './types.js';

/** The simulated cluster, parsed: the Deployment's pods, what they cost, and the monitoring around them. */
export interface ClusterModel {
  /** Name of the Deployment (pods are `<name>-<n>`). */
  readonly deploymentName: string;
  readonly pod: {
    readonly cpuRequestMillicores: number;
    readonly memoryRequestBytes: number;
    /** CPU a running pod uses with no traffic. */
    readonly cpuIdleMillicores: number;
    /** CPU time one served request costs, seconds (so CPU = idle + rate × this, in cores). */
    readonly cpuSecondsPerRequest: number;
    readonly service: PodServiceModel;
  };
  readonly lifecycle: PodLifecycle;
  /** CPU request × price per core-hour + memory request × price per GiB-hour. */
  readonly costPerPodHour: number;
  readonly metricsServer: MetricsServerConfig;
  readonly prometheusScrapeIntervalSeconds: number;
}

/** Everything one run needs besides the policy; the load and history are shared by every policy of a seed. */
export interface SimulationInput {
  readonly cluster: ClusterModel;
  readonly queue: QueueTable;
  /** Simulated period [start, end), whole seconds, start on a minute and a `metric.step` boundary. */
  readonly startSeconds: number;
  readonly endSeconds: number;
  /** Requests arriving in each second of the period (with or without Poisson noise). */
  readonly arrivals: Float64Array;
  /** The trace's noise-free rate in each second, for the pods the load needs. */
  readonly rate: Float64Array;
  /** Requests/s one pod serves at the target utilization: the load's "needed pods" are rate / this. */
  readonly perPodRate: number;
  /** Load buckets Prometheus held before the start (`metric.step` apart, ending at the start). */
  readonly history: Series;
  readonly initialReplicas: number;
  readonly seed: number;
}

/** One replica change and the policy's reason for it. */
export interface ScalingEvent {
  readonly timeSeconds: number;
  readonly from: number;
  readonly to: number;
  readonly reason: string;
}

/**
 * One run, per minute of the period (index m covers [start + 60 m, start + 60 m + 60)). Counts are requests,
 * pod-seconds and core-seconds in that minute.
 */
export interface SimulationRecord {
  readonly policy: string;
  readonly seed: number;
  readonly startSeconds: number;
  readonly minutes: number;
  readonly arrivals: Float64Array;
  readonly dropped: Float64Array;
  /** Admitted requests slower than the SLO latency (expected count under the queueing model). */
  readonly slow: Float64Array;
  /** p95 time in the pod of the minute's admitted requests, seconds; NaN when none was admitted. */
  readonly p95Seconds: Float64Array;
  readonly readyPodSeconds: Float64Array;
  readonly billedPodSeconds: Float64Array;
  /** `spec.replicas` at the end of the minute. */
  readonly specReplicas: Float64Array;
  readonly cpuCoreSeconds: Float64Array;
  /** CPU requested by billed pods, core-seconds. */
  readonly requestedCoreSeconds: Float64Array;
  /** Billed pod-seconds above the pods the load needed, and needed pod-seconds without a ready pod. */
  readonly overPodSeconds: Float64Array;
  readonly underPodSeconds: Float64Array;
  readonly costPerPodHour: number;
  readonly events: readonly ScalingEvent[];
  /** Wall time of the whole run and of the policy's model fitting within it, milliseconds. */
  readonly wallMilliseconds: number;
  readonly trainingMilliseconds: number;
}

/** Progress of a run, in simulated seconds. */
export interface SimulationProgress {
  readonly doneSeconds: number;
  readonly totalSeconds: number;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs `policy` against the simulated cluster over the input's period at 1 s resolution
 * (docs/simulator.md). Each second: metrics-server and Prometheus scrape at their instants, the policy
 * syncs at its instants (the sync sees scrapes up to and including this instant for metrics-server,
 * strictly before it for Prometheus), the Deployment scales, then the second's requests are served by the
 * ready pods through the queueing model.
 */
export async function simulate(
  policy: AutoscalingPolicy,
  input: SimulationInput,
  options: {
    signal?: AbortSignal;
    onProgress?: (progress: SimulationProgress) => void;
    /** Called after every sync with the policy's decision (tests use it to compare runs). */
    onDecision?: (nowSeconds: number, decision: { readonly replicas: number; readonly reason: string }) => void;
  } = {},
): Promise<SimulationRecord> {
  const started = performance.now();
  const { cluster, queue, startSeconds, endSeconds, arrivals, rate, perPodRate } = input;
  const totalSeconds = endSeconds - startSeconds;
  const minutes = Math.ceil(totalSeconds / 60);
  const record = {
    arrivals: new Float64Array(minutes),
    dropped: new Float64Array(minutes),
    slow: new Float64Array(minutes),
    p95Seconds: new Float64Array(minutes),
    readyPodSeconds: new Float64Array(minutes),
    billedPodSeconds: new Float64Array(minutes),
    specReplicas: new Float64Array(minutes),
    cpuCoreSeconds: new Float64Array(minutes),
    requestedCoreSeconds: new Float64Array(minutes),
    overPodSeconds: new Float64Array(minutes),
    underPodSeconds: new Float64Array(minutes),
  };
  const events: ScalingEvent[] = [];
  const deployment = new SimDeployment(
    cluster.deploymentName,
    PodDelayStream.forSeed(cluster.lifecycle, input.seed),
    input.initialReplicas,
    startSeconds,
  );
  const prometheus = new SimPrometheus(
    input.history,
    startSeconds,
    endSeconds,
    cluster.prometheusScrapeIntervalSeconds,
  );
  const { pod } = cluster;
  const requests = { cpuMillicores: pod.cpuRequestMillicores, memoryBytes: pod.memoryRequestBytes };
  const minuteLatency = new MinuteLatency(queue);
  const idleCores = pod.cpuIdleMillicores / 1000;
  const requestCores = pod.cpuRequestMillicores / 1000;
  const resolution = cluster.metricsServer.resolutionSeconds;
  let state = policy.initialState();
  let lastMetricsScrape = Number.NaN;
  let cumulativeArrivals = 0;
  let cumulativeCpu = 0;
  let lastYield = performance.now();

  for (let t = startSeconds; t < endSeconds; t++) {
    const s = t - startSeconds;
    const m = (s / 60) | 0;
    // Instant t: scrapes, then the policy's sync.
    if (isScrapeTime(cluster.metricsServer, t)) {
      scrapePods(deployment.pods, t);
      lastMetricsScrape = t;
    }
    if (prometheus.isScrapeTime(t)) {
      let requested = 0;
      for (const p of deployment.pods) if (p.runsAt(t)) requested += pod.cpuRequestMillicores;
      prometheus.scrape(t, cumulativeArrivals, cumulativeCpu, requested, deployment.specReplicas);
    }
    if (s > 0 && s % policy.syncPeriodSeconds === 0) {
      const snapshotAt = lastMetricsScrape;
      const observation: Observation = {
        specReplicas: deployment.specReplicas,
        statusReplicas: deployment.statusReplicas(t),
        readyReplicas: deployment.readyReplicas(t),
        pods: () => podSnapshots(deployment.pods, t, requests, snapshotAt, resolution),
        prometheus: prometheus.viewAt(t),
      };
      const preparing = policy.prepare?.(observation, t, options.signal);
      if (preparing !== undefined) await preparing;
      const decision = policy.decide(observation, state, t);
      state = decision.state;
      options.onDecision?.(t, decision);
      if (decision.replicas !== deployment.specReplicas) {
        events.push({ timeSeconds: t, from: deployment.specReplicas, to: decision.replicas, reason: decision.reason });
        deployment.scale(decision.replicas, t);
      }
    }
    deployment.prune(t);

    // The second [t, t + 1).
    const pods = deployment.pods;
    let ready = 0;
    let billed = 0;
    for (let i = 0; i < pods.length; i++) {
      const p = pods[i];
      if (p.servesAt(t)) ready++;
      if (p.billedAt(t)) billed++;
    }
    const arrived = arrivals[s];
    const second = serveSecond(queue, arrived, ready);
    const served = second.served;
    record.dropped[m] += second.dropped;
    record.slow[m] += second.slow;
    minuteLatency.add(second);
    const busyCores = ready > 0 ? (served / ready) * pod.cpuSecondsPerRequest : 0;
    let cpu = 0;
    for (let i = 0; i < pods.length; i++) {
      const p = pods[i];
      if (!p.runsAt(t)) continue;
      const used = p.servesAt(t) ? idleCores + busyCores : idleCores;
      p.cpuCoreSeconds += used;
      cpu += used;
    }
    cumulativeArrivals += arrived;
    cumulativeCpu += cpu;
    const needed = Math.max(1, Math.ceil(rate[s] / perPodRate - 1e-9));
    record.arrivals[m] += arrived;
    record.readyPodSeconds[m] += ready;
    record.billedPodSeconds[m] += billed;
    record.cpuCoreSeconds[m] += cpu;
    record.requestedCoreSeconds[m] += billed * requestCores;
    if (billed > needed) record.overPodSeconds[m] += billed - needed;
    if (ready < needed) record.underPodSeconds[m] += needed - ready;

    if (s % 60 === 59 || t === endSeconds - 1) {
      record.specReplicas[m] = deployment.specReplicas;
      record.p95Seconds[m] = minuteLatency.p95();
      minuteLatency.reset();
      if (performance.now() - lastYield > 100) {
        options.signal?.throwIfAborted();
        options.onProgress?.({ doneSeconds: s + 1, totalSeconds });
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
  }
  options.onProgress?.({ doneSeconds: totalSeconds, totalSeconds });
  return {
    policy: policy.name,
    seed: input.seed,
    startSeconds,
    minutes,
    ...record,
    costPerPodHour: cluster.costPerPodHour,
    events,
    wallMilliseconds: performance.now() - started,
    trainingMilliseconds: policy.trainingMilliseconds?.() ?? 0,
  };
}
