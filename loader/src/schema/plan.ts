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
import { hasOwnKeys, isPlainObject, setOwn, toText, utf8Bytes } from '../transform/values.js';

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

  const placement = new Placement(target, narrower, rules);
  const rows = batch.rows.map((row) => placement.place(row));
  if (placement.rejects) target.set(REJECTED_COLUMN, 'json');

  // A new column none of whose values could be placed (all too long, say) is not created.
  const order = batch.columns
    .map((c) => c.name)
    .filter(
      (name) =>
        target.has(name) &&
        (current.has(name) || name === REJECTED_COLUMN || placement.placedBytes.has(name)),
    );
  if (placement.rejects && !order.includes(REJECTED_COLUMN)) order.push(REJECTED_COLUMN);
  const columns = order.map((name): Column => {
    const type = target.get(name)!;
    return type === 'text' ? { name, type, maxBytes: placement.placedBytes.get(name) ?? 0 } : { name, type };
  });

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
    batch: { table: batch.table, mode: batch.mode, columns, rows },
  };
}

/** What becomes of one value: stored as the returned value, moved to `_rejected`, or left out (null). */
const REJECT = Symbol('reject');
const SKIP = Symbol('skip');

/**
 * Places rows into the planned columns: each value cast to its column's final type, and every value
 * that cannot be stored (no column for it, does not fit the column's type, text too long) moved into
 * `_rejected`, merged with what the transform already put there. Null values are left out.
 *
 * A row that needs none of this (the common case) is returned as it is, not copied: a batch's rows
 * are its largest allocation, and the load only reads them by column name. A row that does change is
 * rebuilt once, keys in its own order, `_rejected` last, with `Object.fromEntries` (a fast-mode object,
 * see transform/table.ts). Either way the planned rows of a batch are the same every time.
 */
class Placement {
  /** Whether any row has a `_rejected` value. */
  rejects = false;
  /** The columns that received a value, with the longest text value in UTF-8 bytes (0 for other types). */
  readonly placedBytes = new Map<string, number>();

  constructor(
    private readonly target: ReadonlyMap<string, ColumnType>,
    private readonly narrower: ReadonlySet<string>,
    private readonly rules: DialectRules,
  ) {}

  place(row: Row): Row {
    const carried = row[REJECTED_COLUMN];
    const carriesValues = carried !== undefined && carried !== null;
    let rejects = carriesValues && (!isPlainObject(carried) || hasOwnKeys(carried));
    // Only a non-empty object stays as it is: an empty one is dropped, and anything else (never
    // expected from the transform) is kept under the name `_rejected` by the rebuild.
    let changed = carried !== undefined && !(isPlainObject(carried) && hasOwnKeys(carried));
    for (const name in row) {
      if (name === REJECTED_COLUMN) continue;
      const value = row[name];
      const placed = this.verdict(name, value);
      if (placed === REJECT) rejects = true;
      else if (placed !== SKIP) this.measure(name, placed);
      if (placed !== value) changed = true;
    }
    if (rejects) this.rejects = true;
    return changed ? this.rebuild(row) : row;
  }

  private verdict(name: string, value: unknown): unknown {
    if (value === null || value === undefined) return SKIP;
    const type = this.target.get(name);
    if (type === undefined || (this.narrower.has(name) && !fits(type, value))) return REJECT;
    if (type !== 'text') return value;
    const text = toText(value);
    const { maxTextBytes } = this.rules;
    return maxTextBytes !== undefined && utf8Bytes(text) > maxTextBytes ? REJECT : text;
  }

  private measure(name: string, placed: unknown): void {
    const longest = this.placedBytes.get(name);
    // A string of n UTF-16 units has at most 3n UTF-8 bytes: most values need no counting.
    if (typeof placed === 'string' && placed.length * 3 > (longest ?? 0))
      this.placedBytes.set(name, Math.max(longest ?? 0, utf8Bytes(placed)));
    else if (longest === undefined) this.placedBytes.set(name, 0);
  }

  /** The row again, with the verdicts applied (the same pure verdicts `place` measured). */
  private rebuild(row: Row): Row {
    const carried = row[REJECTED_COLUMN];
    const rejected: Record<string, unknown> = isPlainObject(carried) ? { ...carried } : {};
    if (carried !== undefined && carried !== null && !isPlainObject(carried))
      setOwn(rejected, REJECTED_COLUMN, carried);
    const entries: [string, unknown][] = [];
    for (const name in row) {
      if (name === REJECTED_COLUMN) continue;
      const value = row[name];
      const placed = this.verdict(name, value);
      if (placed === REJECT) setOwn(rejected, name, value);
      else if (placed !== SKIP) entries.push([name, placed]);
    }
    if (hasOwnKeys(rejected)) entries.push([REJECTED_COLUMN, rejected]);
    return Object.fromEntries(entries) as Row;
  }
}
