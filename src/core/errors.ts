/** What went wrong, as a stable machine-readable code; the message says it for a person. */
export type PrescaleErrorCode =
  | 'invalid-input'
  | 'malformed-file'
  | 'not-enough-data'
  | 'non-finite-input'
  | 'optimizer-failed'
  | 'unknown-dataset'
  | 'unknown-model'
  | 'model-mismatch'
  | 'prometheus-error'
  | 'prometheus-unreachable'
  | 'io-error';

/**
 * The one error type Prescale raises on purpose. `field` names the culprit (a dotted config path,
 * a file:line, a model name) so the CLI and the API can say what to fix.
 */
export class PrescaleError extends Error {
  readonly code: PrescaleErrorCode;
  readonly field?: string;

  constructor(code: PrescaleErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PrescaleError';
    this.code = code;
    this.field = options?.field;
  }
}
