import { z } from 'zod';
import { describeValue } from '../core/issues.js';

/**
 * Kubernetes `resource.Quantity` parsing, exact where the controller is exact: `MilliValue()` is
 * `ceil(q × 1000)` computed on the decimal digits, so "0.1" is 100 and "1Ki" is 1024000, never a
 * float approximation. The one quantity parser of Prescale: the HPA emulation, the planner's request and the
 * simulator's cluster all read "500m" and "1Gi" through it.
 */

const DECIMAL_SUFFIX_EXPONENT: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

const BINARY_SUFFIX_POWER_OF_TWO: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

// <sign><digits>[.<digits>] then a decimal exponent (e3, E-2) or a suffix; "E" alone is exa.
const QUANTITY_PATTERN = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

/** A parsed quantity: the controller's milli-value and a float for fields read with `AsApproximateFloat64`. */
export interface ParsedQuantity {
  readonly milli: number;
  readonly approximate: number;
}

/** Why a string is not a usable quantity, phrased to follow "<field>: ". */
export type QuantityProblem = { readonly problem: string };

/**
 * Parses a Kubernetes quantity ("500m", "2", "1.5Gi", "3e2"). Negative values and milli-values
 * beyond 2^53 are refused: the emulation keeps every milli-value an exact JavaScript integer.
 */
export function parseQuantity(text: string): ParsedQuantity | QuantityProblem {
  const match = QUANTITY_PATTERN.exec(text);
  if (match === null) {
    return {
      problem: `${JSON.stringify(text)} is not a Kubernetes quantity; write e.g. "500m", "2", "0.5" or "256Mi"`,
    };
  }
  const [, sign, number, exponent, suffix = ''] = match;
  const [integerDigits, fractionDigits = ''] = number.split('.');
  const digits = BigInt(`${integerDigits}${fractionDigits}` || '0');
  if (sign === '-' && digits !== 0n) {
    return { problem: `${JSON.stringify(text)} is negative; give a value ≥ 0` };
  }
  const powerOfTwo = BINARY_SUFFIX_POWER_OF_TWO[suffix] ?? 0;
  const powerOfTen =
    (exponent === undefined ? (DECIMAL_SUFFIX_EXPONENT[suffix] ?? 0) : Number(exponent)) - fractionDigits.length;
  const milli = milliValue(digits, powerOfTen + 3, powerOfTwo);
  if (milli === null || milli > Number.MAX_SAFE_INTEGER) {
    return { problem: `${JSON.stringify(text)} is too large for the emulation (above 9e12 units); use a smaller unit` };
  }
  const approximate = Number(`${digits}e${powerOfTen}`) * 2 ** powerOfTwo;
  return { milli, approximate };
}

/** True when `parseQuantity` failed. */
export function isQuantityProblem(result: ParsedQuantity | QuantityProblem): result is QuantityProblem {
  return 'problem' in result;
}

/** ceil(digits × 10^powerOfTen × 2^powerOfTwo), or null when it is certainly beyond 2^53. */
function milliValue(digits: bigint, powerOfTen: number, powerOfTwo: number): number | null {
  if (digits === 0n) return 0;
  const scaled = digits << BigInt(powerOfTwo);
  if (powerOfTen >= 0) {
    if (powerOfTen > 20) return null;
    return Number(scaled * 10n ** BigInt(powerOfTen));
  }
  // A value below one milli-unit still costs one: MilliValue rounds up.
  if (-powerOfTen > scaled.toString().length) return 1;
  const divisor = 10n ** BigInt(-powerOfTen);
  const quotient = scaled / divisor;
  return Number(scaled % divisor === 0n ? quotient : quotient + 1n);
}

/** Formats a milli-value as a quantity string Kubernetes parses back to the same value ("250m", "3"). */
export function formatMilli(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/**
 * A config field holding a Kubernetes quantity (`"500m"`, `"0.5"`, `"512Mi"`, `"1e3"`) or a plain number ≥ 0, as
 * a number of `unit`s: `'milli'` (CPU in millicores, the controller's exact `MilliValue`) or `'one'` (cores, bytes).
 * Typed `string | number` on input, so a JSON Schema (the CRD's) can be generated from it.
 */
export function quantitySchema(unit: 'milli' | 'one') {
  const fix = 'write e.g. "500m", "2" or "256Mi"';
  return z
    .union([z.string(), z.number()], {
      error: (issue) =>
        `${issue.input === undefined ? 'required' : `${describeValue(issue.input)} is not a quantity`}; ${fix}`,
    })
    .transform((value, ctx) => {
      if (typeof value === 'number') {
        if (value >= 0) return unit === 'milli' ? value * 1000 : value;
        ctx.issues.push({ code: 'custom', input: value, message: `${value} is negative; give a value ≥ 0` });
        return z.NEVER;
      }
      const parsed = parseQuantity(value.trim());
      if (isQuantityProblem(parsed)) {
        ctx.issues.push({ code: 'custom', input: value, message: parsed.problem });
        return z.NEVER;
      }
      return unit === 'milli' ? parsed.milli : parsed.approximate;
    });
}
