/**
 * Column types from JSON values, and the widening lattice that merges them (pure).
 *
 * The lattice, from narrow to wide:
 *
 *     bigint ──▶ double ──▶ text ──▶ json
 *     boolean ─────────────▶ text
 *     timestamp ───────────▶ text
 *
 * `lub(a, b)` is the narrowest type that can hold values of both: two different scalar types meet in
 * `text` (except bigint + double = double), and anything mixed with `json` is `json`, because a JSON
 * column can hold any value losslessly (a number stays a number, a string stays a string), whereas
 * text would turn an array into a string that no longer reads as one.
 */
import type { ColumnType } from './types.js';
import { isPlainObject } from './values.js';

// Strict on purpose: a date AND a time AND a zone, the shape every Segment SDK sends
// (`2024-05-01T12:34:56.789Z`). Dates without a time, or local times without a zone, stay text:
// guessing a zone would silently shift them.
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):?(\d{2}))$/;

const INT64_MIN = -(2 ** 63);
const INT64_LIMIT = 2 ** 63; // exclusive

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/**
 * Milliseconds since the epoch of a strict ISO-8601 date-time, or undefined when `text` is not one
 * (wrong shape, or a field out of range such as February 30 or 25 o'clock). Year 0 is refused:
 * PostgreSQL has no year 0 in ISO input.
 */
export function parseTimestamp(text: string): number | undefined {
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
  const millis = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  let offsetMinutes = 0;
  if (m[8]) {
    const offsetHours = Number(m[9]);
    const offsetMins = Number(m[10]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (year >= 100) return utc - offsetMinutes * 60_000;
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const date = new Date(utc);
  date.setUTCFullYear(year);
  return date.getTime() - offsetMinutes * 60_000;
}

/** True when `value` is an ISO-8601 date-time string that loads as a timestamp. */
export function isTimestamp(value: unknown): value is string {
  return typeof value === 'string' && parseTimestamp(value) !== undefined;
}

/**
 * The column type a single (non-null) value needs. Objects reach here only past the flattening depth
 * (shallower ones are flattened into columns first), so they are json like arrays.
 */
export function inferType(value: unknown): ColumnType {
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(value) && value >= INT64_MIN && value < INT64_LIMIT ? 'bigint' : 'double';
    case 'string':
      return isTimestamp(value) ? 'timestamp' : 'text';
    default:
      return Array.isArray(value) || isPlainObject(value) ? 'json' : 'text';
  }
}

/** Least upper bound of two types in the lattice above. */
export function lub(a: ColumnType, b: ColumnType): ColumnType {
  if (a === b) return a;
  if (a === 'json' || b === 'json') return 'json';
  if ((a === 'bigint' && b === 'double') || (a === 'double' && b === 'bigint')) return 'double';
  return 'text';
}

/** Can a column of type `column` hold `value` as it is (possibly as text), without widening? */
export function fits(column: ColumnType, value: unknown): boolean {
  return lub(column, inferType(value)) === column;
}
