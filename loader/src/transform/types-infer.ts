/**
 * Column types from JSON values, and the one type policy of both warehouses (pure).
 *
 * A column's type only ever widens losslessly within its family:
 *
 *     numbers:  bigint ──▶ double            (every JSON number that is a plain JS number is a double)
 *               bigint, double ──▶ numeric   (exact decimal: integers past int64, digits a double rounds)
 *     strings:  timestamp ──▶ text           (only inside one batch: an existing timestamptz column stays)
 *     boolean;  json (native arrays) holds anything.
 *
 * Never to text, never to double when that rounds: a value of another family, or one no widening can
 * hold, goes to the row's `_rejected` column instead, and the column keeps its type, as in Segment, so
 * `SUM(amount)` keeps working after one stray `"lots"`.
 */
import { decimalShape, isInt64, isLosslessNumber } from './numbers.js';
import type { ColumnType, DialectRules } from './types.js';
import { isPlainObject } from './values.js';

// Strict on purpose: a date AND a time AND a zone, the shape every Segment SDK sends
// (`2024-05-01T12:34:56.789Z`). Dates without a time, or local times without a zone, stay text:
// guessing a zone would silently shift them.
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):?(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

interface ParsedTimestamp {
  /** Milliseconds since the epoch, UTC. */
  millis: number;
  /** The fraction's digits past the milliseconds (up to six: microseconds and nanoseconds). */
  subMillis: string;
}

/**
 * A strict ISO-8601 date-time, or undefined when `text` is not one (wrong shape, or a field out of
 * range such as February 30 or 25 o'clock). Year 0 is refused: PostgreSQL has no year 0 in ISO input.
 */
function parseTimestampParts(text: string): ParsedTimestamp | undefined {
  // Most strings are not timestamps: rule them out before running the regular expression.
  if (text.length < 20 || text.charCodeAt(10) !== 84 /* T */ || text.charCodeAt(4) !== 45 /* - */)
    return undefined;
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return undefined;
  // Fields read one by one, not sliced and mapped: this runs several times per event (hot path).
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const fraction = m[7] ?? '';
  const millis = fraction === '' ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
  let offsetMinutes = 0;
  if (m[8]) {
    const offsetHours = Number(m[9]);
    const offsetMins = Number(m[10]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  let utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (year < 100) {
    // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
    const date = new Date(utc);
    date.setUTCFullYear(year);
    utc = date.getTime();
  }
  return { millis: utc - offsetMinutes * 60_000, subMillis: fraction.slice(3) };
}

/** Milliseconds since the epoch of a strict ISO-8601 date-time, or undefined when `text` is not one. */
export function parseTimestamp(text: string): number | undefined {
  return parseTimestampParts(text)?.millis;
}

/** `0001-01-01T00:00:00Z` … `9999-12-31T23:59:59.999999Z`: what both warehouses store. */
const MIN_MILLIS = -62_135_596_800_000;
const MAX_MILLIS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * The timestamp in UTC with exactly six fractional digits (`2024-05-01T07:04:56.123456Z`), the form
 * both warehouses store without rounding or dropping a zone; undefined when `text` is not a timestamp
 * or cannot be written so exactly (non-zero digits past the microseconds, or a zone offset that moves
 * it out of years 1–9999).
 */
export function normalizeTimestamp(text: string): string | undefined {
  const parsed = parseTimestampParts(text);
  if (!parsed) return undefined;
  const { millis, subMillis } = parsed;
  if (millis < MIN_MILLIS || millis > MAX_MILLIS) return undefined;
  if (subMillis.length > 3 && !/^0+$/.test(subMillis.slice(3))) return undefined;
  const iso = new Date(millis).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ for years 1–9999
  return `${iso.slice(0, 23)}${subMillis.slice(0, 3).padEnd(3, '0')}Z`;
}

/** True when `value` is an ISO-8601 date-time string that loads as a timestamp, exactly. */
export function isTimestamp(value: unknown): value is string {
  return typeof value === 'string' && normalizeTimestamp(value) !== undefined;
}

/**
 * The column type a single (non-null) value needs. Arrays reach here as JSON text unless the pipeline
 * stores them natively; objects only past the flattening depth. Both are json then.
 */
export function inferType(value: unknown): ColumnType {
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return isInt64(value) ? 'bigint' : 'double';
    case 'string':
      return isTimestamp(value) ? 'timestamp' : 'text';
    default:
      // A literal a double would round: exact in bigint when it is an int64, else in numeric.
      if (isLosslessNumber(value)) return isInt64(value) ? 'bigint' : 'numeric';
      return Array.isArray(value) || isPlainObject(value) ? 'json' : 'text';
  }
}

/**
 * The narrowest type of the same family holding values of both types, or undefined when they are of
 * different families (the column keeps its first type, and the other values are rejected). A bigint
 * value of a batch is a plain number unless it is a lossless literal (which `fits` checks), so bigint
 * and double meet in double; double and numeric meet in numeric where numeric holds fractions
 * (PostgreSQL), else in double (Redshift's DECIMAL(38,0) holds none).
 */
export function lub(
  a: ColumnType,
  b: ColumnType,
  rules: Pick<DialectRules, 'numeric'>,
): ColumnType | undefined {
  if (a === b) return a;
  if (a === 'json' || b === 'json') return 'json';
  const pair = new Set([a, b]);
  if (pair.has('bigint') && pair.has('double')) return 'double';
  if (pair.has('bigint') && pair.has('numeric')) return 'numeric';
  if (pair.has('double') && pair.has('numeric'))
    return rules.numeric.maxFractionDigits > 0 ? 'numeric' : 'double';
  if (pair.has('timestamp') && pair.has('text')) return 'text';
  return undefined;
}

/**
 * Can a column of type `column` hold `value` exactly as it is (numbers, booleans and timestamps as
 * text in a text column)? Null fits every column.
 */
export function fits(column: ColumnType, value: unknown, rules: Pick<DialectRules, 'numeric'>): boolean {
  if (value === null || value === undefined) return true;
  switch (column) {
    case 'json':
      return true;
    case 'text':
      return typeof value !== 'object' || isLosslessNumber(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'timestamp':
      return isTimestamp(value);
    case 'bigint':
      return (typeof value === 'number' || isLosslessNumber(value)) && isInt64(value);
    case 'double':
      return typeof value === 'number';
    case 'numeric': {
      if (typeof value !== 'number' && !isLosslessNumber(value)) return false;
      const { integerDigits, fractionDigits } = decimalShape(value);
      return (
        integerDigits <= rules.numeric.maxIntegerDigits && fractionDigits <= rules.numeric.maxFractionDigits
      );
    }
  }
}
