import { deepClone, type JsonObject } from './patch.js';

/** A change as a watch sees it; `previous` lets a selector-filtered watch turn MODIFIED into ADDED/DELETED. */
export interface StoredEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly resource: string;
  readonly revision: number;
  readonly object: JsonObject;
  readonly previous?: JsonObject;
}

/** Receives every committed change (open watches). */
export type ChangeListener = (event: StoredEvent) => void;

function metadataOf(object: JsonObject): JsonObject {
  return object.metadata as JsonObject;
}

/**
 * All objects in memory, keyed by resource (`group/plural`, version-independent), namespace and name, with
 * one cluster-wide revision counter (etcd's) stamped on every committed write as `metadata.resourceVersion`,
 * and a bounded history of changes so a watch can resume from a revision — or get 410 when it is too old.
 */
export class ObjectStore {
  private revision = 0;
  /** Changes with a revision at or below this are gone from history. */
  private compactedRevision = 0;
  private readonly objects = new Map<string, JsonObject>();
  private history: StoredEvent[] = [];
  private readonly listeners = new Set<ChangeListener>();

  constructor(private readonly historyLimit: number) {}

  get currentRevision(): number {
    return this.revision;
  }

  get oldestResumableRevision(): number {
    return this.compactedRevision;
  }

  private key(resource: string, namespace: string | undefined, name: string): string {
    return `${resource}|${namespace ?? ''}|${name}`;
  }

  get(resource: string, namespace: string | undefined, name: string): JsonObject | undefined {
    const object = this.objects.get(this.key(resource, namespace, name));
    return object === undefined ? undefined : deepClone(object);
  }

  /** Objects of a resource (in one namespace, or all), ordered by namespace and name like etcd keys. */
  list(resource: string, namespace?: string): JsonObject[] {
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(`${resource}|${namespace === undefined ? '' : `${namespace}|`}`))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, object]) => deepClone(object));
  }

  /** Every stored object with its resource, for garbage collection and namespace deletion. */
  entries(): { resource: string; object: JsonObject }[] {
    return [...this.objects.entries()].map(([key, object]) => ({
      resource: key.split('|')[0],
      object: deepClone(object),
    }));
  }

  /** Stores a created or changed object under a new revision; returns the stored copy. */
  put(resource: string, object: JsonObject): JsonObject {
    const metadata = metadataOf(object);
    const key = this.key(resource, metadata.namespace as string | undefined, metadata.name as string);
    const previous = this.objects.get(key);
    const stored = deepClone(object);
    metadataOf(stored).resourceVersion = String(++this.revision);
    this.objects.set(key, stored);
    this.record({
      type: previous === undefined ? 'ADDED' : 'MODIFIED',
      resource,
      revision: this.revision,
      object: stored,
      previous,
    });
    return deepClone(stored);
  }

  /** Removes an object; the DELETED event carries its last state under a new revision. */
  remove(resource: string, object: JsonObject): JsonObject {
    const metadata = metadataOf(object);
    const key = this.key(resource, metadata.namespace as string | undefined, metadata.name as string);
    const previous = this.objects.get(key);
    this.objects.delete(key);
    const last = deepClone(previous ?? object);
    metadataOf(last).resourceVersion = String(++this.revision);
    this.record({ type: 'DELETED', resource, revision: this.revision, object: last, previous });
    return deepClone(last);
  }

  private record(event: StoredEvent): void {
    this.history.push(event);
    while (this.history.length > this.historyLimit) this.compactedRevision = this.history.shift()!.revision;
    for (const listener of this.listeners) listener(event);
  }

  /** The changes after `revision`, or undefined when some of them are no longer kept (410 Expired). */
  changesSince(revision: number): StoredEvent[] | undefined {
    if (revision < this.compactedRevision) return undefined;
    return this.history.filter((event) => event.revision > revision);
  }

  /** Forgets all history: any watch from an older revision now gets 410. */
  compact(): void {
    this.compactedRevision = this.revision;
    this.history = [];
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
