import { type ObjectRef, type ObjectWriter, patchDocument, type WriteOptions } from './objects.js';
import { deepClone, isObject, type JsonObject } from './patch.js';
import type { ScalePaths } from './resources.js';
import { ApiError, badRequest, conflict } from './status.js';

function segments(path: string): string[] {
  return path.replace(/^\./, '').split('.');
}

function valueAt(object: unknown, path: string): unknown {
  let node = object;
  for (const key of segments(path)) node = isObject(node) ? node[key] : undefined;
  return node;
}

function setAt(object: JsonObject, path: string, value: unknown): void {
  const keys = segments(path);
  let node = object;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(node[key])) node[key] = {};
    node = node[key] as JsonObject;
  }
  node[keys[keys.length - 1]] = value;
}

/** A LabelSelector object (`matchLabels`, `matchExpressions`) in its string form, e.g. `app=web`. */
function selectorText(selector: unknown): string {
  if (typeof selector === 'string') return selector;
  if (!isObject(selector)) return '';
  const labels = Object.entries((selector.matchLabels ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`);
  const expressions = ((selector.matchExpressions ?? []) as { key: string; operator: string; values?: string[] }[]).map(
    ({ key, operator, values = [] }) =>
      operator === 'Exists'
        ? key
        : operator === 'DoesNotExist'
          ? `!${key}`
          : `${key} ${operator.toLowerCase()} (${values.join(',')})`,
  );
  return [...labels, ...expressions].join(',');
}

/** The `/scale` subresource: an autoscaling/v1 Scale view of the parent's replica fields (`autoscaling/v1`). */
export class ScaleSubresource {
  constructor(private readonly writer: ObjectWriter) {}

  private paths(ref: ObjectRef): ScalePaths {
    if (ref.type.scale === undefined)
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
    return ref.type.scale;
  }

  private toScale(ref: ObjectRef, parent: JsonObject): JsonObject {
    const paths = this.paths(ref);
    const replicas = valueAt(parent, paths.specReplicasPath);
    if (typeof replicas !== 'number') {
      throw new ApiError(
        500,
        'InternalError',
        `Internal error occurred: the spec replicas field "${paths.specReplicasPath}" does not exist`,
      );
    }
    const { name, namespace, uid, resourceVersion, creationTimestamp } = parent.metadata as JsonObject;
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
      spec: { replicas },
      status: {
        replicas: valueAt(parent, paths.statusReplicasPath) ?? 0,
        selector: paths.labelSelectorPath === undefined ? '' : selectorText(valueAt(parent, paths.labelSelectorPath)),
      },
    };
  }

  get(ref: ObjectRef): JsonObject {
    return this.toScale(ref, this.writer.get(ref));
  }

  /** PUT of a Scale: its resourceVersion (when given) is a precondition on the parent. */
  update(ref: ObjectRef, scale: JsonObject, options: WriteOptions): JsonObject {
    const parent = this.writer.get(ref);
    const resourceVersion = isObject(scale.metadata) ? scale.metadata.resourceVersion : undefined;
    if (resourceVersion !== undefined && resourceVersion !== (parent.metadata as JsonObject).resourceVersion) {
      throw conflict(ref.type, ref.name);
    }
    const replicas = isObject(scale.spec) ? scale.spec.replicas : undefined;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw badRequest('spec.replicas must be a non-negative integer');
    }
    const next = deepClone(parent);
    setAt(next, this.paths(ref).specReplicasPath, replicas);
    const context = { ...this.writer.writeContext(ref, options, ''), apiVersion: 'autoscaling/v1' };
    return this.toScale(ref, this.writer.commit(ref, parent, next, '', context));
  }

  patch(ref: ObjectRef, body: string, contentType: string, options: WriteOptions): JsonObject {
    const mediaType = contentType.split(';')[0].trim();
    let patch: unknown;
    try {
      patch = JSON.parse(body);
    } catch (error) {
      throw badRequest(`the request body could not be decoded: ${(error as Error).message}`);
    }
    const patched = patchDocument(this.get(ref), patch, mediaType, false);
    if (!isObject(patched)) throw badRequest('the patch must produce a Scale');
    return this.update(ref, patched, options);
  }
}
