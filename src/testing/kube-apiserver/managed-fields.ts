import { deepClone, deepEqual, isObject, type JsonObject } from './patch.js';
import { ApiError } from './status.js';

/**
 * Field ownership for server-side apply, simplified: a field is a leaf path (lists and empty maps are atomic
 * leaves — no per-item ownership of `listType: map` lists), recorded per (manager, operation, subresource)
 * in `metadata.managedFields` as FieldsV1 (`{"f:spec":{"f:minReplicas":{}}}`).
 */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

/** Who writes, through which subresource, with which apiVersion and at what time. */
export interface WriteContext {
  readonly manager: string;
  readonly subresource: '' | 'status';
  readonly apiVersion: string;
  readonly time: string;
}

type Path = readonly string[];

const metadataOwnedByClients = new Set(['labels', 'annotations', 'finalizers', 'ownerReferences']);

/** Whether a leaf path is written by this subresource (status only via /status when it is a subresource). */
function inScope(path: Path, subresource: '' | 'status', statusIsSubresource: boolean): boolean {
  if (path[0] === 'apiVersion' || path[0] === 'kind') return false;
  if (path[0] === 'metadata') return subresource === '' && metadataOwnedByClients.has(path[1]);
  if (subresource === 'status') return path[0] === 'status';
  return !(statusIsSubresource && path[0] === 'status');
}

function leafPaths(value: unknown, prefix: Path = []): Path[] {
  if (isObject(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([key, child]) => leafPaths(child, [...prefix, key]));
  }
  return prefix.length === 0 ? [] : [prefix];
}

function valueAt(value: unknown, path: Path): unknown {
  let node = value;
  for (const key of path) node = isObject(node) ? node[key] : undefined;
  return node;
}

function deleteAt(value: unknown, path: Path): void {
  const parent = valueAt(value, path.slice(0, -1));
  if (isObject(parent)) delete parent[path[path.length - 1]];
}

const keyOf = (path: Path) => JSON.stringify(path);
const display = (path: Path) => `.${path.join('.')}`;

function encode(paths: readonly Path[]): JsonObject {
  const tree: JsonObject = {};
  for (const path of paths) {
    let node = tree;
    for (const key of path) {
      node[`f:${key}`] ??= {};
      node = node[`f:${key}`] as JsonObject;
    }
  }
  return tree;
}

function decode(tree: JsonObject, prefix: Path = []): Path[] {
  const children = Object.entries(tree).filter(([key]) => key.startsWith('f:'));
  if (children.length === 0) return prefix.length === 0 ? [] : [prefix];
  return children.flatMap(([key, child]) => decode(child as JsonObject, [...prefix, key.slice(2)]));
}

function sameOwner(entry: ManagedFieldsEntry, context: WriteContext, operation: 'Apply' | 'Update'): boolean {
  return (
    entry.manager === context.manager &&
    entry.operation === operation &&
    (entry.subresource ?? '') === context.subresource
  );
}

function withEntry(
  entries: readonly ManagedFieldsEntry[],
  context: WriteContext,
  operation: 'Apply' | 'Update',
  paths: readonly Path[],
  others: (entry: ManagedFieldsEntry) => Path[],
): ManagedFieldsEntry[] {
  const rest = entries
    .filter((entry) => !sameOwner(entry, context, operation))
    .map((entry) => ({ ...entry, fieldsV1: encode(others(entry)) }))
    .filter((entry) => Object.keys(entry.fieldsV1).length > 0);
  if (paths.length === 0) return rest;
  const own: ManagedFieldsEntry = {
    manager: context.manager,
    operation,
    apiVersion: context.apiVersion,
    time: context.time,
    fieldsType: 'FieldsV1',
    fieldsV1: encode(paths),
    ...(context.subresource === '' ? {} : { subresource: context.subresource }),
  };
  return [...rest, own];
}

