import { type DelayDistribution, sampleDelay } from './distributions.js';
import { createRandom, type Random } from './random.js';

/** How a pod comes up and goes away: each stage's delay is drawn per pod when it is created. */
export interface PodLifecycle {
  /** Creation → bound to a node (`status.startTime` is set then; the pod is billed from here). */
  readonly scheduling: DelayDistribution;
  /** Bound → container running: image pull and process start (phase Pending until then). */
  readonly containerStart: DelayDistribution;
  /** Running → Ready: warm-up until the readiness probe first succeeds; traffic only from here. */
  readonly readiness: DelayDistribution;
  /** deletionTimestamp → gone: graceful shutdown; out of the endpoints at once, billed until gone. */
  readonly termination: DelayDistribution;
}

/** One created pod's delays, seconds: creation → scheduled → running → ready, and deletion → gone. */
export interface PodDelays {
  readonly schedulingSeconds: number;
  readonly containerStartSeconds: number;
  readonly readinessSeconds: number;
  readonly terminationSeconds: number;
}

/**
 * The pods' delays of one run in creation order: the k-th pod created draws the k-th delays whenever it is
 * created, so the sequence is fixed by the seed. `peek` reads ahead without changing what `next` returns,
 * which is how the cost-optimal oracle knows each pod's start-up (it has perfect foresight of the run).
 */
export class PodDelayStream {
  private readonly ahead: PodDelays[] = [];

  constructor(
    private readonly lifecycle: PodLifecycle,
    private readonly random: Random,
  ) {}

  /** The stream of run `seed` (the simulator's `pods` random stream). */
  static forSeed(lifecycle: PodLifecycle, seed: number): PodDelayStream {
    return new PodDelayStream(lifecycle, createRandom(seed, 'pods'));
  }

  /** A pod that exists before the run: only its termination is drawn (before any created pod's delays). */
  initialTerminationSeconds(): number {
    if (this.ahead.length > 0) throw new Error('PodDelayStream: initial pods must be drawn before peeking ahead');
    return sampleDelay(this.lifecycle.termination, this.random);
  }

  /** The delays of the pod created next, consumed. */
  next(): PodDelays {
    return this.ahead.shift() ?? this.draw();
  }

  /** The delays of the pod created `index` creations from now (0: the next), not consumed. */
  peek(index: number): PodDelays {
    while (this.ahead.length <= index) this.ahead.push(this.draw());
    return this.ahead[index];
  }

  private draw(): PodDelays {
    // The order of the draws is part of the seed's meaning: scheduling, container start, readiness, termination.
    const schedulingSeconds = sampleDelay(this.lifecycle.scheduling, this.random);
    const containerStartSeconds = sampleDelay(this.lifecycle.containerStart, this.random);
    const readinessSeconds = sampleDelay(this.lifecycle.readiness, this.random);
    const terminationSeconds = sampleDelay(this.lifecycle.termination, this.random);
    return { schedulingSeconds, containerStartSeconds, readinessSeconds, terminationSeconds };
  }
}

/**
 * One pod of the simulated Deployment. Times are seconds on the simulation clock; a stage not reached yet
 * holds +Infinity. Mutable counters are updated by the simulator each second (CPU) and at scrapes.
 */
export class SimPod {
  /** `deletionTimestamp`; +Infinity while the pod is not being deleted. */
  deletedSeconds = Number.POSITIVE_INFINITY;
  /** When the pod stops existing (and stops costing); +Infinity until it is deleted. */
  goneSeconds = Number.POSITIVE_INFINITY;
  /** CPU used since the container started, core-seconds (the kubelet's cumulative counter). */
  cpuCoreSeconds = 0;
  /** The pod's last two metrics-server scrapes: times and cumulative CPU (NaN when none). */
  lastScrapeSeconds = Number.NaN;
  lastScrapeCpu = 0;
  previousScrapeSeconds = Number.NaN;
  previousScrapeCpu = 0;

  constructor(
    readonly name: string,
    readonly createdSeconds: number,
    /** Bound to a node; `status.startTime`. */
    readonly scheduledSeconds: number,
    /** Container running (phase Running). */
    readonly runningSeconds: number,
    /** Ready condition True; receives traffic. */
    readonly readySeconds: number,
    /** Drawn at creation so a pod's draws do not depend on when it is deleted. */
    readonly terminationSeconds: number,
  ) {}

  /** Receives traffic during the second starting at `t`. */
  servesAt(t: number): boolean {
    return this.readySeconds <= t && this.deletedSeconds > t;
  }

