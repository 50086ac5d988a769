import { PrescaleError } from '../core/index.js';

/** Writes a sample value the way Prometheus does: shortest exact decimal, and `NaN`, `+Inf`, `-Inf`. */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** Reads a Prometheus sample value string: decimals plus `NaN`, `+Inf`, `-Inf`. */
export function parseSampleValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value)) {
    throw new PrescaleError(
      'prometheus-error',
      `Prometheus returned the sample value "${text}", which is not a number`,
    );
  }
  return value;
}
