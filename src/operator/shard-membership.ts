import * as k8s from '@kubernetes/client-node';
import type { Clock } from '../core/index.js';
import { shardOwner } from './shard-assignment.js';

/**
 * Sharding's membership: each replica holds its own Lease `prescale-member-<pod>` (labelled, so the replicas list
 * each other's) and renews it as the leader renews the leader Lease (client-go's timings: 15 s lease, every 2 s).
 * A member is live while its Lease has a holder and has changed within its duration, judged as the leader elector
 * does: on the observer's own clock, from when it saw the record change, so clock skew does not matter. The
 * Lease also publishes the member's API address (an annotation), where the others forward door requests.
 *
 * Self-fencing: a replica counts itself a member only while its last successful renewal *and* listing is younger
 * than the renew deadline (10 s), shorter than the lease duration the others wait out, so it stops owning before
 * anyone else can take its share. A newcomer owns nothing for its first two retry periods, so every other member
 * has listed its Lease and let go of the keys it takes. Views of the member set therefore converge within one
 * retry period and, across a change, a key is at worst briefly owned by nobody, never by two.
 */
export interface ShardMembershipOptions {
  readonly kubeConfig: k8s.KubeConfig;
  readonly namespace: string;
  /** The pod name: the stable member name the keys are hashed over, and the Lease's suffix. */
  readonly podName: string;
  /** This process (pod name and a unique suffix): a restarted pod is a new holder. */
  readonly identity: string;
  /** `host:port` of this replica's HTTP API, where the others forward door requests for workloads it owns. */
  readonly address: string;
  readonly clock: Clock;
  readonly leaseDurationSeconds?: number;
  readonly renewDeadlineSeconds?: number;
  readonly retryPeriodSeconds?: number;
  /** Told when the live member set (as this replica sees it) changes: the owners of keys may have changed. */
  readonly onMembersChanged: (members: readonly string[]) => void;
  readonly log?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
}

/** The label every member Lease carries (the replicas list by it). */
export const MEMBER_LABEL = 'autoscaler.ml.dev/shard-member';
/** The annotation with the member's API address. */
export const ADDRESS_ANNOTATION = 'autoscaler.ml.dev/api-address';
const LEASE_PREFIX = 'prescale-member-';

interface ObservedLease {
  readonly record: string;
  readonly observedAtMs: number;
  readonly holder: string;
  readonly durationMs: number;
  readonly address: string | null;
}

export class ShardMembership {
  private readonly leases: k8s.CoordinationV1Api;
  private readonly observed = new Map<string, ObservedLease>();
  /** When renewing our Lease and listing the others last both succeeded; our membership is fenced on it. */
  private lastSeenAllMs = Number.NEGATIVE_INFINITY;
  private joinedAtMs: number | null = null;
  private lastMembers = '';
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;

  constructor(private readonly options: ShardMembershipOptions) {
    this.leases = options.kubeConfig.makeApiClient(k8s.CoordinationV1Api);
  }

  /** Renews and observes every retry period until `stop`. */
  start(): void {
    this.running ??= this.loop();
  }

  /** Leaves: stops renewing and releases the Lease, so the others take the share at their next try. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    // No longer a member here either, so nothing written after this point is ours to write.
    this.lastSeenAllMs = Number.NEGATIVE_INFINITY;
    await this.release();
  }

  /** Stops without releasing, as a crashed process would (tests of a replica killed). */
  async abandon(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  /** The live members as this replica sees them now (pod names, sorted); itself only while fenced in and joined. */
  members(): string[] {
    const nowMs = this.options.clock.nowMs();
    const { podName } = this.options;
    const live = [...this.observed.entries()]
      .filter(
        ([name, lease]) => name !== podName && lease.holder !== '' && lease.observedAtMs + lease.durationMs > nowMs,
      )
      .map(([name]) => name);
    if (this.isMember(nowMs)) live.push(podName);
    return live.sort();
  }

  /** The member that owns `key` (`namespace/name`) as this replica sees it; null when none is live. */
  ownerOf(key: string): string | null {
    return shardOwner(key, this.members());
  }

  /** Whether this replica owns `key` now: it serves, trains and writes status only for such keys. */
  owns(key: string): boolean {
    return this.ownerOf(key) === this.options.podName;
  }

  /** The API address a member published; null when unknown. */
  addressOf(member: string): string | null {
    return this.observed.get(member)?.address ?? null;
  }

  /** One round (what the loop does every retry period): renew our Lease, list the members, report a change. */
  async renewAndObserve(): Promise<void> {
    const renewed = await this.renew();
    const listed = renewed && (await this.observe());
    const nowMs = this.options.clock.nowMs();
    if (renewed && listed) {
      // First success, or the first after being fenced out: join afresh, so the others let go first.
      if (nowMs - this.lastSeenAllMs >= this.renewDeadlineMs()) this.joinedAtMs = nowMs;
      this.lastSeenAllMs = nowMs;
    }
    const members = this.members();
    const signature = members.join(',');
    if (signature === this.lastMembers) return;
    this.lastMembers = signature;
    this.options.log?.('info', 'shard members changed', { members });
    this.options.onMembersChanged(members);
  }

  private isMember(nowMs: number): boolean {
    const joinMs = 2 * this.retryMs();
    return (
      nowMs - this.lastSeenAllMs < this.renewDeadlineMs() &&
      this.joinedAtMs !== null &&
      nowMs - this.joinedAtMs >= joinMs
    );
  }

  private renewDeadlineMs(): number {
    return (this.options.renewDeadlineSeconds ?? 10) * 1000;
  }

  private retryMs(): number {
    return (this.options.retryPeriodSeconds ?? 2) * 1000;
  }

  private leaseBody(nowMs: number, existing?: k8s.V1Lease): k8s.V1Lease {
    const { namespace, podName, identity, address } = this.options;
    const ours = existing?.spec?.holderIdentity === identity;
    return {
      ...existing,
      metadata: {
        ...existing?.metadata,
        name: LEASE_PREFIX + podName,
        namespace,
        labels: { ...existing?.metadata?.labels, [MEMBER_LABEL]: 'true' },
        annotations: { ...existing?.metadata?.annotations, [ADDRESS_ANNOTATION]: address },
      },
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: this.options.leaseDurationSeconds ?? 15,
        acquireTime:
          ours && existing?.spec?.acquireTime !== undefined ? existing.spec.acquireTime : new k8s.V1MicroTime(nowMs),
        renewTime: new k8s.V1MicroTime(nowMs),
        leaseTransitions: (existing?.spec?.leaseTransitions ?? 0) + (existing === undefined || ours ? 0 : 1),
      },
    };
  }

