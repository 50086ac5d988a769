/** One entry of a 422 `Status`'s `details.causes` (reason is the field-error type, field the dotted path). */
export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field?: string;
}

/** What a `Status` names in `details`: `kind` is the plural for NotFound/Conflict, the Kind for Invalid. */
export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
  readonly retryAfterSeconds?: number;
}

/** A failed request, answered with a `kind: Status` body of this code and reason (apimachinery's `api/errors`). */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }
}

/** The `Status` body the real server writes for a failure. */
export function failureStatus(error: ApiError): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: error.message,
    reason: error.reason,
    ...(error.details === undefined ? {} : { details: error.details }),
    code: error.code,
  };
}

/** The names a resource's errors carry: `plural.group` (or the bare plural in the core group). */
export interface ResourceNames {
  readonly group: string;
  readonly plural: string;
  readonly kind: string;
}

function qualified(names: ResourceNames): string {
  return names.group === '' ? names.plural : `${names.plural}.${names.group}`;
}

function resourceDetails(names: ResourceNames, name: string): StatusDetails {
  return { name, ...(names.group === '' ? {} : { group: names.group }), kind: names.plural };
}

export function notFound(names: ResourceNames, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualified(names)} "${name}" not found`, resourceDetails(names, name));
}

export function alreadyExists(names: ResourceNames, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualified(names)} "${name}" already exists`, {
    ...resourceDetails(names, name),
  });
}

export function conflict(names: ResourceNames, name: string, why?: string): ApiError {
  const reasonText =
    why ?? 'the object has been modified; please apply your changes to the latest version and try again';
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(names)} "${name}": ${reasonText}`,
    resourceDetails(names, name),
  );
}

/** 422 Invalid: `<Kind>.<group> "<name>" is invalid: <field>: <message>` (bracketed list when several). */
export function invalid(names: ResourceNames, name: string, causes: readonly StatusCause[]): ApiError {
  const texts = causes.map((cause) => (cause.field ? `${cause.field}: ${cause.message}` : cause.message));
  const joined = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
  const kindText = names.group === '' ? names.kind : `${names.kind}.${names.group}`;
  return new ApiError(422, 'Invalid', `${kindText} "${name}" is invalid: ${joined}`, {
    name,
    ...(names.group === '' ? {} : { group: names.group }),
    kind: names.kind,
    causes,
  });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

/** The Go `%q`-ish rendering field errors use for a value (`"Fast"`, `0`, `"object"`). */
export function quoteValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
