import { PodDelayStream, type PodDelays, SimDeployment, type SimPod } from '../cluster.js';
import type { QueueTable } from '../queueing.js';
import { serveSecond } from '../serving.js';
import type { SimulationInput } from '../simulate.js';
import { minuteViolatesSlo, type ServiceLevel } from '../summary.js';
import type { AutoscalingPolicy } from '../types.js';

/*
 * The cost-optimal oracle (docs/simulator.md, "oracle-cost"): the cheapest replica schedule that keeps every
 * minute within the SLO, planned offline with the run's true arrivals and its pods' true delays. Two steps:
 * 1. per minute, the fewest ready pods with which that whole minute holds the SLO (the simulator's own serving
 *    model and verdict);
 * 2. per sync, on a twin of the simulated Deployment: request each pod at the last sync from which it is ready
 *    when the need rises, and release a pod at the first sync of a gap in the need when keeping it through the
 *    gap costs more than its termination plus a replacement's billed start-up.
 */

/** One sync of the schedule: the replicas to set and why. */
export interface ScheduledSync {
  readonly timeSeconds: number;
  readonly replicas: number;
  readonly reason: string;
}

/**
 * The fewest ready pods, within [minReplicas, maxReplicas], that serve each minute of `arrivals` (requests per
 * second, from the period's start) within the SLO when that many pods are ready through the whole minute;
 * maxReplicas where even that breaks it.
 */
export function readyPodsNeededPerMinute(
  arrivals: Float64Array,
  queue: QueueTable,
  slo: ServiceLevel,
  minReplicas: number,
  maxReplicas: number,
): Int32Array {
  const minutes = Math.ceil(arrivals.length / 60);
  const needed = new Int32Array(minutes);
  const holds = (from: number, to: number, ready: number) => {
    let arrived = 0;
    let dropped = 0;
    let slow = 0;
    for (let s = from; s < to; s++) {
      const second = serveSecond(queue, arrivals[s], ready);
      arrived += arrivals[s];
      dropped += second.dropped;
      slow += second.slow;
    }
    return !minuteViolatesSlo(arrived, dropped, slow, slo);
  };
  for (let m = 0; m < minutes; m++) {
    const from = m * 60;
    const to = Math.min(arrivals.length, from + 60);
    let ready = minReplicas;
    while (ready < maxReplicas && !holds(from, to, ready)) ready++;
    needed[m] = ready;
  }
  return needed;
}

/** Seconds from a pod's creation to the first second it serves in (`servesAt`: ready ≤ t). */
const startupSeconds = (d: PodDelays): number => d.schedulingSeconds + d.containerStartSeconds + d.readinessSeconds;

/**
 * The cheapest schedule (see the file comment) for a run: `neededPerMinute[m]` ready pods through minute m
 * (from `readyPodsNeededPerMinute`), decisions every `syncPeriodSeconds` from one period after the start as every
 * policy syncs, the pods' delays from `delays` (the run's own stream: the oracle knows each pod's start-up), and
 * `initialReplicas` ready pods at the start.
 */
export function cheapestSchedule(options: {
  readonly startSeconds: number;
  readonly endSeconds: number;
  readonly syncPeriodSeconds: number;
  readonly neededPerMinute: Int32Array;
  readonly initialReplicas: number;
  readonly maxReplicas: number;
  readonly delays: PodDelayStream;
}): ScheduledSync[] {
  const { startSeconds, endSeconds, syncPeriodSeconds: period, neededPerMinute, delays } = options;
  // The twin receives exactly the simulator's scale calls, so its pods are the run's pods.
  const twin = new SimDeployment('oracle-twin', delays, options.initialReplicas, startSeconds);
  const neededAt = (t: number) => (t >= endSeconds ? 0 : neededPerMinute[Math.floor((t - startSeconds) / 60)]);
  // The latest sync from which a pod with this start-up serves at `t` (−Infinity before the first sync).
  const latestSyncFor = (t: number, startup: number) => {
    const k = Math.floor((t - startup - startSeconds) / period);
    return k >= 1 ? startSeconds + k * period : Number.NEGATIVE_INFINITY;
  };
  const schedule: ScheduledSync[] = [];
  for (let now = startSeconds + period; now < endSeconds; now += period) {
    twin.prune(now);
    const active = twin.activePods();
    // How far ahead a decision now can matter: the slowest of the next pods' start-ups, plus two syncs.
    let slowest = 0;
    for (let j = 0; j < options.maxReplicas; j++) slowest = Math.max(slowest, startupSeconds(delays.peek(j)));
    const window = Math.ceil(slowest) + 2 * period;
    const look: Lookahead = { now, neededAt, window, delays, latestSyncFor, period };
    const decision = scaleUp(look, active) ?? scaleDown(look, active, twin.deletionOrder(now));
    const replicas = decision?.replicas ?? active.length;
    if (replicas !== active.length) twin.scale(replicas, now);
    schedule.push({ timeSeconds: now, replicas, reason: decision?.reason ?? `hold ${replicas}: as needed` });
  }
  return schedule;
}

type NeededAt = (t: number) => number;
type LatestSyncFor = (t: number, startup: number) => number;

/** What the world looks like from one sync: the need, the horizon, the pods to come and the sync grid. */
interface Lookahead {
  readonly now: number;
  readonly neededAt: NeededAt;
  /** Seconds ahead a decision now can matter. */
  readonly window: number;
  readonly delays: PodDelayStream;
  readonly latestSyncFor: LatestSyncFor;
  readonly period: number;
}

