import { isObject, type JsonObject } from './patch.js';
import type { ResourceType } from './resources.js';
import type { StatusCause } from './status.js';

/** The layout the real server parses MicroTime with (apimachinery's `meta/v1/micro_time.go`): six fractional digits. */
const microTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;

function microTimeCauses(holder: unknown, prefix: string, fields: readonly string[]): StatusCause[] {
  const values = isObject(holder) ? holder : {};
  return fields
    .filter(
      (field) => values[field] !== undefined && !(typeof values[field] === 'string' && microTime.test(values[field])),
    )
    .map((field) => ({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(values[field])}: must be a MicroTime (RFC 3339 with six fractional digits)`,
      field: `${prefix}${field}`,
    }));
}

function required(object: JsonObject, fields: readonly string[]): StatusCause[] {
  return fields
    .filter((field) => typeof object[field] !== 'string' || object[field] === '')
    .map((field) => ({ reason: 'FieldValueRequired', message: 'Required value', field }));
}

/**
 * events.k8s.io/v1 create rules (kubernetes' `pkg/apis/core/validation/events.go`): eventTime, type, reporting
 * fields, action and reason required.
 */
function eventCauses(event: JsonObject): StatusCause[] {
  const causes = [
    ...required(event, ['eventTime', 'reportingController', 'reportingInstance', 'action', 'reason']),
    ...microTimeCauses(event, '', ['eventTime']),
  ];
  if (event.type !== 'Normal' && event.type !== 'Warning') {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(event.type ?? '')}: has type must be either Normal or Warning`,
      field: 'type',
    });
  }
  return causes;
}

/** The few checks of built-in kinds the stand-in emulates, because Prescale's own writes depend on them. */
export function builtinCauses(type: ResourceType, object: JsonObject): StatusCause[] {
  if (type.custom) return [];
  if (type.group === 'coordination.k8s.io' && type.kind === 'Lease') {
    return microTimeCauses(object.spec, 'spec.', ['acquireTime', 'renewTime']);
  }
  if (type.group === 'events.k8s.io' && type.kind === 'Event') return eventCauses(object);
  return [];
}
