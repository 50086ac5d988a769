import * as k8s from '@kubernetes/client-node';
import type { Clock } from '../core/index.js';

/**
 * Leader election on a `coordination.k8s.io/v1` Lease, client-go's algorithm and default timings: a candidate
 * takes the Lease when it is free or its holder has not renewed it for `leaseDuration` (15 s); the leader renews it
 * every `retryPeriod` (2 s) and steps down when it could not renew for `renewDeadline` (10 s), before another can
 * take over. As in client-go, expiry is judged on this replica's own clock from when it last saw the Lease record
 * change (not from the holder's renewTime), so clock skew between nodes does not matter. Writes carry the Lease's
 * resourceVersion, so two candidates racing for it cannot both win (409). A leader that stops (SIGTERM: a rollout,
 * a drained node) releases the Lease, so another replica leads within one retry period instead of a lease duration.
 * Only the leader writes status, scale and owned objects; every replica keeps serving the doors.
 */
export interface LeaderElectionOptions {
  readonly kubeConfig: k8s.KubeConfig;
  readonly namespace: string;
  readonly name: string;
  /** This replica's identity (the pod name). */
  readonly identity: string;
  readonly clock: Clock;
  readonly leaseDurationSeconds?: number;
  readonly renewDeadlineSeconds?: number;
  readonly retryPeriodSeconds?: number;
  /** Told when this replica becomes leader (true) and when it stops being leader (false). */
  readonly onLeading: (leading: boolean) => void;
}

export class LeaderElector {
  private leading = false;
  private lastRenewMs = Number.NEGATIVE_INFINITY;
  /** The Lease record last seen (holder and renew time) and when, on our clock, it was first seen. */
  private observedRecord = '';
  private observedAtMs = Number.NEGATIVE_INFINITY;
  private readonly abort = new AbortController();
  private readonly leases: k8s.CoordinationV1Api;
  private running: Promise<void> | null = null;

  constructor(private readonly options: LeaderElectionOptions) {
    this.leases = options.kubeConfig.makeApiClient(k8s.CoordinationV1Api);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Runs the election until `stop`. */
  start(): void {
    this.running ??= this.loop();
  }

  /** Stops campaigning; a leader steps down and releases the Lease, so another replica takes it at its next try. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    if (this.leading) await this.release();
    this.setLeading(false);
  }

  /** Stops without releasing the Lease, as a crashed process would (tests of a leader killed). */
  async abandon(): Promise<void> {
    this.abort.abort();
    await this.running;
    this.setLeading(false);
  }

  /** client-go's release: the holder cleared and a 1 s duration, so no candidate waits for the old lease to expire. */
  private async release(): Promise<void> {
    const { namespace, name, identity, clock } = this.options;
    try {
      const lease = await this.leases.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      const nowMs = clock.nowMs();
      await this.leases.replaceNamespacedLease({
        name,
        namespace,
        body: {
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: '',
            leaseDurationSeconds: 1,
            acquireTime: new k8s.V1MicroTime(nowMs),
            renewTime: new k8s.V1MicroTime(nowMs),
          },
        },
      });
    } catch {
      // The Lease then expires after its duration, as after a crash.
    }
  }

  /** One attempt to take or renew the Lease (what the loop does every retry period); true when holding it after. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, clock } = this.options;
    const nowMs = clock.nowMs();
    const durationSeconds = this.options.leaseDurationSeconds ?? 15;
    const spec = (acquireTime: k8s.V1MicroTime, transitions: number): k8s.V1LeaseSpec => ({
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime,
      renewTime: new k8s.V1MicroTime(nowMs),
      leaseTransitions: transitions,
    });
    let lease: k8s.V1Lease;
    try {
      lease = await this.leases.readNamespacedLease({ name, namespace });
    } catch (error) {
      if ((error as { code?: number }).code !== 404) return false;
      try {
        await this.leases.createNamespacedLease({
          namespace,
          body: { metadata: { name, namespace }, spec: spec(new k8s.V1MicroTime(nowMs), 0) },
        });
        return true;
      } catch {
        return false;
      }
    }
    const holder = lease.spec?.holderIdentity;
    const record = JSON.stringify([holder, lease.spec?.renewTime, lease.spec?.leaseDurationSeconds]);
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedAtMs = nowMs;
    }
    const heldMs = (lease.spec?.leaseDurationSeconds ?? durationSeconds) * 1000;
    const ours = holder === identity;
    if (!ours && holder !== undefined && holder !== '' && this.observedAtMs + heldMs > nowMs) return false;
    const transitions = (lease.spec?.leaseTransitions ?? 0) + (ours ? 0 : 1);
    const acquireTime =
      ours && lease.spec?.acquireTime !== undefined ? lease.spec.acquireTime : new k8s.V1MicroTime(nowMs);
    try {
      await this.leases.replaceNamespacedLease({
        name,
        namespace,
        body: { ...lease, spec: spec(acquireTime as k8s.V1MicroTime, transitions) },
      });
      return true;
    } catch {
      // 409: someone else wrote the Lease first.
      return false;
    }
  }

  private async loop(): Promise<void> {
    const retryMs = (this.options.retryPeriodSeconds ?? 2) * 1000;
    const deadlineMs = (this.options.renewDeadlineSeconds ?? 10) * 1000;
    while (!this.abort.signal.aborted) {
      const held = await this.tryAcquireOrRenew();
      const nowMs = this.options.clock.nowMs();
      if (held) this.lastRenewMs = nowMs;
      // A leader that cannot renew steps down before its Lease could be taken: renewDeadline < leaseDuration.
      this.setLeading(held || (this.leading && nowMs - this.lastRenewMs < deadlineMs));
      try {
        await this.options.clock.sleep(retryMs, this.abort.signal);
      } catch {
        return;
      }
    }
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.options.onLeading(leading);
  }
}
