/**
 * Draft rows of one table → its `TableBatch` (pure): each field under its key's column name,
 * `users` merged to the latest traits per user, column types as the union of the rows' types, and a
 * stable column order (the rows' own key order carries no meaning).
 */
import { createHash } from 'node:crypto';
import {
  COMMON_COLUMNS,
  COMMON_ORDER,
  FIXED_TYPES,
  REJECTED_COLUMN,
  TRAIT_VERSIONS_COLUMN,
  type TableKind,
} from './columns.js';
import { preferredColumnName, rawName, resolveColumnNames, type FieldKey, type FieldRoot } from './names.js';
import { columnValue, type DraftField, type DraftRow } from './rows.js';
import { inferType, lub, parseTimestamp } from './types-infer.js';
import type { Column, ColumnType, DialectRules, NestedObject, Row, TableBatch } from './types.js';
import { cleanStrings, hasOwnKeys, ownValue, setOwn, toText, utf8Bytes } from './values.js';

/**
 * The version of a `users` row's values: its `received_at` in UTC as `YYYY-MM-DD HH:MM:SS.mmm`, a
 * space, then the first 32 hex digits of the SHA-256 of its message id. Two identifies received in the
 * same millisecond still have an order, the same on every replay and in every batching. Plain ASCII of
 * fixed width, so comparing versions as text orders them in JavaScript and in any warehouse collation
 * alike, and they need no escaping inside JSON. (The hash, rather than the id itself, bounds the size.)
 */
