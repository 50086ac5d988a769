import { isObject, type JsonObject } from './patch.js';
import type { PrinterColumn, ResourceType } from './resources.js';

/** Whether the Accept header asks for a `meta.k8s.io` Table (what `kubectl get` sends). */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => /;\s*as=Table/.test(part) && /g=meta\.k8s\.io/.test(part));
}

/** The subset of kubectl JSONPath printer columns use: `.a.b`, `.a[0]`, `.a['k']`, `.a[?(@.k=="v")].b`. */
export function evaluateJsonPath(object: unknown, path: string): unknown {
  const steps =
    path.match(/\.[A-Za-z0-9_-]+|\[\d+\]|\['[^']*'\]|\[\?\(@\.[A-Za-z0-9_.]+\s*==\s*("[^"]*"|'[^']*')\)\]/g) ?? [];
  let nodes: unknown[] = [object];
  for (const step of steps) {
    nodes = nodes.flatMap((node): unknown[] => {
      if (step.startsWith('.')) return isObject(node) && step.slice(1) in node ? [node[step.slice(1)]] : [];
      if (step.startsWith("['")) return isObject(node) && step.slice(2, -2) in node ? [node[step.slice(2, -2)]] : [];
      if (!Array.isArray(node)) return [];
      if (/^\[\d+\]$/.test(step))
        return Number(step.slice(1, -1)) < node.length ? [node[Number(step.slice(1, -1))]] : [];
      const [, key, quoted] = /^\[\?\(@\.([A-Za-z0-9_.]+)\s*==\s*(.*)\)\]$/.exec(step)!;
      const wanted = quoted.slice(1, -1);
      return node.filter((item) => evaluateJsonPath(item, `.${key}`) === wanted);
    });
  }
  return nodes[0];
}

/** client-go's `duration.HumanDuration`, as the server renders `date` cells. */
export function humanDuration(seconds: number): string {
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  const s = Math.floor(seconds);
  if (s < 60 * 2) return `${s}s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 10) return s % 60 === 0 ? `${minutes}m` : `${minutes}m${s % 60}s`;
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  const days = Math.floor(hours / 24) - years * 365;
  return years < 8 ? `${years}y${days}d` : `${years}y`;
}

const ageColumn: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

function cell(column: PrinterColumn, object: JsonObject, nowMs: number): unknown {
  const value = evaluateJsonPath(object, column.jsonPath);
  if (value === undefined || value === null) return null;
  if (column.type === 'date' && typeof value === 'string') return humanDuration((nowMs - Date.parse(value)) / 1000);
  if (column.type === 'integer' || column.type === 'number' || column.type === 'boolean') return value;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function partialObjectMetadata(object: JsonObject): JsonObject {
  const { managedFields: _ignored, ...metadata } = object.metadata as JsonObject;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
}

/**
 * A `meta.k8s.io/v1` Table of objects: NAME, then a CRD's printer columns (or just AGE, which is also the
 * built-in kinds' whole table here: their rich server-side printers are not emulated), with relative ages.
 */
export function toTable(
  type: ResourceType,
  objects: readonly JsonObject[],
  listMetadata: JsonObject,
  nowMs: number,
): JsonObject {
  const declared = type.printerColumns ?? [];
  const columns = declared.length > 0 ? declared : [ageColumn];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMetadata,
    columnDefinitions: [
      {
        name: 'Name',
        type: 'string',
        format: 'name',
        description: 'Name must be unique within a namespace.',
        priority: 0,
      },
      ...columns.map((column) => ({
        name: column.name,
        type: column.type,
        format: column.format ?? '',
        description: column.description ?? `Custom resource definition column (in JSONPath format): ${column.jsonPath}`,
        priority: column.priority ?? 0,
      })),
    ],
    rows: objects.map((object) => ({
      cells: [(object.metadata as JsonObject).name, ...columns.map((column) => cell(column, object, nowMs))],
      object: partialObjectMetadata(object),
    })),
  };
}
