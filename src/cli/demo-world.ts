import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import type { RawSeries } from '../core/index.js';
import { PodDelayStream, type PodLifecycle, SimDeployment } from '../simulator/cluster.js';

/**
 * The PromQL `prescale demo` reads its workload with: written once, used by the service's config and by the
 * embedded Prometheus, which answers exactly these.
 */
export const DEMO_QUERIES = {
  requests: 'sum(rate(demo_http_requests_total[5s]))',
  cpu: 'sum(rate(demo_cpu_seconds_total[5s]))',
  replicas: 'sum(kube_deployment_spec_replicas{deployment="demo"})',
} as const;

/** Load one demo pod serves at its target (the workload's `capacity.perPod`), requests per second. */
export const DEMO_CAPACITY_PER_POD = 25;
/** Above this a pod drops the excess (what an overloaded pod's ingress counts as errors). */
const MAX_REQUESTS_PER_POD_SECOND = 40;
/** A request's CPU time and an idle pod's CPU, so `cpu` follows the load as a real service's does. */
const CPU_SECONDS_PER_REQUEST = 0.004;
const IDLE_CPU_CORES = 0.01;
/** Pods start in seconds of real time: minutes of trace time at the default speed, as pods start in a cluster. */
const DEMO_POD_LIFECYCLE: PodLifecycle = {
  scheduling: { distribution: 'constant', seconds: 0.5 },
  containerStart: { distribution: 'lognormal', medianSeconds: 2, sigma: 0.3 },
  readiness: { distribution: 'constant', seconds: 1 },
  termination: { distribution: 'constant', seconds: 1 },
};

/**
 * A per-minute request-count trace replayed in real time, `speed` trace minutes per real minute, from
 * `traceStartSeconds` (wrapping at the end). A trace minute's count becomes requests per second, whatever the
 * speed, so the demo needs the same pods at every speed. Between minutes the rate is interpolated.
 */
export class TraceReplay {
  private readonly spanSeconds: number;

  constructor(
    private readonly trace: RawSeries,
    private readonly traceStartSeconds: number,
    private readonly speed: number,
    private readonly startedSeconds: number,
  ) {
    const times = trace.timestampsSeconds;
    this.spanSeconds = times[times.length - 1] - times[0];
  }

  /** Requests per second at real time `nowSeconds`. */
  ratePerSecond(nowSeconds: number): number {
    const times = this.trace.timestampsSeconds;
    const values = this.trace.values;
    const offset = this.traceStartSeconds - times[0] + (nowSeconds - this.startedSeconds) * this.speed;
    const t = times[0] + (((offset % this.spanSeconds) + this.spanSeconds) % this.spanSeconds);
    let low = 0;
    let high = times.length - 1;
    while (high - low > 1) {
      const mid = (low + high) >> 1;
      if (times[mid] <= t) low = mid;
      else high = mid;
    }
    const fraction = (t - times[low]) / (times[high] - times[low]);
    return values[low] + (values[high] - values[low]) * Math.min(1, Math.max(0, fraction));
  }
}

/** What a scrape of the demo service reads: cumulative counters and the Deployment's replicas. */
export interface DemoSample {
  readonly requests: number;
  readonly cpuSeconds: number;
  readonly specReplicas: number;
}

/**
 * The demo's workload: a service taking the replayed load, and the simulated Deployment it runs on (the
 * simulator's pods, with start-up and shutdown delays). `advance` moves it to a real moment: requests arrive at
 * the replayed rate, ready pods serve up to their limit, the rest are dropped. `scaleTo` is the HPA's write of
 * `spec.replicas`. Its `/metrics` is what Prometheus scrapes.
 */
export class DemoWorld {
  readonly registry = new Registry();
  private readonly deployment: SimDeployment;
  private lastSeconds: number;
  private total: DemoSample;
  private readonly requests: Counter;
  private readonly dropped: Counter;
  private readonly cpu: Counter;
  private readonly specReplicas: Gauge;
  private readonly readyReplicas: Gauge;

