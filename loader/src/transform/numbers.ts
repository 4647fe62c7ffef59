/**
 * Numbers as the client wrote them (pure). The loader decodes envelopes with `parseJson`, which keeps
 * a literal a double cannot hold exactly (`1234567890123456789`, `1e400`, `0.1000000000000000001`) as
 * a `LosslessNumber` holding its text; everything here reads such literals without rounding them.
 */
import { isLosslessNumber, LosslessNumber } from '@eventpipe/core';

export { isLosslessNumber, LosslessNumber };

/** A number value of an event: a plain number (exact as a double) or a lossless literal. */
export type EventNumber = number | LosslessNumber;

export function isEventNumber(value: unknown): value is EventNumber {
  return typeof value === 'number' || isLosslessNumber(value);
}

/** The digits of a number: `digits` with the decimal point after `point` of them, zeros trimmed at both ends. */
interface Decimal {
  negative: boolean;
  /** Significant digits, no leading or trailing zeros (`''` for zero). */
  digits: string;
  /** Position of the decimal point within `digits` (may be negative or past the end). */
  point: number;
}

const LITERAL = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

function decimal(value: EventNumber): Decimal | undefined {
  // String(number) is the shortest text that reads back as the same double: the client's value.
  const m = LITERAL.exec(typeof value === 'number' ? String(value).replace('e+', 'e') : value.value);
  if (!m) return undefined; // NaN or Infinity: not from JSON
  const whole = m[2]!;
  const fraction = m[3] ?? '';
  let digits = whole + fraction;
  let point = whole.length + Number(m[4] ?? 0);
  const leading = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(leading).replace(/0+$/, '');
  point -= leading;
  return { negative: m[1] === '-' && digits !== '', digits, point: digits === '' ? 0 : point };
}

/** Digits before and after the decimal point, trailing fraction zeros and leading zeros not counted. */
export function decimalShape(value: EventNumber): { integerDigits: number; fractionDigits: number } {
  const d = decimal(value);
  if (!d) return { integerDigits: Number.POSITIVE_INFINITY, fractionDigits: Number.POSITIVE_INFINITY };
  return { integerDigits: Math.max(0, d.point), fractionDigits: Math.max(0, d.digits.length - d.point) };
}

/**
 * The number in plain decimal notation, without exponent (`1.5e3` → `1500`): the form every numeric
 * column type of both warehouses reads. Only call it for numbers whose shape a column accepts (the
 * text has `integerDigits + fractionDigits` digits).
 */
export function plainDecimal(value: EventNumber): string {
  const d = decimal(value);
  if (!d) throw new RangeError(`${String(value)} is not a finite number`);
  if (d.digits === '') return '0';
  const sign = d.negative ? '-' : '';
  if (d.point <= 0) return `${sign}0.${'0'.repeat(-d.point)}${d.digits}`;
  if (d.point >= d.digits.length) return sign + d.digits + '0'.repeat(d.point - d.digits.length);
  return `${sign}${d.digits.slice(0, d.point)}.${d.digits.slice(d.point)}`;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** An integer in the range of a 64-bit signed integer (PostgreSQL and Redshift `bigint`). */
export function isInt64(value: EventNumber): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63;
  const { integerDigits, fractionDigits } = decimalShape(value);
  if (fractionDigits > 0 || integerDigits > 19) return false;
  const n = BigInt(plainDecimal(value));
  return n >= INT64_MIN && n <= INT64_MAX;
}