export function traitVersion(row: DraftRow): string {
  const receivedAt = row.common.received_at;
  const time = typeof receivedAt === 'string' ? parseTimestamp(receivedAt) : undefined;
  const iso = time === undefined ? '' : new Date(time).toISOString();
  const when = iso === '' ? '' : `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  const tiebreak = createHash('sha256')
    .update(row.messageId ?? '')
    .digest('hex')
    .slice(0, 32);
  return `${when} ${tiebreak}`;
}

/** The object a field comes from, as the event names it: the key of a field in `_rejected` starts with it. */
const SOURCE_OBJECT: Readonly<Record<FieldRoot, string>> = {
  context: 'context',
  property: 'properties',
  trait: 'traits',
};

/** Whether `a` rather than `b` fills `column`: the key spelled as the column first, then the smaller key. */
function fillsBefore(a: DraftField, b: DraftField, column: string): boolean {
  const own = Number(rawName(b.key) === column) - Number(rawName(a.key) === column);
  return own < 0 || (own === 0 && a.id < b.id);
}

/**
 * One field per column in a row. Two keys of one event may share a column (`Order ID` and
 * `order_id` both name `order_id`): the key spelled as the column fills it, else the smallest key
 * (`fieldId`, code-unit order); the others keep their values in `_rejected`, under their key path as
 * sent (`properties.Order ID`), or their field id when the path holds what jsonb cannot store. So nothing is lost, and which key fills the column depends on that
 * event alone, never on the rest of the batch.
 */
export function oneFieldPerColumn(row: DraftRow, names: ReadonlyMap<string, string>): DraftRow {
  const chosen = new Map<string, DraftField>();
  let shared = false;
  for (const field of row.fields) {
    const column = names.get(field.id)!;
    const held = chosen.get(column);
    if (held !== undefined) shared = true;
    if (held === undefined || fillsBefore(field, held, column)) chosen.set(column, field);
  }
  if (!shared) return row;
  const kept = new Set(chosen.values());
  const rejected = { ...row.rejected };
  const displaced: { field: DraftField; key: string }[] = [];
  for (const field of row.fields) {
    if (kept.has(field)) continue;
    const path = `${SOURCE_OBJECT[field.key.root]}.${field.key.path.join('.')}`;
    // A key with NUL or half a surrogate pair cannot be a jsonb key: its id spells them as escapes.
    const storable = cleanStrings(path) === path;
    const key = storable && !Object.hasOwn(rejected, path) ? path : field.id;
    setOwn(rejected, key, field.value);
    displaced.push({ field, key });
  }
  return { ...row, fields: row.fields.filter((field) => kept.has(field)), rejected, displaced };
}

/**
 * One row per user id, each column holding its value of the newest identify (by `traitVersion`) that
 * sent one: a trait sent only earlier (or sent `null` later) is kept, as in Segment's `users` table.
 * `_trait_versions` records each column's version, so the warehouse merge (`merge` of each dialect)
 * applies the same rule to the stored row: the result is the same however the identifies are batched
 * and in whichever order batches commit. Users appear in the order of their first identify. `names`
 * maps each field to its column (`resolveColumnNames`).
 */
export function mergeLatest(rows: readonly DraftRow[], names: ReadonlyMap<string, string>): DraftRow[] {
  const byUser = new Map<unknown, { row: DraftRow; version: string }[]>();
  for (const row of rows) {
    const group = byUser.get(row.common.id) ?? [];
    group.push({ row, version: traitVersion(row) });
    byUser.set(row.common.id, group);
  }
  return [...byUser.values()].map((group) => {
    const ordered = [...group].sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
    const fields = new Map<string, DraftField>();
    const versions: Record<string, string> = {};
    // Objects are not kept: a `users` row is merged per column, so none of its objects is whole.
    const merged: DraftRow = { common: {}, fields: [], enriched: [], rejected: {}, objects: [] };
    for (const { row, version } of ordered) {
      Object.assign(merged.common, row.common);
      for (const [key, value] of Object.entries(row.rejected)) setOwn(merged.rejected, key, value);
      if (hasOwnKeys(row.rejected)) setOwn(versions, REJECTED_COLUMN, version);
      for (const field of row.fields) {
        if (field.value === null || field.value === undefined) continue;
        const column = names.get(field.id)!;
        fields.set(column, field);
        setOwn(versions, column, version);
      }
      for (const [column] of row.enriched) setOwn(versions, column, version);
      merged.enriched.push(...row.enriched);
    }
    merged.fields = [...fields.values()];
    merged.common[TRAIT_VERSIONS_COLUMN] = versions;
    return merged;
  });
}

/** The table's common columns in their fixed order, then every other column sorted by name. */
function columnOrder(names: Iterable<string>, common: ReadonlySet<string>): string[] {
  const present = new Set(names);
  const first = COMMON_ORDER.filter((name) => common.has(name) && present.has(name));
  const rest = [...present].filter((name) => !first.includes(name)).sort();
  return [...first, ...rest];
}

/**
 * The type a column needs for one value: fixed for the table's common columns (`common`), inferred
 * for the rest (a property called `name` in an event table is typed by its values).
 */
export function valueType(column: string, value: unknown, common: ReadonlySet<string>): ColumnType {
  return (common.has(column) ? FIXED_TYPES[column] : undefined) ?? inferType(value);
}

/** What `inferColumns` learns about one column while reading the rows. */
interface ColumnStats {
  type: ColumnType;
  /** Longest string value in UTF-8 bytes. */
  stringBytes: number;
  /** Whether any value is not a string (its text form is measured only if the column ends up text). */
  nonStrings: boolean;
}

/** What `inferColumns` learns about one column while reading the rows. */
interface ColumnStatsMixed extends ColumnStats {
  /** A value of another family was seen: `type` stays the first family's. */
  mixed: boolean;
}

/**
 * Columns for `rows` of a table whose common columns are `common`: each column's type is the least
 * upper bound of its values' types within the family of its first value (values of another family are
 * flagged `mixed`, for planning to reject), and a text column records the longest value in UTF-8 bytes
 * (what Redshift sizes VARCHAR by).
 */
export function inferColumns(
  rows: readonly Row[],
  common: ReadonlySet<string>,
  rules: Pick<DialectRules, 'numeric'>,
): Column[] {
  // One pass over every value with one map lookup each (this runs for every row of every batch):
  // for-in rather than Object.entries, which would allocate an array per row and one per column.
  const stats = new Map<string, ColumnStatsMixed>();
  for (const row of rows) {
    for (const name in row) {
      const value = row[name];
      if (value === null || value === undefined) continue;
      const type = valueType(name, value, common);
      let column = stats.get(name);
      if (column === undefined) {
        column = { type, stringBytes: 0, nonStrings: false, mixed: false };
        stats.set(name, column);
      } else if (column.type !== type) {
        const joined = lub(column.type, type, rules);
        if (joined === undefined) column.mixed = true;
        else column.type = joined;
      }
      if (typeof value === 'string') column.stringBytes = Math.max(column.stringBytes, utf8Bytes(value));
      else column.nonStrings = true;
    }
  }
  return columnOrder(stats.keys(), common).map((name) => {
    const { type, stringBytes, nonStrings, mixed } = stats.get(name)!;
    if (type !== 'text') return mixed ? { name, type, mixed } : { name, type };
    let maxBytes = stringBytes;
    // A text column holding numbers or booleans too (rare): their text forms count as well.
    if (nonStrings) {
      for (const row of rows) {
        const value = ownValue(row, name);
        if (value !== null && value !== undefined) maxBytes = Math.max(maxBytes, utf8Bytes(toText(value)));
      }
    }
    return mixed ? { name, type, maxBytes, mixed } : { name, type, maxBytes };
  });
}

/** An enrichment's `null`: the column is cleared (e.g. an anonymised IP). */
const CLEARED = Symbol('cleared');

/**
 * The entries a row is built from, reused from row to row: a table's rows have the same few dozen
 * columns, and a `[name, value]` pair per value per row was the transform's largest allocation.
 */
class RowEntries {
  private readonly pairs: [string, unknown][] = [];
  private count = 0;

  add(name: string, value: unknown): void {
    const pair = this.pairs[this.count];
    if (pair === undefined) this.pairs.push([name, value]);
    else {
      pair[0] = name;
      pair[1] = value;
    }
    this.count++;
  }

  /** The object of the entries added since the last call (a fast-mode object, see `buildRow`). */
  take(): Row {
    // Shortened only when this row has fewer entries than the last (setting the length to zero
    // would free the array and make every row grow it again).
    if (this.pairs.length > this.count) this.pairs.length = this.count;
    const row = Object.fromEntries(this.pairs) as Row;
    this.count = 0;
    return row;
  }
}

/**
 * The row of one draft: common columns, then the fields under their resolved names, then the
 * enrichments (theirs win: an anonymised IP replaces the raw one; `null` clears a column), then
 * `_rejected` when anything was rejected.
 *
 * Built as entries and turned into an object once, on purpose: adding more than a dozen computed
 * keys to an object one by one makes V8 switch it to slow dictionary mode, and every later step
 * (inferring columns, planning, COPY and NDJSON encoding) reads each row again. `Object.fromEntries`
 * builds a fast object; this made rows about three times cheaper to build and read (measured, issue 8).
 */
function buildRow(
  draft: DraftRow,
  names: ReadonlyMap<string, string>,
  common: ReadonlySet<string>,
  entries: RowEntries,
): Row {
  let rejected = draft.rejected;
  let overrides: Map<string, unknown> | undefined;
  if (draft.enriched.length > 0) {
    rejected = { ...draft.rejected };
    overrides = new Map();
    for (const [name, value] of draft.enriched) {
      if (value === null) {
        overrides.set(name, CLEARED);
        continue;
      }
      const stored = columnValue(rejected, name, value, common);
      if (stored !== undefined) overrides.set(name, stored);
    }
  }
  const add = (name: string, value: unknown): void => {
    if (overrides === undefined || !overrides.has(name)) entries.add(name, value);
  };
  for (const name in draft.common) add(name, draft.common[name]);
  for (const field of draft.fields) add(names.get(field.id)!, field.value);
  if (overrides !== undefined) {
    for (const [name, value] of overrides) if (value !== CLEARED) entries.add(name, value);
  }
  if (hasOwnKeys(rejected)) entries.add(REJECTED_COLUMN, { ...rejected });
  return entries.take();
}

/**
 * The objects of `draft` (`draft.objects`) whose leaves the row holds in columns (named by `names`),
 * each with the column that would hold it whole (`objectColumn`). Leaves an enrichment overrides are
 * not the object's in the row; an object with no leaf left in the row is not listed.
 */
export function nestedObjects(
  draft: DraftRow,
  names: ReadonlyMap<string, string>,
  objectColumn: (root: FieldRoot, key: string) => string,
): NestedObject[] | undefined {
  if (draft.objects.length === 0) return undefined;
  const overridden = draft.enriched.length === 0 ? undefined : new Set(draft.enriched.map(([name]) => name));
  const leaves: (string[] | undefined)[] = [];
  for (const field of draft.fields) {
    if (field.object === undefined) continue;
    const column = names.get(field.id)!;
    if (overridden?.has(column) === true) continue;
    const list = leaves[field.object];
    if (list === undefined) leaves[field.object] = [column];
    else list.push(column);
  }
  const rejected: string[][] = [];
  for (const { field, key } of draft.displaced ?? [])
    if (field.object !== undefined) (rejected[field.object] ??= []).push(key);
  const objects: NestedObject[] = [];
  for (let index = 0; index < draft.objects.length; index++) {
    const list = leaves[index];
    if (list === undefined) continue;
    const { root, key, value } = draft.objects[index]!;
    const column = objectColumn(root, key);
    objects.push({
      column,
      value: value as Record<string, unknown>,
      leaves: list,
      rejected: rejected[index] ?? NONE,
    });
  }
  return objects.length === 0 ? undefined : objects;
}

const NONE: readonly string[] = [];

export function assembleTable(
  table: string,
  kind: TableKind,
  drafts: readonly DraftRow[],
  rules: DialectRules,
): TableBatch {
  const mode = kind === 'users' ? 'latest' : 'append';
  const keys = new Map<string, FieldKey>();
  // Two keys of one object can be one field (`ab` and `a\0b`, NUL being removed from names).
  const lastRow = new Map<string, number>();
  let repeated = false;
  drafts.forEach((row, index) => {
    for (const field of row.fields) {
      keys.set(field.id, field.key);
      if (lastRow.get(field.id) === index) repeated = true;
      lastRow.set(field.id, index);
    }
  });
  const names = resolveColumnNames(keys.values(), COMMON_COLUMNS[kind], rules.maxIdentifierBytes);
  // Only where a field repeats in a row, or two fields share a column, can a row hold two values
  // for one column (the usual table has neither: no need to look at every row).
  const sharing = repeated || new Set(names.values()).size < names.size;
  const settled = sharing ? drafts.map((draft) => oneFieldPerColumn(draft, names)) : drafts;
  const rowsIn = mode === 'latest' ? mergeLatest(settled, names) : settled;
  const common = COMMON_COLUMNS[kind];
  const entries = new RowEntries();
  const rows = rowsIn.map((draft) => buildRow(draft, names, common, entries));
  const columns = inferColumns(rows, common, rules);
  const objectColumns = new Map<FieldRoot, Map<string, string>>();
  const objectColumn = (root: FieldRoot, key: string): string => {
    let ofRoot = objectColumns.get(root);
    if (ofRoot === undefined) objectColumns.set(root, (ofRoot = new Map()));
    let column = ofRoot.get(key);
    if (column === undefined) {
      column = preferredColumnName({ root, path: [key] }, common, rules.maxIdentifierBytes);
      ofRoot.set(key, column);
    }
    return column;
  };
  if (!rowsIn.some((draft) => draft.objects.length > 0)) return { table, mode, columns, rows };
  // Listed only when planning asks, which is when the table runs out of columns (rare): listing
  // them for every batch was a quarter of the transform's time.
  let objects: (NestedObject[] | undefined)[] | undefined;
  const rowObjects = () => (objects ??= rowsIn.map((draft) => nestedObjects(draft, names, objectColumn)));
  return { table, mode, columns, rows, nested: { common, objects: rowObjects } };
}
