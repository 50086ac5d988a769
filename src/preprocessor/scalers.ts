import { z } from 'zod';
import { PrescaleError } from '../core/index.js';
import { safeParseWithIssues } from '../core/issues.js';

/** Which scaling: 'standard' maps to mean 0, standard deviation 1; 'min-max' maps the fitted range to [0, 1]. */
export type ScalerKind = 'standard' | 'min-max';

const scalerJsonSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('standard'), mean: z.number(), std: z.number().nonnegative() }),
  z.object({ kind: z.literal('min-max'), min: z.number(), max: z.number() }).refine((s) => s.max >= s.min, {
    message: 'max is below min',
    path: ['max'],
  }),
]);

/** A fitted scaler as saved next to a model (`toJSON`) and read back (`scalerFromJSON`). */
export type ScalerJSON = z.infer<typeof scalerJsonSchema>;

/** A fitted scaler: neural models train on `transform`ed values and map their outputs back with `inverse`. */
export interface Scaler {
  readonly kind: ScalerKind;
  /** (x − offset) / scale; NaN stays NaN. */
  transform(values: ArrayLike<number>): Float64Array;
  /** x × scale + offset; also maps interval bounds back (the map is increasing). */
  inverse(values: ArrayLike<number>): Float64Array;
  toJSON(): ScalerJSON;
}

/**
 * Fits a scaler on the finite values (NaN and ±Infinity are ignored). A constant series has a zero spread:
 * its scale is taken as 1 instead, so `transform` gives 0 for that value (not NaN or ±Infinity) and
 * `inverse` still round-trips. Throws 'not-enough-data' when no value is finite.
 */
export function fitScaler(kind: ScalerKind, values: ArrayLike<number>): Scaler {
  let count = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    count++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (count === 0) {
    throw new PrescaleError(
      'not-enough-data',
      `values: no finite value among ${values.length} to fit a ${kind} scaler on; pass observed data`,
      {
        field: 'values',
      },
    );
  }
  if (kind === 'min-max') return makeScaler({ kind, min, max });
  if (kind !== 'standard') {
    throw new PrescaleError('invalid-input', `kind: '${kind}' is unknown; use 'standard' or 'min-max'`, {
      field: 'kind',
    });
  }
  const mean = sum / count;
  let squares = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) squares += (values[i] - mean) ** 2;
  return makeScaler({ kind, mean, std: Math.sqrt(squares / count) });
}

/** Rebuilds a scaler saved with `toJSON`; a malformed object gets an error naming the bad field. */
export function scalerFromJSON(json: unknown): Scaler {
  const parsed = safeParseWithIssues(scalerJsonSchema, json, ['scaler']);
  if (!parsed.success) {
    const [issue] = parsed.issues;
    throw new PrescaleError(
      'invalid-input',
      `${issue.path}: ${issue.message}; pass the object a scaler's toJSON() wrote`,
      { field: issue.path },
    );
  }
  return makeScaler(parsed.data);
}

function makeScaler(saved: ScalerJSON): Scaler {
  const offset = saved.kind === 'standard' ? saved.mean : saved.min;
  const spread = saved.kind === 'standard' ? saved.std : saved.max - saved.min;
  const scale = spread > 0 ? spread : 1; // constant series: no division by zero
  return {
    kind: saved.kind,
    transform: (values) => Float64Array.from(values, (x) => (x - offset) / scale),
    inverse: (values) => Float64Array.from(values, (x) => x * scale + offset),
    toJSON: () => ({ ...saved }),
  };
}
