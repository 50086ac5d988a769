import { type ObjectRef, type ObjectWriter, resourceKey } from './objects.js';
import { isObject, type JsonObject } from './patch.js';
import type { ResourceType } from './resources.js';
import { conflict } from './status.js';
import type { ObjectStore } from './store.js';

/** DeleteOptions from the query string or a body. */
export interface DeleteOptions {
  readonly propagationPolicy?: string;
  readonly preconditions?: { uid?: string; resourceVersion?: string };
}

/** Finds the served type of a stored resource key, for deleting dependents of any kind. */
export type TypeLookup = (resource: string) => ResourceType | undefined;

interface OwnerReference {
  readonly uid: string;
}

function metadataOf(object: JsonObject): JsonObject {
  return object.metadata as JsonObject;
}

/**
 * DELETE with finalizers (deletionTimestamp set, object kept until they are gone) and garbage collection by
 * owner uid, run synchronously: Background and Foreground both delete dependents whose owners are all gone
 * (no `foregroundDeletion` finalizer is emulated); Orphan strips the owner references instead.
 */
export class Deleter {
  constructor(
    private readonly store: ObjectStore,
    private readonly writer: ObjectWriter,
    private readonly typeOf: TypeLookup,
    private readonly nowMs: () => number,
    private readonly onRemoved: (type: ResourceType, object: JsonObject) => void,
  ) {}

  /** Returns the object still waiting for finalizers, or the removed object's last state. */
  delete(ref: ObjectRef, options: DeleteOptions): { removed: boolean; object: JsonObject } {
    const current = this.writer.get(ref);
    const metadata = metadataOf(current);
    const { uid, resourceVersion } = options.preconditions ?? {};
    if (
      (uid !== undefined && uid !== metadata.uid) ||
      (resourceVersion !== undefined && resourceVersion !== metadata.resourceVersion)
    ) {
      throw conflict(ref.type, ref.name, 'Precondition failed');
    }
    if (((metadata.finalizers ?? []) as string[]).length > 0) {
      if (metadata.deletionTimestamp !== undefined) return { removed: false, object: current };
      const marked = structuredClone(current);
      const markedMetadata = metadataOf(marked);
      markedMetadata.deletionTimestamp = new Date(Math.floor(this.nowMs() / 1000) * 1000)
        .toISOString()
        .replace('.000Z', 'Z');
      markedMetadata.deletionGracePeriodSeconds = 0;
      if (markedMetadata.generation !== undefined)
        markedMetadata.generation = (markedMetadata.generation as number) + 1;
      return { removed: false, object: this.store.put(resourceKey(ref.type), marked) };
    }
    return { removed: true, object: this.remove(ref.type, current, options.propagationPolicy ?? 'Background') };
  }

  /** Removes an object now (no finalizers left) and collects or orphans its dependents. */
  remove(type: ResourceType, object: JsonObject, propagationPolicy = 'Background'): JsonObject {
    const last = this.store.remove(resourceKey(type), object);
    this.onRemoved(type, last);
    this.collectDependents(type, last, propagationPolicy);
    return last;
  }

  private collectDependents(ownerType: ResourceType, owner: JsonObject, propagationPolicy: string): void {
    const ownerUid = metadataOf(owner).uid;
    const ownerNamespace = metadataOf(owner).namespace;
    for (const { resource, object } of this.store.entries()) {
      const metadata = metadataOf(object);
      const references = (metadata.ownerReferences ?? []) as OwnerReference[];
      if (!references.some((reference) => reference.uid === ownerUid)) continue;
      if (ownerType.namespaced && metadata.namespace !== ownerNamespace) continue;
      const type = this.typeOf(resource);
      if (type === undefined) continue;
      const ref = { type, namespace: metadata.namespace as string | undefined, name: metadata.name as string };
      const others = references.filter((reference) => reference.uid !== ownerUid);
      if (propagationPolicy === 'Orphan' || others.some((reference) => this.exists(reference.uid))) {
        const stripped = { ...object, metadata: { ...metadata, ownerReferences: others } };
        if (others.length === 0) delete (stripped.metadata as JsonObject).ownerReferences;
        this.store.put(resource, stripped);
      } else if (this.store.get(resource, ref.namespace, ref.name) !== undefined) {
        this.delete(ref, { propagationPolicy });
      }
    }
  }

  private exists(uid: string): boolean {
    return this.store.entries().some(({ object }) => isObject(object.metadata) && object.metadata.uid === uid);
  }

  /** After an update: an object being deleted whose last finalizer was just removed goes away. */
  finishIfDone(type: ResourceType, object: JsonObject): void {
    const metadata = metadataOf(object);
    if (metadata.deletionTimestamp !== undefined && ((metadata.finalizers ?? []) as string[]).length === 0) {
      this.remove(type, object);
    }
  }
}
