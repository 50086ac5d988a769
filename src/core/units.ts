import { PrescaleError } from './errors.js';

/**
 * The pure unit parsers of Prescale: durations, points in time and Prometheus sample values, as users and
 * Prometheus write them. Every stage reads units through these (the collector, the config schemas, the CLI flags),
 * so `30s` and `+Inf` mean the same everywhere.
 */

/** Seconds per Prometheus duration unit (`docs/querying/basics.md`: ms, s, m, h, d, w, y; y = 365 d). */
const secondsPerUnit: Record<string, number> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
  y: 31_536_000,
};
/** Largest to smallest, the order Prometheus requires inside a duration like `1h30m`. */
const unitOrder = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
const durationPartPattern = /(\d+)(ms|y|w|d|h|m|s)/y;
const plainSecondsPattern = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Why a text is not a duration, phrased to follow `"<field>: "`; the caller adds the fix it can offer. */
export interface DurationProblem {
  readonly problem: string;
}

/**
 * Reads a duration the way Prometheus and Kubernetes users write it: `30s`, `10m`, `14d`, `1h30m`, `500ms`, or
 * a plain number of seconds (`15`, `0.5`). Units go largest first, each at most once. Returns seconds (>= 0),
 * or what is wrong, so a schema can pair the problem with the range it accepts.
 */
export function readDurationSeconds(text: string): number | DurationProblem {
  const trimmed = text.trim();
  if (trimmed === '') return { problem: 'empty duration' };
  const tooLarge = { problem: `"${text}" is too large` };
  if (plainSecondsPattern.test(trimmed)) {
    const seconds = Number(trimmed);
    return Number.isFinite(seconds) ? seconds : tooLarge;
  }
  let seconds = 0;
  let lastUnitRank = -1;
  durationPartPattern.lastIndex = 0;
  while (durationPartPattern.lastIndex < trimmed.length) {
    const start = durationPartPattern.lastIndex;
    const match = durationPartPattern.exec(trimmed);
    if (match === null) {
      const after = start === 0 ? '' : ` (unexpected "${trimmed.slice(start)}")`;
      return { problem: `"${text}" is not a duration${after}` };
    }
    const [, amount, unit] = match;
    const rank = unitOrder.indexOf(unit);
    if (rank <= lastUnitRank) return { problem: `"${text}" repeats a unit or puts a smaller unit before a larger one` };
    lastUnitRank = rank;
    seconds += Number(amount) * secondsPerUnit[unit];
  }
  return Number.isFinite(seconds) ? seconds : tooLarge;
}

/** `readDurationSeconds` for flags and files: seconds, or throws `invalid-input` naming `field` and the fix. */
export function parseDurationSeconds(text: string, field = 'duration'): number {
  const seconds = readDurationSeconds(text);
  if (typeof seconds === 'number') return seconds;
  throw new PrescaleError(
    'invalid-input',
    `${field}: ${seconds.problem}; write a duration like 30s, 10m, 1h30m or 14d (units ms, s, m, h, d, w, y), or plain seconds`,
    { field },
  );
}

const dateTimePattern =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

/**
 * Parses an ISO 8601 / RFC 3339 date or date-time to unix seconds, or returns undefined if `text` is not one.
 * Accepts `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.fff]]` with `T` or a space, and an optional `Z` or `±HH:MM`.
 * Text without a zone is read as UTC (NAB and Prophet files carry no zone). Used for trace files and flags.
 */
export function parseDateTimeSeconds(text: string): number | undefined {
  const match = dateTimePattern.exec(text);
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zulu, sign, offsetHours, offsetMinutes] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  // Date.UTC rolls 31 Feb into March; rebuilding the day catches that.
  const dayMs = Date.UTC(year, month - 1, day);
  if (new Date(dayMs).getUTCDate() !== day) return undefined;
  // Leave date-only text without a zone alone: `2016-01-20Z` is not a real format.
  if (h === undefined && (zulu !== undefined || sign !== undefined)) return undefined;
  let seconds = dayMs / 1000 + hour * 3600 + minute * 60 + second;
  if (fraction !== undefined) seconds += Number(fraction);
  if (sign !== undefined) {
    const offsetH = Number(offsetHours);
    const offsetM = Number(offsetMinutes);
    if (offsetH > 23 || offsetM > 59) return undefined;
    const offsetSeconds = offsetH * 3600 + offsetM * 60;
    seconds += sign === '+' ? -offsetSeconds : offsetSeconds;
  }
  return seconds;
}

const relativeNowPattern = /^now(?:\s*([+-])\s*(.+))?$/;

/**
 * Parses a point in time for flags and config: RFC 3339 (`2024-05-01T12:00:00Z`), unix seconds (`1714564800`),
 * or, when `nowSeconds` is given, `now` and `now-1h` / `now+30m`. Returns unix seconds; throws `invalid-input`
 * naming `field`.
 */
export function parseTimeSeconds(text: string, field = 'time', nowSeconds?: number): number {
  const trimmed = text.trim();
  if (plainSecondsPattern.test(trimmed)) return Number(trimmed);
  const dateTime = parseDateTimeSeconds(trimmed);
  if (dateTime !== undefined) return dateTime;
  const relative = relativeNowPattern.exec(trimmed);
  if (relative !== null && nowSeconds !== undefined) {
    const [, sign, duration] = relative;
    if (sign === undefined) return nowSeconds;
    const offsetSeconds = parseDurationSeconds(duration, field);
    return sign === '-' ? nowSeconds - offsetSeconds : nowSeconds + offsetSeconds;
  }
  const nowHint = nowSeconds === undefined ? '' : ', or now / now-1h';
  throw new PrescaleError(
    'invalid-input',
    `${field}: "${text}" is not a time; write RFC 3339 (2024-05-01T12:00:00Z) or unix seconds (1714564800)${nowHint}`,
    { field },
  );
}

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

/** Seconds per unit, largest first, for writing durations back (`1800` → `30m`); weeks and years read as days. */
const writtenUnits: readonly (readonly [string, number])[] = [
  ['d', 86_400],
  ['h', 3600],
  ['m', 60],
  ['s', 1],
  ['ms', 0.001],
];

/**
 * Writes seconds as the shortest duration `parseDurationSeconds` reads back to the same value, in the largest
 * unit that divides it (`86400` → `1d`, `90` → `90s`, `0.5` → `500ms`; plain seconds otherwise), so messages speak the user's units.
 */
export function formatDurationSeconds(seconds: number): string {
  if (seconds === 0) return '0s';
  for (const [unit, size] of writtenUnits) {
    const amount = seconds / size;
    if (Number.isInteger(amount)) return `${amount}${unit}`;
  }
  // Units take whole amounts only; plain seconds take fractions.
  return String(seconds);
}