/** managedFields after an Update (create, PUT, merge/JSON patch): the writer takes every field it changed. */
export function recordUpdate(
  entries: readonly ManagedFieldsEntry[],
  context: WriteContext,
  before: JsonObject | undefined,
  after: JsonObject,
  statusIsSubresource: boolean,
): ManagedFieldsEntry[] {
  const scoped = (paths: Path[]) => paths.filter((path) => inScope(path, context.subresource, statusIsSubresource));
  const afterPaths = scoped(leafPaths(after));
  const beforePaths = scoped(leafPaths(before ?? {}));
  const changed = afterPaths.filter((path) => !deepEqual(valueAt(before, path), valueAt(after, path)));
  const gone = beforePaths.filter((path) => valueAt(after, path) === undefined);
  const takenOrGone = new Set([...changed, ...gone].map(keyOf));
  const previous = entries.find((entry) => sameOwner(entry, context, 'Update'));
  const mine = new Map([...(previous ? decode(previous.fieldsV1) : []), ...changed].map((path) => [keyOf(path), path]));
  for (const path of gone) mine.delete(keyOf(path));
  return withEntry(entries, context, 'Update', [...mine.values()], (entry) =>
    decode(entry.fieldsV1).filter((path) => !takenOrGone.has(keyOf(path))),
  );
}

function applyMerge(current: unknown, applied: unknown): unknown {
  if (!isObject(applied) || !isObject(current)) return deepClone(applied);
  const result: JsonObject = { ...current };
  for (const [key, value] of Object.entries(applied)) result[key] = applyMerge(current[key], value);
  return result;
}

function conflictError(conflicts: ReadonlyMap<string, { entry: ManagedFieldsEntry; paths: Path[] }>): ApiError {
  const count = [...conflicts.values()].reduce((sum, { paths }) => sum + paths.length, 0);
  const groups = [...conflicts.values()].map(({ entry, paths }) => {
    const who = `"${entry.manager}"${entry.operation === 'Update' ? ` using ${entry.apiVersion}` : ''}`;
    return paths.length === 1
      ? `conflict with ${who}: ${display(paths[0])}`
      : `conflicts with ${who}:\n${paths.map((path) => `- ${display(path)}`).join('\n')}`;
  });
  const causes = [...conflicts.values()].flatMap(({ entry, paths }) =>
    paths.map((path) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with "${entry.manager}"${entry.operation === 'Update' ? ` using ${entry.apiVersion}` : ''}`,
      field: display(path),
    })),
  );
  return new ApiError(
    409,
    'Conflict',
    `Apply failed with ${count} conflict${count === 1 ? '' : 's'}: ${groups.join('\n')}`,
    { causes },
  );
}

/**
 * Server-side apply of `applied` onto `current` (undefined: create). A field another manager owns with a
 * different value is a 409 conflict unless `force`, which takes it over; fields this manager applied
 * before and omits now are removed when nobody else owns them.
 */
export function serverSideApply(
  current: JsonObject | undefined,
  applied: JsonObject,
  context: WriteContext,
  force: boolean,
  statusIsSubresource: boolean,
): { object: JsonObject; managedFields: ManagedFieldsEntry[] } {
  const entries = ((current?.metadata as JsonObject | undefined)?.managedFields ?? []) as ManagedFieldsEntry[];
  const appliedPaths = leafPaths(applied).filter((path) => inScope(path, context.subresource, statusIsSubresource));
  const appliedKeys = new Set(appliedPaths.map(keyOf));
  const conflicts = new Map<string, { entry: ManagedFieldsEntry; paths: Path[] }>();
  for (const entry of entries) {
    if (sameOwner(entry, context, 'Apply')) continue;
    const paths = decode(entry.fieldsV1).filter(
      (path) => appliedKeys.has(keyOf(path)) && !deepEqual(valueAt(current, path), valueAt(applied, path)),
    );
    if (paths.length > 0) conflicts.set(`${entry.manager}/${entry.operation}`, { entry, paths });
  }
  if (conflicts.size > 0 && !force) throw conflictError(conflicts);
  const taken = new Set([...conflicts.values()].flatMap(({ paths }) => paths.map(keyOf)));
  const others = (entry: ManagedFieldsEntry) => decode(entry.fieldsV1).filter((path) => !taken.has(keyOf(path)));
  const object = applyMerge(current ?? {}, applied) as JsonObject;
  const previous = entries.find((entry) => sameOwner(entry, context, 'Apply'));
  const ownedElsewhere = new Set(
    entries.filter((entry) => !sameOwner(entry, context, 'Apply')).flatMap((entry) => others(entry).map(keyOf)),
  );
  for (const path of previous ? decode(previous.fieldsV1) : []) {
    if (!appliedKeys.has(keyOf(path)) && !ownedElsewhere.has(keyOf(path))) deleteAt(object, path);
  }
  return { object, managedFields: withEntry(entries, context, 'Apply', appliedPaths, others) };
}
