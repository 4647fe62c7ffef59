/**
 * Draft rows of one table → its `TableBatch` (pure): column names resolved over the whole batch,
 * `users` merged to the latest traits per user, column types as the union of the rows' types, and a
 * stable column order (the rows' own key order carries no meaning).
 */
import { COMMON_COLUMNS, COMMON_ORDER, FIXED_TYPES, REJECTED_COLUMN, type TableKind } from './columns.js';
import { resolveColumnNames, type FieldKey } from './names.js';
import { assignColumn, type DraftField, type DraftRow } from './rows.js';
import { inferType, lub, parseTimestamp } from './types-infer.js';
import type { Column, ColumnType, DialectRules, Row, TableBatch } from './types.js';
import { setOwn, toText, utf8Bytes } from './values.js';

function receivedTime(row: DraftRow): number {
  const receivedAt = row.common.received_at;
  return (
    (typeof receivedAt === 'string' ? parseTimestamp(receivedAt) : undefined) ?? Number.NEGATIVE_INFINITY
  );
}

/**
 * One row per user id: the user's identifies of this batch applied in `received_at` order (ties in
 * batch order), so each trait holds its latest value and a trait sent only earlier is kept, as in
 * Segment's `users` table. Users appear in the order of their first identify.
 */
export function mergeLatest(rows: readonly DraftRow[]): DraftRow[] {
  const byUser = new Map<unknown, DraftRow[]>();
  for (const row of rows) {
    const group = byUser.get(row.common.id) ?? [];
    group.push(row);
    byUser.set(row.common.id, group);
  }
  return [...byUser.values()].map((group) => {
    const ordered = [...group].sort((a, b) => receivedTime(a) - receivedTime(b) || 0);
    const fields = new Map<string, DraftField>();
    const merged: DraftRow = { common: {}, fields: [], enriched: [], rejected: {} };
    for (const row of ordered) {
      Object.assign(merged.common, row.common);
      for (const [key, value] of Object.entries(row.rejected)) setOwn(merged.rejected, key, value);
      for (const field of row.fields) fields.set(field.id, field);
      merged.enriched.push(...row.enriched);
    }
    merged.fields = [...fields.values()];
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

/**
 * Columns for `rows` of a table whose common columns are `common`: each column's type is the least
 * upper bound of its values' types, and a text column records the longest value in UTF-8 bytes
 * (what Redshift sizes VARCHAR by).
 */
export function inferColumns(rows: readonly Row[], common: ReadonlySet<string>): Column[] {
  const types = new Map<string, ColumnType>();
  for (const row of rows) {
    for (const [name, value] of Object.entries(row)) {
      if (value === null || value === undefined) continue;
      const type = valueType(name, value, common);
      const known = types.get(name);
      types.set(name, known === undefined ? type : lub(known, type));
    }
  }
  return columnOrder(types.keys(), common).map((name) => {
    const type = types.get(name)!;
    if (type !== 'text') return { name, type };
    let maxBytes = 0;
    for (const row of rows) {
      const value = row[name];
      if (value !== null && value !== undefined) maxBytes = Math.max(maxBytes, utf8Bytes(toText(value)));
    }
    return { name, type, maxBytes };
  });
}

export function assembleTable(
  table: string,
  kind: TableKind,
  drafts: readonly DraftRow[],
  rules: DialectRules,
): TableBatch {
  const mode = kind === 'users' ? 'latest' : 'append';
  const rowsIn = mode === 'latest' ? mergeLatest(drafts) : drafts;
  const keys = new Map<string, FieldKey>();
  for (const row of rowsIn) for (const field of row.fields) keys.set(field.id, field.key);
  const names = resolveColumnNames(keys.values(), COMMON_COLUMNS[kind], rules.maxIdentifierBytes);
  const rows = rowsIn.map((draft) => {
    const values: Row = { ...draft.common };
    const rejected = { ...draft.rejected };
    for (const field of draft.fields) values[names.get(field.id)!] = field.value;
    // Enrichments run after the raw columns, so theirs win (an anonymised IP replaces the raw one).
    for (const [name, value] of draft.enriched) {
      if (value === null) delete values[name];
      else assignColumn(values, rejected, name, value, COMMON_COLUMNS[kind]);
    }
    if (Object.keys(rejected).length > 0) setOwn(values, REJECTED_COLUMN, rejected);
    return values;
  });
  const columns = inferColumns(rows, COMMON_COLUMNS[kind]);
  return { table, mode, columns, rows };
}