/** A pod that must still be created: when it must first serve, and the latest sync it can be created at. */
interface Creation {
  readonly serveFrom: number;
  readonly latestSync: number;
  readonly schedulingSeconds: number;
}

/**
 * The pods the need calls for on top of `pods` (kept as they are) within the window: the j-th must serve from
 * the first second the need exceeds the kept pods by j, with the j-th next pod's delays (pods take their delays in
 * creation order), so it is created at the latest sync its start-up allows and no later than the pod after it.
 */
function creationsNeeded(look: Lookahead, pods: readonly SimPod[]): Creation[] {
  const { now, window, delays } = look;
  // Pods serving at now + i.
  const serving = new Int32Array(window);
  for (const pod of pods) {
    const from = Math.max(0, Math.ceil(pod.readySeconds - now));
    if (from < window) serving[from]++;
  }
  const firstShort: number[] = [];
  let kept = 0;
  for (let i = 0; i < window; i++) {
    kept += serving[i];
    const short = look.neededAt(now + i) - kept;
    while (firstShort.length < short) firstShort.push(now + i);
  }
  const creations: Creation[] = new Array(firstShort.length);
  let latest = Number.POSITIVE_INFINITY;
  for (let j = firstShort.length - 1; j >= 0; j--) {
    const pod = delays.peek(j);
    latest = Math.min(latest, look.latestSyncFor(firstShort[j], startupSeconds(pod)));
    creations[j] = { serveFrom: firstShort[j], latestSync: latest, schedulingSeconds: pod.schedulingSeconds };
  }
  return creations;
}

/** Requests the pods that cannot wait for the next sync. */
function scaleUp(look: Lookahead, active: readonly SimPod[]): { replicas: number; reason: string } | null {
  const creations = creationsNeeded(look, active);
  const create = creations.filter((c) => c.latestSync < look.now + look.period).length;
  if (create === 0) return null;
  const last = creations[create - 1];
  const late = last.latestSync < look.now ? ' (late: the need rises sooner than a pod can start)' : '';
  return {
    replicas: active.length + create,
    reason: `request ${create}: ready when the need rises to ${look.neededAt(last.serveFrom)} at +${last.serveFrom - look.now} s${late}`,
  };
}

/**
 * Releases the k pods the ReplicaSet would delete when that saves the most over the window: a released pod costs
 * its termination, and the pods the need then calls for are billed from their scheduling at their latest sync;
 * a kept pod costs the whole window. Only when every pod is ready (a scale-down would otherwise delete a pending
 * pod first) and only when every pod then needed can still be created at a later sync.
 */
function scaleDown(
  look: Lookahead,
  active: readonly SimPod[],
  deletionOrder: readonly SimPod[],
): { replicas: number; reason: string } | null {
  const { now } = look;
  if (active.some((pod) => pod.readySeconds > now)) return null;
  const end = now + look.window;
  const billedFromScheduling = (creations: readonly Creation[]) =>
    creations.reduce((sum, c) => sum + end - (c.latestSync + c.schedulingSeconds), 0);
  const before = billedFromScheduling(creationsNeeded(look, active));
  let best = 0;
  let bestSaving = 0;
  for (let k = 1; k <= active.length - look.neededAt(now); k++) {
    const victims = deletionOrder.slice(0, k);
    const after = creationsNeeded(look, deletionOrder.slice(k));
    if (after.some((c) => c.latestSync < now + look.period)) break;
    const terminations = victims.reduce((sum, pod) => sum + pod.terminationSeconds, 0);
    const saving = k * look.window - terminations - (billedFromScheduling(after) - before);
    if (saving > bestSaving) {
      best = k;
      bestSaving = saving;
    }
  }
  if (best === 0) return null;
  return {
    replicas: active.length - best,
    reason: `release ${best}: saves ${bestSaving.toFixed(0)} pod-seconds over keeping them for the next ${look.window} s`,
  };
}

/**
 * The cost-optimal oracle as a policy: the schedule is planned when the policy is made, from the run's input
 * (its arrivals, its seed's pod delays), and each sync writes its replicas straight to the Deployment, as a
 * perfect `integration: Direct` would; no HPA in between.
 */
export function costOptimalOraclePolicy(options: {
  readonly name: string;
  readonly input: SimulationInput;
  readonly slo: ServiceLevel;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly syncPeriodSeconds: number;
}): AutoscalingPolicy<null> {
  const { input, syncPeriodSeconds } = options;
  const neededPerMinute = readyPodsNeededPerMinute(
    input.arrivals,
    input.queue,
    options.slo,
    options.minReplicas,
    options.maxReplicas,
  );
  const schedule = cheapestSchedule({
    startSeconds: input.startSeconds,
    endSeconds: input.endSeconds,
    syncPeriodSeconds,
    neededPerMinute,
    initialReplicas: input.initialReplicas,
    maxReplicas: options.maxReplicas,
    delays: PodDelayStream.forSeed(input.cluster.lifecycle, input.seed),
  });
  return {
    name: options.name,
    syncPeriodSeconds,
    initialState: () => null,
    decide(_observation, state, nowSeconds) {
      const sync = schedule[(nowSeconds - input.startSeconds) / syncPeriodSeconds - 1];
      return { replicas: sync.replicas, reason: sync.reason, state };
    },
  };
}
