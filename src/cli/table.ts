/** Formats rows as a plain-text table with right-aligned columns after the first, for terminals and logs. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A number with `digits` significant digits, '-' for null or non-finite (as the shared scorer prints). */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  return value == null || !Number.isFinite(value) ? '-' : Number(value).toPrecision(digits);
}
