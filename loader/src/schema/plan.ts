/**
 * Schema planning (pure): given what a table looks like in the warehouse and what a batch needs,
 * the DDL steps to run and the batch to load afterwards. The SQL of each step is spelled per dialect
 * elsewhere; here only the decisions are made:
 *
 * - a missing table is created with the batch's columns; a new column is added;
 * - a column whose values need a wider type is widened when the dialect can (`rules.canWiden`);
 *   otherwise it keeps its type, and each value that does not fit moves to the row's `_rejected`;
 * - columns past `rules.maxColumns` and text past `rules.maxTextBytes` move to `_rejected` too;
 * - every value is cast to its column's final type (text columns receive strings).
 *
 * `_rejected` is a json object `{column: original value}` per row, so nothing is ever dropped.
 */
import { REJECTED_COLUMN, UUID_TS_COLUMN } from '../transform/columns.js';
import { fits, lub } from '../transform/types-infer.js';
import type { Column, ColumnType, DialectRules, Row, TableBatch } from '../transform/types.js';
import { isPlainObject, setOwn, toText, utf8Bytes } from '../transform/values.js';

/**
 * One planned DDL step. A text column's `maxBytes`, and `maxBytes` of `widen-varchar`, is the longest
 * value the column must now hold; the dialect chooses the size to declare (Redshift rounds up, so
 * that a column is not widened by every batch). `uuid_ts` is not listed in `create-table`: the DDL
 * adds it with its default, since the database sets it at load time.
 */
export type Migration =
  | { kind: 'create-table'; table: string; mode: TableBatch['mode']; columns: Column[] }
  | { kind: 'add-column'; table: string; column: Column }
  | { kind: 'widen-column'; table: string; column: string; from: ColumnType; to: ColumnType }
  | { kind: 'widen-varchar'; table: string; column: string; fromBytes: number; maxBytes: number };

/** An existing column: its type, and for a VARCHAR its declared size in bytes. */
export type ExistingColumn = ColumnType | Pick<Column, 'type' | 'maxBytes'>;

export interface TablePlan {
  migrations: Migration[];
  /** The rows to load, cast to the final column types, with `_rejected` where needed. */
  batch: TableBatch;
}

function describe(existing: ExistingColumn): Pick<Column, 'type' | 'maxBytes'> {
  return typeof existing === 'string' ? { type: existing } : existing;
}

/** The value as its column stores it: text columns hold strings, every other type the JSON value. */
function cast(value: unknown, type: ColumnType): unknown {
  return type === 'text' ? toText(value) : value;
}

/**
 * Plans `batch` against the table's existing columns (`undefined` when the table does not exist).
 * For a VARCHAR dialect, give existing text columns as `{ type: 'text', maxBytes: <declared size> }`
 * so that a longer value leads to a `widen-varchar`; without a size none can be planned, and a value
 * longer than the column would fail the COPY.
 */
