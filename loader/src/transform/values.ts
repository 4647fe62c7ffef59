/**
 * Small value helpers shared by the transform and schema-planning steps (pure).
 */
import { stringifyJson } from '@eventpipe/core';
import { isLosslessNumber } from './numbers.js';

/** A JSON object (not an array, not null, not a lossless number literal). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isLosslessNumber(value);
}

/** `Object.keys(object).length > 0` without allocating the array of keys. */
export function hasOwnKeys(object: Record<string, unknown>): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return true;
  return false;
}

/**
 * Sets an own property even when the key is `__proto__` (JSON.parse makes such keys own properties;
 * plain assignment would change the object's prototype instead and lose the value).
 */
export function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    object[key] = value;
  }
}

/**
 * A row's own value under `name`, or undefined: a plain object inherits `constructor`, `toString`
 * and the rest, and a row without a property of that name must read as null, not as a function.
 */
export function ownValue(row: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(row, name) ? row[name] : undefined;
}

/** UTF-8 length of a string: what Redshift's VARCHAR(n) limit counts. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** What `cleanStrings` changed, summed over the values it cleaned. */
export interface TextRepairs {
  /** Strings holding a lone UTF-16 surrogate (half an emoji), now U+FFFD in its place. */
  surrogates: number;
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` as both warehouses can store it: NUL removed, lone surrogates replaced by U+FFFD. */
function cleanString(text: string, repairs: TextRepairs | undefined): string {
  let clean = text.includes('\0') ? text.replaceAll('\0', '') : text;
  LONE_SURROGATE.lastIndex = 0;
  if (LONE_SURROGATE.test(clean)) {
    clean = clean.replace(LONE_SURROGATE, '\uFFFD');
    if (repairs) repairs.surrogates++;
  }
  return clean;
}

/**
 * Every string in `value`, object keys included, made storable, and the same treatment in every
 * column: PostgreSQL cannot store U+0000 in text nor in jsonb, so NUL characters are removed (one
 * would otherwise fail the whole batch); a lone UTF-16 surrogate (an emoji cut in half by a client's
 * truncation) cannot be written as UTF-8, and jsonb and Redshift refuse its `\uD83D` escape, so it
 * becomes U+FFFD, counted in `repairs`, in text and JSON columns alike. The rest of each string is
 * kept. Returns the same reference when nothing changed (the common case).
 */
export function cleanStrings(value: unknown, repairs?: TextRepairs): unknown {
  if (typeof value === 'string') return cleanString(value, repairs);
  // Arrays and objects are copied only from their first change on: this runs on every value of
  // every event, and almost none changes.
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const cleaned = cleanStrings(item, repairs);
      if (out === undefined && cleaned !== item) out = value.slice(0, i);
      out?.push(cleaned);
    }
    return out ?? value;
  }
  if (isPlainObject(value)) {
    let out: Record<string, unknown> | undefined;
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const item = value[key];
      const cleanKey = cleanString(key, repairs);
      const cleaned = cleanStrings(item, repairs);
      if (out === undefined && (cleanKey !== key || cleaned !== item)) {
        out = {};
        for (let j = 0; j < i; j++) setOwn(out, keys[j]!, value[keys[j]!]);
      }
      if (out !== undefined) setOwn(out, cleanKey, cleaned);
    }
    return out ?? value;
  }
  return value;
}

/**
 * JSON text of a value that may hold lossless number literals (their digits written as sent). The
 * native serialiser is tried first: only a value holding such a literal writes its marker property.
 */
export function jsonText(value: unknown): string {
  const text = JSON.stringify(value);
  return text !== undefined && text.includes('"isLosslessNumber"') ? stringifyJson(value) : text;
}

/** The text a text column stores for a value: strings as they are, other values as JSON text. */
export function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  return isLosslessNumber(value) ? value.value : jsonText(value);
}
