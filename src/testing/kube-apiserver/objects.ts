import { randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { builtinCauses } from './builtin-validation.js';
import { type ManagedFieldsEntry, recordUpdate, serverSideApply, type WriteContext } from './managed-fields.js';
import { deepClone, deepEqual, isObject, type JsonObject, jsonPatch, mergePatch } from './patch.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import { admitCustomResource } from './schema.js';
import { ApiError, alreadyExists, badRequest, conflict, invalid, notFound, type StatusCause } from './status.js';
import type { ObjectStore } from './store.js';

/** Where a write goes: a resource type, its namespace (namespaced kinds) and the object's name. */
export interface ObjectRef {
  readonly type: ResourceType;
  readonly namespace?: string;
  readonly name: string;
}

/** Query options of a write. */
export interface WriteOptions {
  readonly fieldManager?: string;
  readonly force?: boolean;
  readonly userAgent?: string;
}

/** Hooks the server runs around writes of special kinds (CRDs become served types; namespaces must exist). */
export interface WriteHooks {
  validateCreate(type: ResourceType, object: JsonObject): void;
  afterCommit(type: ResourceType, object: JsonObject): void;
  namespaceExists(namespace: string): boolean;
}

export const resourceKey = (type: ResourceType) => `${type.group}/${type.plural}`;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const serverOwnedMetadata = [
  'uid',
  'creationTimestamp',
  'generation',
  'managedFields',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
];

function metadataOf(object: JsonObject): JsonObject {
  return object.metadata as JsonObject;
}

function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return Array.from({ length: 5 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
}

/** What a generation compares: everything but metadata (and status when it is a subresource). */
function generationContent(type: ResourceType, object: JsonObject): JsonObject {
  const { metadata: _metadata, status, ...rest } = object;
  return type.statusSubresource ? rest : { ...rest, status };
}

/** The object as it would be stored, ignoring what every write changes anyway (no-op detection). */
function comparable(object: JsonObject): JsonObject {
  const { resourceVersion: _rv, managedFields: _mf, ...metadata } = metadataOf(object);
  return { ...object, metadata };
}

/** Create, update and patch with the real server's metadata, generation, status and ownership rules. */
export class ObjectWriter {
  constructor(
    private readonly store: ObjectStore,
    private readonly hooks: WriteHooks,
    private readonly nowMs: () => number,
  ) {}

  private timestamp(): string {
    return new Date(Math.floor(this.nowMs() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  }

  writeContext(ref: ObjectRef, options: WriteOptions, subresource: '' | 'status'): WriteContext {
    const manager = options.fieldManager ?? (options.userAgent ?? 'unknown').split('/')[0];
    return { manager, subresource, apiVersion: apiVersionOf(ref.type), time: this.timestamp() };
  }

  private admit(type: ResourceType, object: JsonObject, old: JsonObject | undefined): JsonObject {
    const name = metadataOf(object).name as string;
    let admitted = object;
    const causes: StatusCause[] = [];
    if (type.custom && type.schema !== undefined) {
      const result = admitCustomResource(type.schema, object, old);
      admitted = result.object;
      causes.push(...result.causes);
    }
    causes.push(...builtinCauses(type, object));
    if (causes.length > 0) throw invalid(type, name, causes);
    return admitted;
  }

  get(ref: ObjectRef): JsonObject {
    const object = this.store.get(resourceKey(ref.type), ref.namespace, ref.name);
    if (object === undefined) throw notFound(ref.type, ref.name);
    return object;
  }

  private checkIdentity(ref: ObjectRef, body: JsonObject): JsonObject {
    if (!isObject(body.metadata)) body.metadata = {};
    const metadata = metadataOf(body);
    if (metadata.namespace !== undefined && ref.type.namespaced && metadata.namespace !== ref.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (ref.name !== '' && metadata.name !== undefined && metadata.name !== ref.name) {
      throw badRequest(
        `the name of the object (${String(metadata.name)}) does not match the name on the URL (${ref.name})`,
      );
    }
    return metadata;
  }

  /** POST (and the create branch of apply): 201 with uid, timestamps, generation 1, status dropped. */
  create(ref: ObjectRef, body: JsonObject, options: WriteOptions, managedFields?: ManagedFieldsEntry[]): JsonObject {
    const metadata = this.checkIdentity(ref, body);
    if (ref.type.namespaced && ref.namespace !== undefined && !this.hooks.namespaceExists(ref.namespace)) {
      throw notFound({ group: '', plural: 'namespaces', kind: 'Namespace' }, ref.namespace);
    }
    if (metadata.name === undefined && typeof metadata.generateName === 'string') {
      metadata.name = `${metadata.generateName}${randomSuffix()}`;
    }
    const name = metadata.name;
    if (typeof name !== 'string' || name === '') {
      throw invalid(ref.type, '', [
        {
          reason: 'FieldValueRequired',
          message: 'Required value: name or generateName is required',
          field: 'metadata.name',
        },
      ]);
    }
    if (name.length > 253 || !dns1123Subdomain.test(name)) {
      throw invalid(ref.type, name, [
        {
          reason: 'FieldValueInvalid',
          message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
          field: 'metadata.name',
        },
      ]);
    }
    if (this.store.get(resourceKey(ref.type), ref.namespace, name) !== undefined) throw alreadyExists(ref.type, name);
    for (const field of [...serverOwnedMetadata, 'resourceVersion']) delete metadata[field];
    if (ref.type.namespaced) metadata.namespace = ref.namespace;
    else delete metadata.namespace;
    metadata.uid = randomUUID();
    metadata.creationTimestamp = this.timestamp();
    if (ref.type.tracksGeneration) metadata.generation = 1;
    let object: JsonObject = { ...body, apiVersion: apiVersionOf(ref.type), kind: ref.type.kind };
    if (ref.type.statusSubresource) delete object.status;
    // The apps/v1 workloads default their replicas to 1.
    if (ref.type.group === 'apps' && isObject(object.spec)) object.spec.replicas ??= 1;
    object = this.admit(ref.type, object, undefined);
    this.hooks.validateCreate(ref.type, object);
    metadataOf(object).managedFields =
      managedFields ??
      recordUpdate([], this.writeContext(ref, options, ''), undefined, object, ref.type.statusSubresource);
    const stored = this.store.put(resourceKey(ref.type), object);
    this.hooks.afterCommit(ref.type, stored);
    return stored;
  }

  /**
   * Stores `candidate` as the new state of `current`: server-owned metadata kept, status or everything-but-status
   * taken from the request by subresource, admission, generation bump on content changes, no-op writes skipped.
   */
  commit(
    ref: ObjectRef,
    current: JsonObject,
    candidate: JsonObject,
    subresource: '' | 'status',
    context: WriteContext,
    managedFields?: ManagedFieldsEntry[],
  ): JsonObject {
    const before = metadataOf(current);
    let next: JsonObject;
    if (subresource === 'status') {
      next = { ...deepClone(current), status: candidate.status };
      if (candidate.status === undefined) delete next.status;
    } else {
      next = { ...candidate, apiVersion: apiVersionOf(ref.type), kind: ref.type.kind };
      if (ref.type.statusSubresource) {
        if (current.status === undefined) delete next.status;
        else next.status = deepClone(current.status);
      }
      const metadata = { ...metadataOf(next) };
      for (const field of [...serverOwnedMetadata, 'name', 'namespace']) {
        if (before[field] === undefined) delete metadata[field];
        else metadata[field] = deepClone(before[field]);
      }
      next.metadata = metadata;
      const added = ((metadata.finalizers ?? []) as string[]).filter(
        (f) => !((before.finalizers ?? []) as string[]).includes(f),
      );
      if (before.deletionTimestamp !== undefined && added.length > 0) {
        throw invalid(ref.type, ref.name, [
          {
            reason: 'FieldValueForbidden',
            message: 'Forbidden: no new finalizers can be added if the object is being deleted',
            field: 'metadata.finalizers',
          },
        ]);
      }
    }
    next = this.admit(ref.type, next, current);
    if (
      ref.type.tracksGeneration &&
      !deepEqual(generationContent(ref.type, current), generationContent(ref.type, next))
    ) {
      metadataOf(next).generation = ((before.generation as number | undefined) ?? 0) + 1;
    }
    if (deepEqual(comparable(current), comparable(next))) return current;
    metadataOf(next).managedFields =
      managedFields ??
      recordUpdate(
        (before.managedFields ?? []) as ManagedFieldsEntry[],
        context,
        current,
        next,
        ref.type.statusSubresource,
      );
    const stored = this.store.put(resourceKey(ref.type), next);
    this.hooks.afterCommit(ref.type, stored);
    return stored;
  }

  /** PUT: resourceVersion is a precondition (required for custom resources), 404 when missing. */
  update(ref: ObjectRef, body: JsonObject, subresource: '' | 'status', options: WriteOptions): JsonObject {
    const metadata = this.checkIdentity(ref, body);
    const current = this.get(ref);
    const resourceVersion = metadata.resourceVersion;
    if (resourceVersion === undefined || resourceVersion === '') {
      if (ref.type.custom) {
        throw invalid(ref.type, ref.name, [
          {
            reason: 'FieldValueInvalid',
            message: 'Invalid value: 0x0: must be specified for an update',
            field: 'metadata.resourceVersion',
          },
        ]);
      }
    } else if (resourceVersion !== metadataOf(current).resourceVersion) throw conflict(ref.type, ref.name);
    return this.commit(ref, current, body, subresource, this.writeContext(ref, options, subresource));
  }

  /** PATCH by content type; apply creates a missing object (201 then). */
  patch(
    ref: ObjectRef,
    body: string,
    contentType: string,
    subresource: '' | 'status',
    options: WriteOptions,
  ): { code: number; object: JsonObject } {
    const mediaType = contentType.split(';')[0].trim();
    const isApply = mediaType === 'application/apply-patch+yaml';
    if (isApply && (options.fieldManager === undefined || options.fieldManager === '')) {
      throw new ApiError(
        422,
        'Invalid',
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        {
          group: 'meta.k8s.io',
          kind: 'PatchOptions',
          causes: [
            {
              reason: 'FieldValueRequired',
              message: 'Required value: is required for apply patch',
              field: 'fieldManager',
            },
          ],
        },
      );
    }
    if (!isApply && options.force !== undefined) {
      throw new ApiError(
        422,
        'Invalid',
        'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
        {
          group: 'meta.k8s.io',
          kind: 'PatchOptions',
          causes: [
            {
              reason: 'FieldValueForbidden',
              message: 'Forbidden: may not be specified for non-apply patch',
              field: 'force',
            },
          ],
        },
      );
    }
    const context = this.writeContext(ref, options, subresource);
    if (isApply) return this.apply(ref, parseBody(body, true), subresource, context, options);
    const current = this.get(ref);
    const patched = patchDocument(current, parseBody(body, false), mediaType, ref.type.custom);
    if (!isObject(patched)) throw badRequest('the patch must produce an object');
    if (metadataOf(patched)?.resourceVersion !== metadataOf(current).resourceVersion)
      throw conflict(ref.type, ref.name);
    return { code: 200, object: this.commit(ref, current, patched, subresource, context) };
  }

  private apply(
    ref: ObjectRef,
    applied: unknown,
    subresource: '' | 'status',
    context: WriteContext,
    options: WriteOptions,
  ): { code: number; object: JsonObject } {
    if (!isObject(applied)) throw badRequest('the apply patch must be an object');
    const metadata = this.checkIdentity(ref, applied);
    if (metadata.managedFields !== undefined) throw badRequest('metadata.managedFields must be nil');
    const current = this.store.get(resourceKey(ref.type), ref.namespace, ref.name);
    if (current === undefined) {
      if (subresource !== '') throw notFound(ref.type, ref.name);
      const { object, managedFields } = serverSideApply(
        undefined,
        applied,
        context,
        options.force === true,
        ref.type.statusSubresource,
      );
      metadataOf(object).name = ref.name;
      return { code: 201, object: this.create(ref, object, options, managedFields) };
    }
    if (metadata.resourceVersion !== undefined && metadata.resourceVersion !== metadataOf(current).resourceVersion) {
      throw conflict(ref.type, ref.name);
    }
    const { object, managedFields } = serverSideApply(
      current,
      applied,
      context,
      options.force === true,
      ref.type.statusSubresource,
    );
    metadataOf(object).resourceVersion = metadataOf(current).resourceVersion;
    return { code: 200, object: this.commit(ref, current, object, subresource, context, managedFields) };
  }
}

function parseBody(body: string, yaml: boolean): unknown {
  try {
    return yaml ? parseYaml(body) : JSON.parse(body);
  } catch (error) {
    throw badRequest(`the request body could not be decoded: ${(error as Error).message}`);
  }
}

/** A JSON, merge or (for built-in kinds, as a merge) strategic merge patch; 415 for anything else. */
export function patchDocument(current: unknown, patch: unknown, mediaType: string, custom: boolean): unknown {
  const accepted = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];
  if (!custom) accepted.splice(2, 0, 'application/strategic-merge-patch+json');
  if (mediaType === 'application/json-patch+json') return jsonPatch(current, patch);
  if (mediaType === 'application/merge-patch+json') return mergePatch(current, patch);
  if (mediaType === 'application/strategic-merge-patch+json' && !custom) return mergePatch(current, patch);
  throw new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}
