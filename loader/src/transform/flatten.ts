/**
 * Nested objects → flat fields (pure): `{a: {b: 1}}` → the field `a.b` with the value 1.
 */
import type { FieldKeys, InternedField, KeyNode } from './field-keys.js';
import type { FieldRoot } from './names.js';
import { hasOwnKeys, isPlainObject, setOwn } from './values.js';

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

/**
 * Calls `visit` with each leaf of `object` up to `maxDepth` levels, its field key interned in `keys`
 * under `root`, and the top-level key it is under, as sent (the key's `path[0]` has NUL removed);
 * the leaves of one top-level key come one after another. Arrays and deeper objects are leaves
 * (loaded as JSON). Nulls and empty objects are not: a missing column reads as NULL, which is what
 * they hold. Keys keep the order of the object; the caller names and sorts columns.
 *
 * A callback rather than a list of fields: this runs for every event, and the transform keeps
 * nothing of a leaf but its interned key and its value.
 */
export function flatten(
  object: Record<string, unknown>,
  keys: FieldKeys,
  root: FieldRoot,
  visit: (field: InternedField, value: unknown, top: string) => void,
  maxDepth = MAX_FLATTEN_DEPTH,
): void {
  const walk = (value: Record<string, unknown>, at: KeyNode, top: string | undefined): void => {
    for (const key of Object.keys(value)) {
      const item = value[key];
      if (item === null || item === undefined) continue;
      const node = keys.child(at, pathSegment(key));
      if (isPlainObject(item) && node.path.length < maxDepth) walk(item, node, top ?? key);
      else if (!isPlainObject(item) || hasOwnKeys(item)) visit(keys.field(node), item, top ?? key);
    }
  };
  walk(object, keys.root(root), undefined);
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
