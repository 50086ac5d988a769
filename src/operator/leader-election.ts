import * as k8s from '@kubernetes/client-node';
import type { Clock } from '../core/index.js';

/**
 * Leader election on a `coordination.k8s.io/v1` Lease, client-go's algorithm and default timings: a candidate
 * takes the Lease when it is free or its holder has not renewed it for `leaseDuration` (15 s); the leader renews it
 * every `retryPeriod` (2 s) and steps down when it could not renew for `renewDeadline` (10 s), before another can
 * take over. Writes carry the Lease's resourceVersion, so two candidates racing for it cannot both win (409).
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

  /** Stops campaigning; a leader steps down (the Lease expires for the others after leaseDuration). */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    this.setLeading(false);
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
    const renewedMs =
      lease.spec?.renewTime === undefined ? Number.NEGATIVE_INFINITY : new Date(lease.spec.renewTime).getTime();
    const heldMs = (lease.spec?.leaseDurationSeconds ?? durationSeconds) * 1000;
    const ours = holder === identity;
    if (!ours && holder !== undefined && holder !== '' && renewedMs + heldMs > nowMs) return false;
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
