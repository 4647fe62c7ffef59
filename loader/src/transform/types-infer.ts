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
// guessing a zone would silently shift them. The shape, read by `parseTimestampParts` without a
// regular expression (it runs several times per event: one regular expression with ten groups,
// then `Date`, were a tenth of the loader's CPU, measured in issue 14):
//
//     YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z | ±HH:MM | ±HHMM)

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
  /** Where the fraction's digits start and end in the text (equal when there is none). */
  fractionStart: number;
  fractionEnd: number;
  /** The text has no zone offset: it ends in `Z`. */
  utc: boolean;
}

/** The number spelled by `count` ASCII digits at `start`, or -1 when one of them is not a digit. */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** Whether `text` has the character `code` at `index`. */
function charIs(text: string, index: number, code: number): boolean {
  return text.charCodeAt(index) === code;
}

const DASH = 45;
const COLON = 58;
const DOT = 46;
const PLUS = 43;

/**
 * A strict ISO-8601 date-time, or undefined when `text` is not one (wrong shape, or a field out of
 * range such as February 30 or 25 o'clock). Year 0 is refused: PostgreSQL has no year 0 in ISO input.
 */
function parseTimestampParts(text: string): ParsedTimestamp | undefined {
  // Most strings are not timestamps: the fixed separators rule them out first.
  if (
    text.length < 20 ||
    !charIs(text, 4, DASH) ||
    !charIs(text, 7, DASH) ||
    !charIs(text, 10, 84 /* T */) ||
    !charIs(text, 13, COLON) ||
    !charIs(text, 16, COLON)
  )
    return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const fractionStart = charIs(text, 19, DOT) ? 20 : 19;
  let fractionEnd = fractionStart;
  if (fractionStart === 20) {
    while (fractionEnd < text.length && digitsAt(text, fractionEnd, 1) >= 0) fractionEnd++;
    if (fractionEnd === 20 || fractionEnd > 29) return undefined;
  }
  const fractionDigits = fractionEnd - fractionStart;
  const at = fractionEnd;
  let offsetMinutes = 0;
  const utc = charIs(text, at, 90 /* Z */);
  if (utc) {
    if (text.length !== at + 1) return undefined;
  } else {
    const sign = text.charCodeAt(at);
    if (sign !== PLUS && sign !== DASH) return undefined;
    const colon = charIs(text, at + 3, COLON) ? 1 : 0;
    if (text.length !== at + 5 + colon) return undefined;
    const offsetHours = digitsAt(text, at + 1, 2);
    const offsetMins = digitsAt(text, at + 3 + colon, 2);
    if (offsetHours < 0 || offsetHours > 23 || offsetMins < 0 || offsetMins > 59) return undefined;
    offsetMinutes = (sign === DASH ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const millis =
    fractionDigits === 0
      ? 0
      : digitsAt(text, fractionStart, Math.min(3, fractionDigits)) * 10 ** (3 - Math.min(3, fractionDigits));
  let utcMillis = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (year < 100) {
    // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
    const date = new Date(utcMillis);
    date.setUTCFullYear(year);
    utcMillis = date.getTime();
  }
  return {
    millis: utcMillis - offsetMinutes * 60_000,
    subMillis: fractionDigits > 3 ? text.slice(fractionStart + 3, fractionEnd) : '',
    fractionStart,
    fractionEnd,
    utc,
  };
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
  const parsed = exactTimestamp(text);
  if (!parsed) return undefined;
  const { millis, subMillis, fractionStart, fractionEnd, utc } = parsed;
  const digits = fractionEnd - fractionStart;
  if (utc) {
    // Already in UTC: the same fields, only the fraction written with six digits (years 1–9999 are
    // all in range). Already written so (what the loader's own rows hold): the same string.
    if (digits === 6) return text;
    const fraction = digits === 0 ? '' : text.slice(fractionStart, fractionStart + Math.min(6, digits));
    return `${text.slice(0, 19)}.${fraction.padEnd(6, '0')}Z`;
  }
  const iso = new Date(millis).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ for years 1–9999
  return `${iso.slice(0, 23)}${subMillis.slice(0, 3).padEnd(3, '0')}Z`;
}

/** The parts of `text` when it is a timestamp both warehouses store exactly (`normalizeTimestamp`). */
function exactTimestamp(text: string): ParsedTimestamp | undefined {
  const parsed = parseTimestampParts(text);
  if (!parsed || parsed.millis < MIN_MILLIS || parsed.millis > MAX_MILLIS) return undefined;
  const { subMillis } = parsed;
  if (subMillis.length > 3 && !/^0+$/.test(subMillis.slice(3))) return undefined;
  return parsed;
}

/**
 * True when `value` is an ISO-8601 date-time string that loads as a timestamp, exactly. (Asked of
 * every string of every row, so it does not write the normalised form.)
 */
export function isTimestamp(value: unknown): value is string {
  return typeof value === 'string' && exactTimestamp(value) !== undefined;
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
