import { PriorityHeap } from './priority-heap.js';
import type { PodServiceModel } from './queueing.js';
import type { Random } from './random.js';

/** Per-minute outcome of serving requests one by one. */
export interface RequestLevelMinutes {
  readonly arrivals: Float64Array;
  readonly dropped: Float64Array;
  /** Admitted requests slower than the SLO latency. */
  readonly slow: Float64Array;
  /** 95th percentile of the admitted requests' time in the pod, seconds (NaN when none). */
  readonly p95Seconds: Float64Array;
}

/** Event times, earliest first. */
const byTime = (a: number, b: number): number => a - b;

/** One pod served request by request: c workers, FCFS, at most K requests inside. */
class PodQueue {
  /** When each worker is next free. */
  private readonly workersFree = new PriorityHeap<number>(byTime);
  /** Departure times of the requests inside (in service or waiting). */
  private readonly inside = new PriorityHeap<number>(byTime);

  constructor(private readonly model: PodServiceModel) {
    for (let i = 0; i < model.concurrency; i++) this.workersFree.push(0);
  }

  /** Serves a request arriving at `t`: its time in the pod, or null when the pod is full and drops it. */
  arrive(t: number, random: Random): number | null {
    while (this.inside.size > 0 && this.inside.peek()! <= t) this.inside.pop();
    if (this.inside.size >= this.model.queueLimit) return null;
    // Never empty: a departure is pushed back for every worker popped.
    const start = Math.max(t, this.workersFree.pop()!);
    const departure = start + random.exponential(this.model.serviceTimeSeconds);
    this.workersFree.push(departure);
    this.inside.push(departure);
    return departure - t;
  }
}

/**
 * The check on the queueing model (docs/simulator.md): serves a request stream one request at a time.
 * Second s brings Poisson(rate[s]) requests at uniform times within it; each goes to a ready pod picked
 * at random (kube-proxy's choice); pods keep their queues from second to second. `readyPods[s]` pods are
 * ready in second s (pods beyond that count get no new requests but finish what they hold).
 */
export function simulateRequests(options: {
  readonly model: PodServiceModel;
  readonly ratePerSecond: Float64Array;
  readonly readyPods: Int32Array;
  readonly sloSeconds: number;
  readonly random: Random;
}): RequestLevelMinutes {
  const { model, ratePerSecond, readyPods, random } = options;
  const seconds = ratePerSecond.length;
  const minutes = Math.ceil(seconds / 60);
  const out = {
    arrivals: new Float64Array(minutes),
    dropped: new Float64Array(minutes),
    slow: new Float64Array(minutes),
    p95Seconds: new Float64Array(minutes).fill(Number.NaN),
  };
  const pods: PodQueue[] = [];
  let latencies: number[] = [];
  const times: number[] = [];
  for (let s = 0; s < seconds; s++) {
    const m = Math.floor(s / 60);
    const ready = readyPods[s];
    while (pods.length < ready) pods.push(new PodQueue(model));
    const count = random.poisson(ratePerSecond[s]);
    times.length = 0;
    for (let i = 0; i < count; i++) times.push(s + random.next());
    times.sort((a, b) => a - b);
    out.arrivals[m] += count;
    for (const t of times) {
      if (ready <= 0) {
        out.dropped[m]++;
        continue;
      }
      const latency = pods[Math.floor(random.next() * ready)].arrive(t, random);
      if (latency === null) {
        out.dropped[m]++;
      } else {
        latencies.push(latency);
        if (latency > options.sloSeconds) out.slow[m]++;
      }
    }
    if (s % 60 === 59 || s === seconds - 1) {
      if (latencies.length > 0) {
        const sorted = Float64Array.from(latencies).sort();
        out.p95Seconds[m] = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)];
      }
      latencies = [];
    }
  }
  return out;
}