  /** Creates or renews our Lease (a pod's earlier process, if any, is dead: the StatefulSet runs one per name). */
  private async renew(): Promise<boolean> {
    const { namespace, podName, clock } = this.options;
    const name = LEASE_PREFIX + podName;
    try {
      let existing: k8s.V1Lease;
      try {
        existing = await this.leases.readNamespacedLease({ name, namespace });
      } catch (error) {
        if ((error as { code?: number }).code !== 404) throw error;
        await this.leases.createNamespacedLease({ namespace, body: this.leaseBody(clock.nowMs()) });
        return true;
      }
      // The write carries the read's resourceVersion: a conflicting writer makes it fail (409) rather than be lost.
      await this.leases.replaceNamespacedLease({ name, namespace, body: this.leaseBody(clock.nowMs(), existing) });
      return true;
    } catch (error) {
      this.options.log?.('warn', 'member lease not renewed', { lease: name, error: String(error) });
      return false;
    }
  }

  /** Lists the member Leases and notes, on our clock, when each record last changed. */
  private async observe(): Promise<boolean> {
    const { namespace, clock } = this.options;
    let list: k8s.V1LeaseList;
    try {
      list = await this.leases.listNamespacedLease({ namespace, labelSelector: `${MEMBER_LABEL}=true` });
    } catch (error) {
      this.options.log?.('warn', 'member leases not listed', { error: String(error) });
      return false;
    }
    const nowMs = clock.nowMs();
    const seen = new Set<string>();
    for (const lease of list.items) {
      const leaseName = lease.metadata?.name ?? '';
      if (!leaseName.startsWith(LEASE_PREFIX)) continue;
      const member = leaseName.slice(LEASE_PREFIX.length);
      seen.add(member);
      const spec = lease.spec ?? {};
      const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.leaseDurationSeconds]);
      const previous = this.observed.get(member);
      this.observed.set(member, {
        record,
        observedAtMs: previous?.record === record ? previous.observedAtMs : nowMs,
        holder: spec.holderIdentity ?? '',
        durationMs: (spec.leaseDurationSeconds ?? 15) * 1000,
        address: lease.metadata?.annotations?.[ADDRESS_ANNOTATION] ?? null,
      });
    }
    // A deleted Lease is a member gone.
    for (const member of this.observed.keys()) if (!seen.has(member)) this.observed.delete(member);
    return true;
  }

  /** client-go's release: the holder cleared and a 1 s duration, so the others drop us at their next list. */
  private async release(): Promise<void> {
    const { namespace, podName, identity, clock } = this.options;
    const name = LEASE_PREFIX + podName;
    try {
      const lease = await this.leases.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      const body = this.leaseBody(clock.nowMs(), lease);
      await this.leases.replaceNamespacedLease({
        name,
        namespace,
        body: { ...body, spec: { ...body.spec, holderIdentity: '', leaseDurationSeconds: 1 } },
      });
    } catch {
      // The Lease then expires after its duration, as after a crash.
    }
  }

  private async loop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      await this.renewAndObserve();
      try {
        await this.options.clock.sleep(this.retryMs(), this.abort.signal);
      } catch {
        return;
      }
    }
  }
}
