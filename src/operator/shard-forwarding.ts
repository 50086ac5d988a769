import type { Clock } from '../core/index.js';
import type { RemoteDecision, RemoteDecisions, ScalingDecision } from '../executor/index.js';

/** What forwarding needs of the membership: who owns a key, and where that member's API listens. */
export interface ShardDirectory {
  ownerOf(key: string): string | null;
  addressOf(member: string): string | null;
}

export interface ShardForwardingOptions {
  readonly directory: ShardDirectory;
  /** This replica's member name: what it owns it answers itself. */
  readonly self: string;
  /** Every resource of a namespace the controller knows (`namespace/name`), whoever owns it. */
  readonly resourceKeys: (namespace: string) => readonly string[];
  readonly clock: Clock;
  /** How long a door waits for the owner before answering without it (default 1 s). */
  readonly timeoutMs?: number;
}

/** A door's name (its Publisher's) → the `integration` of the workloads it serves. */
const INTEGRATION_OF_DOOR: Record<string, string> = { keda: 'KEDA', 'external-metrics': 'HPA' };

/**
 * The doors' way to workloads other replicas own (sharding): the owner's published decision is read from its HTTP
 * API, `GET /v1/workloads/:name?namespace=` (the same status `prescale` users read), at the address its member
 * Lease publishes, with a short timeout. Plain HTTP inside the cluster, as the API already is.
 */
export class ShardForwarding implements RemoteDecisions {
  constructor(private readonly options: ShardForwardingOptions) {}

  /** Every resource of the namespace, whoever owns it: a door selects among them first, then asks their owners. */
  workloadsIn(namespace: string): string[] {
    return this.options.resourceKeys(namespace).map((key) => key.slice(namespace.length + 1));
  }

  async decision(door: string, namespace: string, workload: string): Promise<RemoteDecision> {
    const { directory, self, clock } = this.options;
    const owner = directory.ownerOf(`${namespace}/${workload}`);
    if (owner === null || owner === self) return 'unknown';
    const address = directory.addressOf(owner);
    if (address === null) return 'unreachable';
    const abort = new AbortController();
    // The clock's sleep, not a timer of its own: tests drive the timeout on their clock.
    clock.sleep(this.options.timeoutMs ?? 1000, abort.signal).then(
      () => abort.abort(),
      () => undefined,
    );
    try {
      const response = await fetch(
        `http://${address}/v1/workloads/${encodeURIComponent(workload)}?namespace=${encodeURIComponent(namespace)}`,
        { signal: abort.signal },
      );
      // 404: the owner does not run it (yet: it has just taken it over, or the resource is invalid).
      if (response.status === 404) return 'unknown';
      if (!response.ok) return 'unreachable';
      const status = (await response.json()) as { integration?: string; published?: ScalingDecision };
      if (status.published === undefined) return 'unreachable';
      return status.integration === INTEGRATION_OF_DOOR[door] ? status.published : 'unknown';
    } catch {
      return 'unreachable';
    } finally {
      abort.abort();
    }
  }
}
