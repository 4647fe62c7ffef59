/**
 * Nested objects → flat fields (pure): `{a: {b: 1}}` → `[{path: ['a', 'b'], value: 1}]`.
 */
import { isPlainObject, setOwn } from './values.js';

/**
 * Object levels flattened into columns: every level, as Segment does, up to a bound no real payload
 * reaches. A column name cannot spell a deeper path anyway (each level costs at least two bytes of
 * PostgreSQL's 63), and the bound keeps a hostile, deeply nested event from costing quadratic work.
 * An object nested deeper is kept whole as one value (JSON text by default).
 */
export const MAX_FLATTEN_DEPTH = 32;

/** A key as a path segment: NUL cannot be part of a name either, so `a\0b` names like `ab`. */
function pathSegment(key: string): string {
  return key.includes('\0') ? key.replaceAll('\0', '') : key;
}

export interface FlatField {
  path: string[];
  value: unknown;
  /** The top-level key the field is under, as sent (`path[0]` has NUL removed); fields of one key come together. */
  top: string;
}

/**
 * Leaves of `object` up to `maxDepth` levels; arrays and deeper objects are leaves (loaded as JSON).
 * Nulls and empty objects produce no field: a missing column reads as NULL, which is what they hold.
 * Keys keep the order of the object; the caller names and sorts columns.
 */
export function flatten(object: Record<string, unknown>, maxDepth = MAX_FLATTEN_DEPTH): FlatField[] {
  const fields: FlatField[] = [];
  const walk = (value: Record<string, unknown>, prefix: string[], top: string | undefined): void => {
    for (const [key, item] of Object.entries(value)) {
      if (item === null || item === undefined) continue;
      const path = [...prefix, pathSegment(key)];
      if (isPlainObject(item) && path.length < maxDepth) walk(item, path, top ?? key);
      else if (!isPlainObject(item) || Object.keys(item).length > 0)
        fields.push({ path, value: item, top: top ?? key });
    }
  };
  walk(object, [], undefined);
  return fields;
}

/**
 * `over` merged onto `under`, objects recursively, `over` winning: how Segment applies a batch-level
 * `context` under each event's own.
 */
export function deepMerge(
  under: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...under };
  for (const [key, value] of Object.entries(over)) {
    const base = Object.hasOwn(merged, key) ? merged[key] : undefined;
    setOwn(merged, key, isPlainObject(base) && isPlainObject(value) ? deepMerge(base, value) : value);
  }
  return merged;
}
