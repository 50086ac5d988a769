import { CelError, evaluateCel } from './cel.js';
import { deepClone, isObject, type JsonObject } from './patch.js';
import type { SchemaNode, ValidationRule } from './resources.js';
import { quoteValue, type StatusCause } from './status.js';

/**
 * A CRD's structural schema applied to a custom resource, in the real server's order: prune unknown fields
 * (and non-nullable nulls), apply defaults, validate (type, enum, required, bounds, lengths, pattern), then —
 * only when that found nothing — run the `x-kubernetes-validations` CEL rules. Not emulated: `format`,
 * `allOf`/`anyOf`/`oneOf`/`not`, `uniqueItems`, list-type keys, `metadata` restrictions, CEL cost limits,
 * and the "some validation rules were not checked" cause.
 */
export function admitCustomResource(
  schema: SchemaNode,
  object: JsonObject,
  oldObject?: JsonObject,
): { object: JsonObject; causes: StatusCause[] } {
  const result = deepClone(object);
  // ObjectMeta is never pruned: keep a copy, since a schema that declares `metadata: {type: object}` would empty it.
  const { apiVersion, kind } = result;
  const metadata = deepClone(result.metadata);
  pruneAndDefault(result, schema);
  Object.assign(result, { apiVersion, kind, metadata });
  const causes: StatusCause[] = [];
  validate(result, schema, '', causes);
  if (causes.length === 0) runRules(result, oldObject, schema, '', causes);
  return { object: result, causes };
}

function preservesUnknown(schema: SchemaNode): boolean {
  return schema['x-kubernetes-preserve-unknown-fields'] === true;
}

function childSchema(schema: SchemaNode, key: string): SchemaNode | undefined {
  const declared = schema.properties?.[key];
  if (declared !== undefined) return declared;
  return typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
}

function pruneAndDefault(value: unknown, schema: SchemaNode): void {
  if (Array.isArray(value)) {
    if (schema.items !== undefined) for (const item of value) pruneAndDefault(item, schema.items);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const sub = childSchema(schema, key);
    const keepsUnknown = preservesUnknown(schema) || schema.additionalProperties === true;
    if (sub === undefined && !keepsUnknown) delete value[key];
    else if (child === null && sub !== undefined && sub.nullable !== true) delete value[key];
  }
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    if (value[key] === undefined && sub.default !== undefined) value[key] = deepClone(sub.default);
  }
  for (const [key, child] of Object.entries(value)) {
    const sub = childSchema(schema, key);
    if (sub !== undefined) pruneAndDefault(child, sub);
  }
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function hasType(value: unknown, schema: SchemaNode): boolean {
  if (schema['x-kubernetes-int-or-string'] === true) return typeof value === 'string' || Number.isInteger(value);
  if (value === null) return schema.nullable === true;
  switch (schema.type) {
    case undefined:
      return true;
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    default:
      return typeof value === schema.type;
  }
}

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

function validate(value: unknown, schema: SchemaNode, path: string, causes: StatusCause[]): void {
  const invalid = (detail: string) =>
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${quoteValue(value)}: ${detail}`,
      field: path,
    });
  if (!hasType(value, schema)) {
    const actual = typeName(value);
    causes.push({
      reason: 'FieldValueTypeInvalid',
      message: `Invalid value: "${actual}": ${path} in body must be of type ${schema.type}: "${actual}"`,
      field: path,
    });
    return;
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    const supported = schema.enum.map(quoteValue).join(', ');
    causes.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${quoteValue(value)}: supported values: ${supported}`,
      field: path,
    });
  }
  if (typeof value === 'number') {
    const { minimum, maximum } = schema;
    if (minimum !== undefined && (schema.exclusiveMinimum ? value <= minimum : value < minimum)) {
      invalid(`${path} in body should be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${minimum}`);
    }
    if (maximum !== undefined && (schema.exclusiveMaximum ? value >= maximum : value > maximum)) {
      invalid(`${path} in body should be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${maximum}`);
    }
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (schema.maxLength !== undefined && length > schema.maxLength) {
      causes.push({
        reason: 'FieldValueTooLong',
        message: `Too long: may not be more than ${schema.maxLength} bytes`,
        field: path,
      });
    }
    if (schema.minLength !== undefined && length < schema.minLength) {
      invalid(`${path} in body should be at least ${schema.minLength} chars long`);
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
      invalid(`${path} in body should match '${schema.pattern}'`);
    }
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      causes.push({
        reason: 'FieldValueTooMany',
        message: `Too many: ${value.length}: must have at most ${schema.maxItems} items`,
        field: path,
      });
    }
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      invalid(`${path} in body should have at least ${schema.minItems} items`);
    }
    const items = schema.items;
    if (items !== undefined) for (const [i, item] of value.entries()) validate(item, items, `${path}[${i}]`, causes);
  }
  if (isObject(value)) {
    for (const key of schema.required ?? []) {
      if (value[key] === undefined)
        causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: join(path, key) });
    }
    for (const [key, child] of Object.entries(value)) {
      const sub = childSchema(schema, key);
      if (sub !== undefined && !(path === '' && key === 'metadata')) validate(child, sub, join(path, key), causes);
    }
  }
}

function ruleCause(
  rule: ValidationRule,
  value: unknown,
  path: string,
  variables: Record<string, unknown>,
): StatusCause {
  let message = rule.message ?? `failed rule: ${rule.rule}`;
  if (rule.messageExpression !== undefined) {
    try {
      const computed = evaluateCel(rule.messageExpression, variables);
      if (typeof computed === 'string' && computed !== '') message = computed;
    } catch {
      // The real server falls back to `message` when messageExpression fails to evaluate.
    }
  }
  const reason = rule.reason ?? 'FieldValueInvalid';
  const field = rule.fieldPath === undefined ? path : `${path}${rule.fieldPath}`;
  const prefix =
    reason === 'FieldValueForbidden'
      ? 'Forbidden'
      : reason === 'FieldValueRequired'
        ? 'Required value'
        : reason === 'FieldValueDuplicate'
          ? `Duplicate value: "${typeName(value)}"`
          : `Invalid value: "${typeName(value)}"`;
  return { reason, message: `${prefix}: ${message}`, field };
}

function runRules(value: unknown, oldValue: unknown, schema: SchemaNode, path: string, causes: StatusCause[]): void {
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    const isTransitionRule = /\boldSelf\b/.test(rule.rule);
    if (isTransitionRule && oldValue === undefined) continue;
    const variables = isTransitionRule ? { self: value, oldSelf: oldValue } : { self: value };
    try {
      if (evaluateCel(rule.rule, variables) !== true) causes.push(ruleCause(rule, value, path, variables));
    } catch (error) {
      if (!(error instanceof CelError)) throw error;
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: "${typeName(value)}": ${error.message} evaluating rule: ${rule.rule}`,
        field: path,
      });
    }
  }
  if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      const sub = childSchema(schema, key);
      const oldChild = isObject(oldValue) ? oldValue[key] : undefined;
      if (sub !== undefined && !(path === '' && key === 'metadata'))
        runRules(child, oldChild, sub, join(path, key), causes);
    }
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    for (const [i, item] of value.entries()) runRules(item, undefined, schema.items, `${path}[${i}]`, causes);
  }
}