  /** The container runs (uses CPU) during the second starting at `t`. */
  runsAt(t: number): boolean {
    return this.runningSeconds <= t && this.goneSeconds > t;
  }

  /** Holds its requests on a node (and is billed) during the second starting at `t`. */
  billedAt(t: number): boolean {
    return this.scheduledSeconds <= t && this.goneSeconds > t;
  }
}

/**
 * The Deployment (and its ReplicaSet) the autoscalers scale: `spec.replicas`, the pods that exist, and the
 * ReplicaSet controller's choice of which pods to delete on a scale-down.
 */
export class SimDeployment {
  specReplicas: number;
  /** Pods that still exist (including terminating ones until they are gone). */
  pods: SimPod[] = [];
  private created = 0;

  constructor(
    readonly name: string,
    private readonly delays: PodDelayStream,
    initialReplicas: number,
    startSeconds: number,
  ) {
    this.specReplicas = initialReplicas;
    // The initial pods have been up for a long time: ready and past the HPA's CPU initialization period.
    for (let i = 0; i < initialReplicas; i++) {
      const born = startSeconds - 3600;
      this.pods.push(this.newPod(born, born, born, born, delays.initialTerminationSeconds()));
    }
  }

  private newPod(created: number, scheduled: number, running: number, ready: number, termination: number): SimPod {
    this.created++;
    return new SimPod(`${this.name}-${this.created}`, created, scheduled, running, ready, termination);
  }

  /** Pods not being deleted: what `status.replicas` counts. */
  activePods(): SimPod[] {
    return this.pods.filter((pod) => pod.deletedSeconds === Number.POSITIVE_INFINITY);
  }

  /** `status.replicas` at `t`: pods that exist and are not terminating. */
  statusReplicas(t: number): number {
    let n = 0;
    for (const pod of this.pods) if (pod.deletedSeconds > t) n++;
    return n;
  }

  /** `status.readyReplicas` at `t`. */
  readyReplicas(t: number): number {
    let n = 0;
    for (const pod of this.pods) if (pod.servesAt(t)) n++;
    return n;
  }

  /**
   * Sets `spec.replicas` at `t`; the ReplicaSet creates the missing pods at once (their delays drawn now)
   * or marks the surplus for deletion in the ReplicaSet controller's order (`getPodsToDelete`): unscheduled,
   * then pending, then not ready, then ready pods that became ready most recently; newest first within a rank.
   */
  scale(replicas: number, t: number): void {
    this.specReplicas = replicas;
    const active = this.activePods();
    if (replicas > active.length) {
      for (let i = active.length; i < replicas; i++) {
        const delays = this.delays.next();
        const scheduled = t + delays.schedulingSeconds;
        const running = scheduled + delays.containerStartSeconds;
        const ready = running + delays.readinessSeconds;
        this.pods.push(this.newPod(t, scheduled, running, ready, delays.terminationSeconds));
      }
    } else if (replicas < active.length) {
      for (const pod of this.deletionOrder(t).slice(0, active.length - replicas)) {
        pod.deletedSeconds = t;
        // A container that never started goes at once; a running one shuts down gracefully.
        pod.goneSeconds = pod.runningSeconds <= t ? t + pod.terminationSeconds : t;
      }
    }
  }

  /** The active pods in the order a scale-down at `t` deletes them (`getPodsToDelete`). */
  deletionOrder(t: number): SimPod[] {
    return this.activePods().sort(
      (a, b) => deletionRank(a, t) - deletionRank(b, t) || deletionOrderWithinRank(a, b, t),
    );
  }

  /** Drops pods that are gone by `t`. */
  prune(t: number): void {
    if (this.pods.some((pod) => pod.goneSeconds <= t)) this.pods = this.pods.filter((pod) => pod.goneSeconds > t);
  }
}

/** The ReplicaSet's deletion rank at `t`: lower is deleted first. */
function deletionRank(pod: SimPod, t: number): number {
  if (pod.scheduledSeconds > t) return 0;
  if (pod.runningSeconds > t) return 1;
  if (pod.readySeconds > t) return 2;
  return 3;
}

/** Within a rank: ready pods that became ready later go first, then newer pods first. */
function deletionOrderWithinRank(a: SimPod, b: SimPod, t: number): number {
  if (a.readySeconds <= t && b.readySeconds <= t && a.readySeconds !== b.readySeconds) {
    return b.readySeconds - a.readySeconds;
  }
  return b.createdSeconds - a.createdSeconds;
}