  constructor(
    private readonly replay: TraceReplay,
    startSeconds: number,
    initialReplicas: number,
    seed = 1,
  ) {
    this.deployment = new SimDeployment(
      'demo',
      PodDelayStream.forSeed(DEMO_POD_LIFECYCLE, seed),
      initialReplicas,
      startSeconds,
    );
    this.lastSeconds = startSeconds;
    this.total = { requests: 0, cpuSeconds: 0, specReplicas: initialReplicas };
    const registers = [this.registry];
    this.requests = new Counter({ name: 'demo_http_requests_total', help: 'Requests that arrived', registers });
    this.dropped = new Counter({
      name: 'demo_http_requests_dropped_total',
      help: 'Requests dropped for want of ready pods',
      registers,
    });
    this.cpu = new Counter({ name: 'demo_cpu_seconds_total', help: 'CPU time of the pods', registers });
    const labelNames = ['namespace', 'deployment'] as const;
    this.specReplicas = new Gauge({
      name: 'kube_deployment_spec_replicas',
      help: 'spec.replicas of the simulated Deployment (as kube-state-metrics names it)',
      labelNames,
      registers,
    });
    this.readyReplicas = new Gauge({
      name: 'kube_deployment_status_replicas_ready',
      help: 'Ready pods of the simulated Deployment (as kube-state-metrics names it)',
      labelNames,
      registers,
    });
    this.setReplicaGauges(startSeconds);
  }

  advance(nowSeconds: number): void {
    const seconds = nowSeconds - this.lastSeconds;
    if (seconds <= 0) return;
    const arrived = this.replay.ratePerSecond(nowSeconds) * seconds;
    const ready = this.deployment.readyReplicas(nowSeconds);
    const served = Math.min(arrived, ready * MAX_REQUESTS_PER_POD_SECOND * seconds);
    const running = this.deployment.pods.filter((pod) => pod.runsAt(nowSeconds)).length;
    const cpuSeconds = served * CPU_SECONDS_PER_REQUEST + running * IDLE_CPU_CORES * seconds;
    this.requests.inc(arrived);
    this.dropped.inc(arrived - served);
    this.cpu.inc(cpuSeconds);
    this.total = {
      requests: this.total.requests + arrived,
      cpuSeconds: this.total.cpuSeconds + cpuSeconds,
      specReplicas: this.deployment.specReplicas,
    };
    this.deployment.prune(nowSeconds);
    this.setReplicaGauges(nowSeconds);
    this.lastSeconds = nowSeconds;
  }

  /** The HPA's write: `spec.replicas` = `replicas` (pods start or stop with their delays). */
  scaleTo(replicas: number, nowSeconds: number): void {
    if (replicas === this.deployment.specReplicas) return;
    this.deployment.scale(replicas, nowSeconds);
    this.total = { ...this.total, specReplicas: replicas };
    this.setReplicaGauges(nowSeconds);
  }

  /** The counters and replicas now: what the embedded Prometheus scrapes without going through HTTP. */
  sample(): DemoSample {
    return this.total;
  }

  /** Serves `/metrics` (port 0: any free port). */
  async listen(host = '127.0.0.1', port = 0): Promise<{ readonly port: number; close(): Promise<void> }> {
    const server: Server = createServer(async (request, response) => {
      if (request.url !== '/metrics') {
        response.statusCode = 404;
        response.end('the demo service serves /metrics\n');
        return;
      }
      response.setHeader('content-type', this.registry.contentType);
      response.end(await this.registry.metrics());
    });
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    const address = server.address();
    return {
      port: typeof address === 'object' && address !== null ? address.port : port,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  }

  private setReplicaGauges(nowSeconds: number): void {
    const labels = { namespace: 'demo', deployment: 'demo' };
    this.specReplicas.set(labels, this.deployment.specReplicas);
    this.readyReplicas.set(labels, this.deployment.readyReplicas(nowSeconds));
  }
}
