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
 * several times faster. Inside an object or array a number literal follows `:`, `,` or `[` and JSON
 * whitespace; looking only there keeps digits inside strings (an iPhone user agent's `15E148`, ids,
 * timestamps) off the slow path, and matches may still occur inside strings, which only costs time.
 */
const INEXACT_LITERAL = /[:,[][ \t\n\r]*-?(?:\d(?:\.?\d){15}|\d+(?:\.\d+)?[eE][+-]?\d{3})/;
/** A whole text that is one number has no delimiter before it: rare, so always the slow path. */
const TOP_LEVEL_NUMBER = /^[ \t\n\r]*[-\d]/;

const parseOptions = {
  parseNumber: (literal: string): number | LosslessNumber =>
    isSafeNumber(literal) ? Number(literal) : new LosslessNumber(literal),
  // As JSON.parse does: the last value wins. lossless-json throws by default, so a text the native
  // parser accepts would be refused whenever it also held a long number.
  onDuplicateKey: ({ newValue }: { newValue: unknown }) => newValue,
};

/** True when `parseJson(text)` may produce a `LosslessNumber`, so the value needs `stringifyJson`. */
export function mayHoldInexactNumber(text: string): boolean {
  return INEXACT_LITERAL.test(text) || TOP_LEVEL_NUMBER.test(text);
}

/** Parses JSON text; throws a SyntaxError on invalid JSON, like `JSON.parse`. */
export function parseJson(text: string): unknown {
  if (!mayHoldInexactNumber(text)) return JSON.parse(text);
  return parse(text, undefined, parseOptions);
}

/** Serialises a value that may hold `LosslessNumber`s, writing their literal text. */
export function stringifyJson(value: unknown): string {
  const text = stringify(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}