export function planTable(
  existing: ReadonlyMap<string, ExistingColumn> | undefined,
  batch: TableBatch,
  rules: DialectRules,
): TablePlan {
  const current = new Map([...(existing ?? [])].map(([name, column]) => [name, describe(column)]));
  const migrations: Migration[] = [];
  const target = new Map<string, ColumnType>();
  // Columns kept narrower than the batch needs: their values are checked one by one. (Every other
  // value fits its column by construction: its batch column type is at most the target type.)
  const narrower = new Set<string>();

  // One slot stays free for `_rejected` until the table has it; a new table also spends one on uuid_ts.
  let slots = rules.maxColumns - (existing ? current.size : 1) - (current.has(REJECTED_COLUMN) ? 0 : 1);
  for (const column of batch.columns) {
    if (column.name === REJECTED_COLUMN || column.name === UUID_TS_COLUMN) continue;
    const have = current.get(column.name);
    if (!have) {
      // Past the budget the column gets no target, so its values go to `_rejected`.
      if (slots > 0) {
        slots--;
        target.set(column.name, column.type);
      }
      continue;
    }
    const needed = lub(have.type, column.type);
    if (needed !== have.type && rules.canWiden(have.type, needed)) {
      migrations.push({
        kind: 'widen-column',
        table: batch.table,
        column: column.name,
        from: have.type,
        to: needed,
      });
      target.set(column.name, needed);
    } else {
      target.set(column.name, have.type);
      if (needed !== have.type) narrower.add(column.name);
    }
  }

  const rows = batch.rows.map((row) => placeRow(row, target, narrower, rules));
  const needsRejected = rows.some((row) => row[REJECTED_COLUMN] !== undefined);
  if (needsRejected) target.set(REJECTED_COLUMN, 'json');

  // A new column none of whose values could be placed (all too long, say) is not created.
  const order = batch.columns
    .map((c) => c.name)
    .filter((name) => target.has(name) && (current.has(name) || rows.some((row) => row[name] !== undefined)));
  if (needsRejected && !order.includes(REJECTED_COLUMN)) order.push(REJECTED_COLUMN);
  const columns = order.map((name) => finalColumn(name, target.get(name)!, rows));

  if (!existing) {
    migrations.unshift({ kind: 'create-table', table: batch.table, mode: batch.mode, columns });
  } else {
    for (const column of columns) {
      const have = current.get(column.name);
      if (!have) {
        migrations.push({ kind: 'add-column', table: batch.table, column });
      } else if (
        column.type === 'text' &&
        have.type === 'text' &&
        rules.maxTextBytes !== undefined &&
        have.maxBytes !== undefined &&
        (column.maxBytes ?? 0) > have.maxBytes
      ) {
        migrations.push({
          kind: 'widen-varchar',
          table: batch.table,
          column: column.name,
          fromBytes: have.maxBytes,
          maxBytes: column.maxBytes ?? 0,
        });
      }
    }
  }

  return {
    migrations,
    batch: { table: batch.table, mode: batch.mode, columns, rows: rows.map((row) => orderRow(row, columns)) },
  };
}

/**
 * The row with each value cast to its column's final type, and every value that cannot be stored
 * (no column for it, does not fit the column's type, text too long) moved into `_rejected`, merged
 * with what the transform already put there.
 */
function placeRow(
  row: Row,
  target: ReadonlyMap<string, ColumnType>,
  narrower: ReadonlySet<string>,
  rules: DialectRules,
): Row {
  const placed: Row = {};
  const carried = row[REJECTED_COLUMN];
  const rejected: Record<string, unknown> = isPlainObject(carried) ? { ...carried } : {};
  if (carried !== undefined && carried !== null && !isPlainObject(carried))
    setOwn(rejected, REJECTED_COLUMN, carried);
  for (const [name, value] of Object.entries(row)) {
    if (name === REJECTED_COLUMN || value === null || value === undefined) continue;
    const type = target.get(name);
    const tooLong =
      type === 'text' && rules.maxTextBytes !== undefined && utf8Bytes(toText(value)) > rules.maxTextBytes;
    if (type === undefined || (narrower.has(name) && !fits(type, value)) || tooLong)
      setOwn(rejected, name, value);
    else placed[name] = cast(value, type);
  }
  if (Object.keys(rejected).length > 0) placed[REJECTED_COLUMN] = rejected;
  return placed;
}

function finalColumn(name: string, type: ColumnType, rows: readonly Row[]): Column {
  if (type !== 'text') return { name, type };
  let maxBytes = 0;
  for (const row of rows) {
    const value = row[name];
    if (typeof value === 'string') maxBytes = Math.max(maxBytes, utf8Bytes(value));
  }
  return { name, type, maxBytes };
}

/** The row with its keys in column order, so that staged files are reproducible byte for byte. */
function orderRow(row: Row, columns: readonly Column[]): Row {
  const ordered: Row = {};
  for (const { name } of columns) if (row[name] !== undefined) ordered[name] = row[name];
  return ordered;
}
