import { ApiError } from './status.js';

/** A JSON object as the server stores it. */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepClone<T>(value: T): T {
  return structuredClone(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && deepEqual(a[key], b[key]));
  }
  return false;
}

/** RFC 7386 JSON merge patch: objects merge, `null` deletes, everything else (lists too) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return deepClone(patch);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

interface JsonPatchOperation {
  readonly op: string;
  readonly path: string;
  readonly from?: string;
  readonly value?: unknown;
}

function invalidPatch(message: string): ApiError {
  return new ApiError(422, 'Invalid', message);
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw invalidPatch(`invalid JSON pointer: ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The container holding the pointer's last segment, and that segment. */
function locate(document: unknown, pointer: string): { parent: unknown; key: string } {
  const segments = pointerSegments(pointer);
  if (segments.length === 0) throw invalidPatch('the root of a document cannot be replaced by a JSON patch here');
  let parent = document;
  for (const segment of segments.slice(0, -1)) {
    parent = Array.isArray(parent) ? parent[Number(segment)] : isObject(parent) ? parent[segment] : undefined;
    if (parent === undefined) throw invalidPatch(`doc is missing path: ${JSON.stringify(pointer)}`);
  }
  return { parent, key: segments[segments.length - 1] };
}

function read(document: unknown, pointer: string): unknown {
  const { parent, key } = locate(document, pointer);
  const value = Array.isArray(parent) ? parent[Number(key)] : isObject(parent) ? parent[key] : undefined;
  if (value === undefined) throw invalidPatch(`doc is missing path: ${JSON.stringify(pointer)}`);
  return value;
}

function remove(document: unknown, pointer: string): void {
  read(document, pointer);
  const { parent, key } = locate(document, pointer);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete (parent as JsonObject)[key];
}

function add(document: unknown, pointer: string, value: unknown): void {
  const { parent, key } = locate(document, pointer);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) {
      throw invalidPatch(`index out of range at ${JSON.stringify(pointer)}`);
    }
    parent.splice(index, 0, deepClone(value));
  } else if (isObject(parent)) parent[key] = deepClone(value);
  else throw invalidPatch(`doc is missing path: ${JSON.stringify(pointer)}`);
}

/** RFC 6902 JSON patch on a copy; a failing operation (missing path, failed `test`) is a 422. */
export function jsonPatch(document: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw new ApiError(400, 'BadRequest', 'a JSON patch must be a list of operations');
  const result = deepClone(document);
  for (const operation of operations as JsonPatchOperation[]) {
    switch (operation.op) {
      case 'add':
        add(result, operation.path, operation.value);
        break;
      case 'remove':
        remove(result, operation.path);
        break;
      case 'replace':
        remove(result, operation.path);
        add(result, operation.path, operation.value);
        break;
      case 'move': {
        const value = read(result, operation.from ?? '');
        remove(result, operation.from ?? '');
        add(result, operation.path, value);
        break;
      }
      case 'copy':
        add(result, operation.path, read(result, operation.from ?? ''));
        break;
      case 'test':
        if (!deepEqual(read(result, operation.path), operation.value)) {
          throw invalidPatch(`testing value ${JSON.stringify(operation.path)} failed`);
        }
        break;
      default:
        throw invalidPatch(`Unexpected kind: ${String(operation.op)}`);
    }
  }
  return result;
}
