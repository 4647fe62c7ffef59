/**
 * JSON that keeps every number exactly as the client wrote it.
 *
 * `JSON.parse` turns 1234567890123456789 into 1234567890123456800 and 1e400 into Infinity, so a numeric
 * user id would load as another user. Here a number literal that a JavaScript number holds exactly stays a
 * plain `number` (the common case, and what every consumer already handles); any other literal becomes a
 * lossless-json `LosslessNumber` whose `value` is the literal's text, and `stringifyJson` writes that text
 * back unchanged.
 */
import { LosslessNumber, isLosslessNumber, isSafeNumber, parse, stringify } from 'lossless-json';

export { LosslessNumber, isLosslessNumber };

/**
 * A literal can only lose information with 16 or more significant digits or a three-digit exponent
 * (a double holds 15 decimal digits exactly). Text without either takes the native parser, which is
 * several times faster; the pattern may match inside strings too, which only costs the slower parser.
 */
const MAY_HOLD_INEXACT_NUMBER = /\d(?:\.?\d){15}|[eE][+-]?\d{3}/;

function parseNumber(literal: string): number | LosslessNumber {
  return isSafeNumber(literal) ? Number(literal) : new LosslessNumber(literal);
}

/** Parses JSON text; throws a SyntaxError on invalid JSON, like `JSON.parse`. */
export function parseJson(text: string): unknown {
  if (!MAY_HOLD_INEXACT_NUMBER.test(text)) return JSON.parse(text);
  return parse(text, undefined, parseNumber);
}

/** True when `parseJson(text)` may produce a `LosslessNumber`, so the value needs `stringifyJson`. */
export function mayHoldInexactNumber(text: string): boolean {
  return MAY_HOLD_INEXACT_NUMBER.test(text);
}

/** Serialises a value that may hold `LosslessNumber`s, writing their literal text. */
export function stringifyJson(value: unknown): string {
  const text = stringify(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}
