/**
 * The column budget (pure): which of a batch's new columns a table can still add, and which nested
 * objects are stored whole, as JSON, because their leaves cannot all have columns.
 *
 * New columns are handed out row by row, in the batch's order, each row's in its own key order; so
 * what a row gets depends only on the table before it and the rows before it, and the same events
 * give the same columns in one batch or many. In a row:
 *
 * - the leaves of a nested object (`properties.cart.items.0.sku` …, `NestedObject`) get their columns
 *   together or not at all; when they cannot, the object is kept whole in the column of its top-level
 *   key (`cart`): JSON text, or jsonb / SUPER with `rules.arrays: native`. One column replaces many,
 *   and it holds the object exactly as sent. Its leaves that already have columns stay empty in that
 *   row: the object is in one place, whole.
 * - when even that column cannot be added (no slot left), or the row holds another value under its
 *   name, the object's leaves get columns while slots last, as any other value does;
 * - a value without a column goes to `_rejected` (the caller's placement does that, and counts it).
 */
import { inferColumns } from '../transform/table.js';
import type { DialectRules, NestedObject, Row, TableBatch } from '../transform/types.js';
import { REJECTED_COLUMN, UUID_TS_COLUMN } from '../transform/columns.js';
import { cleanStrings, jsonText, ownValue } from '../transform/values.js';

export interface BudgetFit {
  /** The batch, with each object that is kept whole in its column in place of its leaves. */
  batch: TableBatch;
  /** The new columns that fit in the budget. */
  added: ReadonlySet<string>;
}

/**
 * Fits `batch` into the `slots` columns the table (whose columns are `existing`) can still add.
 * Returns the batch itself, untouched, when every new column fits (the usual case).
 */
export function fitColumnBudget(
  existing: ReadonlySet<string>,
  batch: TableBatch,
  slots: number,
  rules: Pick<DialectRules, 'arrays' | 'numeric'>,
): BudgetFit {
  const isNew = (name: string) => !existing.has(name) && name !== REJECTED_COLUMN && name !== UUID_TS_COLUMN;
  const fresh = batch.columns.map((column) => column.name).filter(isNew);
  if (fresh.length <= slots) return { batch, added: new Set(fresh) };

  const added = new Set<string>();
  let left = slots;
  const has = (name: string) => !isNew(name) || added.has(name);
  const add = (name: string) => {
    if (has(name) || left === 0) return;
    added.add(name);
    left--;
  };

  let changed = false;
  const nested = batch.nested?.objects();
  const rows = batch.rows.map((row, index) => {
    const objects = nested?.[index];
    const ofLeaf = new Map<string, NestedObject>();
    for (const object of objects ?? []) for (const leaf of object.leaves) ofLeaf.set(leaf, object);
    const decided = new Set<NestedObject>();
    const whole: NestedObject[] = [];
    for (const name in row) {
      if (has(name)) continue;
      const object = ofLeaf.get(name);
      if (object === undefined) {
        add(name);
        continue;
      }
      if (decided.has(object)) continue;
      decided.add(object);
      const missing = new Set(object.leaves.filter((leaf) => !has(leaf)));
      // The column is the object's alone in this row: no other value, no other object kept whole there.
      const columnFree =
        !whole.some((other) => other.column === object.column) &&
        (object.leaves.includes(object.column) || ownValue(row, object.column) === undefined);
      if (missing.size <= left || !columnFree || !(has(object.column) || left > 0)) {
        for (const leaf of missing) add(leaf);
      } else {
        add(object.column);
        whole.push(object);
      }
    }
    if (whole.length === 0) return row;
    changed = true;
    return keptWhole(row, whole, ofLeaf, rules);
  });
  if (!changed) return { batch, added };

  // The columns typed again from the rows as they now are: an object's column is typed by its JSON
  // in row order, like any value, and a leaf no longer counts the values now inside an object.
  const columns = inferColumns(rows, batch.nested!.common, rules);
  return { batch: { table: batch.table, mode: batch.mode, columns, rows }, added };
}

/**
 * `row` with each of `objects` whole in its column, where its first leaf was, and its leaves taken
 * out, also from `_rejected`: a leaf two keys shared is inside the object now. `ofLeaf` maps the
 * row's leaf columns to their objects (kept whole or not).
 */
function keptWhole(
  row: Row,
  objects: readonly NestedObject[],
  ofLeaf: ReadonlyMap<string, NestedObject>,
  rules: Pick<DialectRules, 'arrays'>,
): Row {
  const entries: [string, unknown][] = [];
  const placed = new Set<NestedObject>();
  for (const name in row) {
    const leafOf = ofLeaf.get(name);
    const object = leafOf !== undefined && objects.includes(leafOf) ? leafOf : undefined;
    if (object === undefined) {
      entries.push([name, row[name]]);
    } else if (!placed.has(object)) {
      placed.add(object);
      const value = cleanStrings(object.value);
      entries.push([object.column, rules.arrays === 'text' ? jsonText(value) : value]);
    }
  }
  const carried = ownValue(row, REJECTED_COLUMN);
  const inObjects = new Set(objects.flatMap((object) => object.rejected));
  if (inObjects.size > 0 && carried !== null && typeof carried === 'object') {
    const rejected = Object.fromEntries(
      Object.entries(carried as Record<string, unknown>).filter(([key]) => !inObjects.has(key)),
    );
    const at = entries.findIndex(([name]) => name === REJECTED_COLUMN);
    if (Object.keys(rejected).length === 0) entries.splice(at, 1);
    else entries[at] = [REJECTED_COLUMN, rejected];
  }
  return Object.fromEntries(entries) as Row;
}
