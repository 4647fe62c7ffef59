/**
 * Schema planning (pure): given what a table looks like in the warehouse and what a batch needs,
 * the DDL steps to run and the batch to load afterwards. The SQL of each step is spelled per dialect
 * elsewhere; here only the decisions are made, by the one type policy (`transform/types-infer.ts`):
 *
 * - a missing table is created with the batch's columns; a new column is added;
 * - a column only widens losslessly within its family, where the dialect can (`rules.canWiden`):
 *   bigint or double → numeric on PostgreSQL; otherwise it keeps its type, and each value that does
 *   not fit moves to the row's `_rejected`;
 * - new columns are added while `rules.maxColumns` allows (`budget.ts`): a nested object whose leaves
 *   cannot all have columns is kept whole, as JSON, in the column of its top-level key;
 * - values past the column budget, text past `rules.maxTextBytes` and the values of a row past
 *   `rules.maxRowBytes` (the last ones in the row's order) move to `_rejected` too;
 * - every value is cast to its column's final type: text columns receive strings, timestamps UTC
 *   with microseconds, exact numbers their plain decimal digits.
 *
 * `_rejected` is a json object `{column: original value}` per row, so nothing is ever dropped, and
 * the plan counts every value it holds.
 */
import { LosslessNumber } from '@eventpipe/core';
import { REJECTED_COLUMN, UUID_TS_COLUMN } from '../transform/columns.js';
import { fitColumnBudget } from './budget.js';
import { isInt64, isLosslessNumber, plainDecimal, type EventNumber } from '../transform/numbers.js';
import { fits, normalizeTimestamp } from '../transform/types-infer.js';
import type { Column, ColumnType, DialectRules, Row, TableBatch } from '../transform/types.js';
import { hasOwnKeys, isPlainObject, ownValue, setOwn, toText, utf8Bytes } from '../transform/values.js';

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

/**
 * An existing column as the dialect maps its SQL type, exactly: its neutral type, and the limits of a
 * narrower SQL type someone created by hand (`integer`, `numeric(10,2)`, `varchar(20)`).
 * `unsupported` names a SQL type no neutral type maps to exactly (`date`, `char(n)`, `real`): a batch
 * with values for such a column is refused with an error naming it.
 */
export type ExistingColumn =
  | ColumnType
  | {
      type: ColumnType;
      /** VARCHAR's declared size in bytes (Redshift). */
      maxBytes?: number;
      /** VARCHAR's declared size in characters (PostgreSQL). */
      maxChars?: number;
      /** An integer type narrower than bigint: the largest value it holds (`integer`: 2^31 - 1). */
      maxInteger?: number;
      /** A `numeric(p,s)`: digits before and after the point. */
      numeric?: DialectRules['numeric'];
    }
  | { unsupported: string };

type DescribedColumn = Exclude<ExistingColumn, ColumnType | { unsupported: string }>;

/** A batch has values for a column whose SQL type eventpipe cannot load exactly. */
export class UnsupportedColumnError extends Error {
  override name = 'UnsupportedColumnError';
}

export interface TablePlan {
  migrations: Migration[];
  /** The rows to load, cast to the final column types, with `_rejected` where needed. */
  batch: TableBatch;
  /** Values the rows keep in `_rejected`: those the transform put there and those planning moved. */
  rejectedValues: number;
}

function describe(table: string, name: string, existing: ExistingColumn): DescribedColumn {
  if (typeof existing === 'string') return { type: existing };
  if ('unsupported' in existing) {
    throw new UnsupportedColumnError(
      `column "${table}"."${name}" has type ${existing.unsupported}, which eventpipe cannot load values into` +
        ' exactly; change it to one of the types eventpipe creates (docs/warehouses), or drop it',
    );
  }
  return existing;
}

/** The types a column of type `type` may widen to, narrowest first: within its family, never rounding. */
const WIDER: Readonly<Record<ColumnType, readonly ColumnType[]>> = {
  bigint: ['double', 'numeric'],
  double: ['numeric'],
  numeric: [],
  boolean: [],
  timestamp: ['text'],
  text: [],
  json: [],
};

/** What a planned column accepts: its type, and the limits of a narrower hand-made SQL type. */
interface Target extends DescribedColumn {
  /** Values are checked one by one (`Placement.fits`); every other value fits by construction. */
  checked: boolean;
}

/** The numbers of the numeric family whose fit depends on the value, not only on its inferred type. */
const VALUE_DEPENDENT: ReadonlySet<ColumnType> = new Set(['double', 'numeric']);

/**
 * Plans `batch` against the table's existing columns (`undefined` when the table does not exist).
 * For a VARCHAR dialect, give existing text columns as `{ type: 'text', maxBytes: <declared size> }`
 * so that a longer value leads to a `widen-varchar`; without a size none can be planned, and a value
 * longer than the column would fail the COPY.
 */
export function planTable(
  existing: ReadonlyMap<string, ExistingColumn> | undefined,
  input: TableBatch,
  rules: DialectRules,
): TablePlan {
  const current = new Map<string, ExistingColumn>(existing ?? []);
  const migrations: Migration[] = [];
  const target = new Map<string, Target>();

  // One slot stays free for `_rejected` until the table has it; a new table also spends one on uuid_ts.
  const slots = rules.maxColumns - (existing ? current.size : 1) - (current.has(REJECTED_COLUMN) ? 0 : 1);
  const fit = fitColumnBudget(new Set(current.keys()), input, Math.max(0, slots), rules);
  const batch = fit.batch;
  for (const column of batch.columns) {
    if (column.name === REJECTED_COLUMN || column.name === UUID_TS_COLUMN) continue;
    const stored = current.get(column.name);
    if (stored === undefined) {
      // Past the budget the column gets no target, so its values go to `_rejected`.
      if (fit.added.has(column.name)) {
        const checked = column.mixed === true || VALUE_DEPENDENT.has(column.type);
        const type = checked
          ? bestType(column.type, batch.rows, column.name, rules, () => true)
          : column.type;
        target.set(column.name, { type, checked });
      }
      continue;
    }
    const have = describe(batch.table, column.name, stored);
    const checked =
      column.mixed === true ||
      column.type !== have.type ||
      VALUE_DEPENDENT.has(have.type) ||
      have.maxChars !== undefined ||
      have.maxInteger !== undefined ||
      have.numeric !== undefined;
    const limited =
      have.maxChars !== undefined || have.maxInteger !== undefined || have.numeric !== undefined;
    // A hand-made narrower type is never altered: its limits may be what someone wants.
    const type =
      checked && !limited
        ? bestType(have.type, batch.rows, column.name, rules, (to) => rules.canWiden(have.type, to))
        : have.type;
    if (type !== have.type) {
      migrations.push({
        kind: 'widen-column',
        table: batch.table,
        column: column.name,
        from: have.type,
        to: type,
      });
    }
    target.set(column.name, { ...have, type, checked });
  }

  const placement = new Placement(target, rules);
  const rows = batch.rows.map((row) => placement.place(row));
  if (placement.rejected > 0) target.set(REJECTED_COLUMN, { type: 'json', checked: false });

  // A new column none of whose values could be placed (all too long, say) is not created.
  const order = batch.columns
    .map((c) => c.name)
    .filter(
      (name) =>
        target.has(name) &&
        (current.has(name) || name === REJECTED_COLUMN || placement.placedBytes.has(name)),
    );
  if (placement.rejected > 0 && !order.includes(REJECTED_COLUMN)) order.push(REJECTED_COLUMN);
  const columns = order.map((name): Column => {
    const { type } = target.get(name)!;
    return type === 'text' ? { name, type, maxBytes: placement.placedBytes.get(name) ?? 0 } : { name, type };
  });

  if (!existing) {
    migrations.unshift({ kind: 'create-table', table: batch.table, mode: batch.mode, columns });
  } else {
    for (const column of columns) {
      const stored = current.get(column.name);
      if (stored === undefined) {
        migrations.push({ kind: 'add-column', table: batch.table, column });
        continue;
      }
      const have = describe(batch.table, column.name, stored);
      if (
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
    rejectedValues: placement.rejected,
  };
}

/**
 * Of `type` and the types it may widen to (`allowed`), the one that holds the most values of the
 * column, the narrowest on a tie: a widening happens only when it saves a value from `_rejected`.
 */
function bestType(
  type: ColumnType,
  rows: readonly Row[],
  name: string,
  rules: DialectRules,
  allowed: (to: ColumnType) => boolean,
): ColumnType {
  let best = type;
  let bestMisfits = misfits(type, rows, name, rules);
  for (const wider of WIDER[type]) {
    if (bestMisfits === 0) break;
    if (!allowed(wider)) continue;
    const count = misfits(wider, rows, name, rules);
    if (count < bestMisfits) {
      best = wider;
      bestMisfits = count;
    }
  }
  return best;
}

function misfits(type: ColumnType, rows: readonly Row[], name: string, rules: DialectRules): number {
  let count = 0;
  for (const row of rows) if (!fits(type, ownValue(row, name), rules)) count++;
  return count;
}

/**
 * The room values take in a PostgreSQL heap tuple (`rules.maxRowBytes`), counted from above. Once a
 * tuple is too big, TOAST moves every variable-length value longer than 24 bytes out of line, leaving
 * an 18-byte pointer; numbers, booleans and timestamps always stay. So a text, json or numeric value
 * takes at most 24 bytes, a bigint, double or timestamp 8 (aligned to 8), a boolean 1; and at most 7
 * bytes of padding precede each 8-byte value that follows another kind.
 */
class RowBudget {
  /** Without more values than this a row cannot reach the limit, whatever they are: not counted. */
  static readonly UNCOUNTED_VALUES = 200;
  // The header and null bitmap; `_rejected`; `uuid_ts`, which the database fills, with its padding.
  private bytes = 224 + 32 + 16;
  private aligned = 0;
  private unaligned = 0;

  constructor(private readonly limit: number) {}

  /** True when the value fits in the row too (and counts it); false when it must go to `_rejected`. */
  take(type: ColumnType, placed: unknown): boolean {
    const fixed = type === 'bigint' || type === 'double' || type === 'timestamp';
    const size = fixed ? 8 : type === 'boolean' ? 1 : varlenaBytes(placed);
    const aligned = this.aligned + (fixed ? 1 : 0);
    const unaligned = this.unaligned + (fixed ? 0 : 1);
    if (this.bytes + size + 7 * Math.min(aligned, unaligned) > this.limit) return false;
    this.bytes += size;
    this.aligned = aligned;
    this.unaligned = unaligned;
    return true;
  }
}

/** A variable-length value's bytes in the tuple with its header: at most a TOAST pointer's 24. */
function varlenaBytes(placed: unknown): number {
  // A string of n UTF-16 units has at most 3n UTF-8 bytes: most need no counting.
  if (typeof placed === 'string' && placed.length * 3 + 4 <= 24) return utf8Bytes(placed) + 4;
  return 24;
}

/** What becomes of one value: stored as the returned value, moved to `_rejected`, or left out (null). */
const REJECT = Symbol('reject');
const SKIP = Symbol('skip');

/**
 * `value` as a JSON column (and `_rejected`) can store it: jsonb reads numbers as `numeric` and fails
 * the whole COPY on one past its limits (`1e200000`), and Redshift's SUPER holds no wider decimal than
 * its DECIMAL(38,0); such a number is kept as a string of its literal, digits intact. The same
 * reference when nothing changes (the common case).
 */
function storableJson(value: unknown, rules: DialectRules): unknown {
  if (isLosslessNumber(value)) return fits('numeric', value, rules) ? value : value.value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const stored = storableJson(item, rules);
      if (stored !== item) changed = true;
      return stored;
    });
    return changed ? out : value;
  }
  if (isPlainObject(value)) {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const key in value) {
      const stored = storableJson(value[key], rules);
      if (stored !== value[key]) changed = true;
      setOwn(out, key, stored);
    }
    return changed ? out : value;
  }
  return value;
}

/** An exact number in the plain decimal digits both warehouses read (`1e3` → `1000`). */
function exactNumber(value: EventNumber): LosslessNumber {
  return new LosslessNumber(plainDecimal(value));
}

/**
 * Places rows into the planned columns: each value cast to its column's final type, and every value
 * that cannot be stored (no column for it, does not fit the column's type or limits, text too long)
 * moved into `_rejected`, merged with what the transform already put there. Null values are left out.
 *
 * A row that needs none of this is returned as it is, not copied: a batch's rows are its largest
 * allocation, and the load only reads them by column name. A row whose values only change form (a
 * timestamp written with six digits, a number as text) is cloned with the same keys, which keeps
 * V8's shape of the row and costs a fraction of a rebuild; nearly every row is one of these, since
 * clients send milliseconds. A row that loses values (to `_rejected`, or nulls left out) is rebuilt
 * once, keys in its own order, `_rejected` last, with `Object.fromEntries` (a fast-mode object, see
 * transform/table.ts). Either way the planned rows of a batch are the same every time.
 */
class Placement {
  /** Values the planned rows hold in `_rejected`. */
  rejected = 0;
  /** The columns that received a value, with the longest text value in UTF-8 bytes (0 for other types). */
  readonly placedBytes = new Map<string, number>();
  /** The verdicts on the values of the row being placed, in its key order (one array for all rows). */
  private readonly verdicts: unknown[] = [];

  constructor(
    private readonly target: ReadonlyMap<string, Target>,
    private readonly rules: DialectRules,
  ) {}

  place(row: Row): Row {
    const carried = row[REJECTED_COLUMN];
    let rejected = 0;
    if (carried !== undefined && carried !== null)
      rejected = isPlainObject(carried) ? Object.keys(carried).length : 1;
    // Only a non-empty object stays as it is: an empty one is dropped, and anything else (never
    // expected from the transform) is kept under the name `_rejected` by the rebuild.
    let reshaped =
      carried !== undefined &&
      (!(isPlainObject(carried) && hasOwnKeys(carried)) || storableJson(carried, this.rules) !== carried);
    let changed = false;
    const budget = this.budgetFor(row);
    const verdicts = this.verdicts;
    let index = 0;
    for (const name in row) {
      if (name === REJECTED_COLUMN) continue;
      const value = row[name];
      // Each value's verdict is taken once (the row budget counts what it takes).
      const placed = this.verdict(name, value, budget);
      verdicts[index++] = placed;
      if (placed === REJECT) rejected++;
      else if (placed !== SKIP) this.measure(name, placed);
      if (placed === REJECT || placed === SKIP) reshaped = true;
      else if (placed !== value) changed = true;
    }
    this.rejected += rejected;
    if (reshaped) return this.rebuild(row, verdicts);
    if (changed) return this.reform(row, verdicts);
    return row;
  }

  /** `row` with its values replaced by their verdicts, keys unchanged. */
  private reform(row: Row, verdicts: readonly unknown[]): Row {
    const copy: Row = { ...row };
    let index = 0;
    for (const name in row) if (name !== REJECTED_COLUMN) setOwn(copy, name, verdicts[index++]);
    return copy;
  }

  /** `row` with the values rejected moved into its `_rejected`, the nulls left out, the rest replaced. */
  private rebuild(row: Row, verdicts: readonly unknown[]): Row {
    const stored = storableJson(row[REJECTED_COLUMN], this.rules);
    const rejected: Record<string, unknown> = isPlainObject(stored) ? { ...stored } : {};
    if (stored !== undefined && stored !== null && !isPlainObject(stored))
      setOwn(rejected, REJECTED_COLUMN, stored);
    const entries: [string, unknown][] = [];
    let index = 0;
    for (const name in row) {
      if (name === REJECTED_COLUMN) continue;
      const placed = verdicts[index++];
      if (placed === REJECT) setOwn(rejected, name, storableJson(row[name], this.rules));
      else if (placed !== SKIP) entries.push([name, placed]);
    }
    if (hasOwnKeys(rejected)) entries.push([REJECTED_COLUMN, rejected]);
    return Object.fromEntries(entries) as Row;
  }

  private fits(column: Target, value: unknown): boolean {
    if (!fits(column.type, value, column.numeric ? { numeric: column.numeric } : this.rules)) return false;
    if (column.maxInteger !== undefined && typeof value !== 'string') {
      const n = BigInt(plainDecimal(value as EventNumber));
      if (n > BigInt(column.maxInteger) || n < -BigInt(column.maxInteger) - 1n) return false;
    }
    if (column.maxChars !== undefined && [...toText(value)].length > column.maxChars) return false;
    return true;
  }

  /** A fresh budget for a row that could outgrow `rules.maxRowBytes`; none for the usual row. */
  private budgetFor(row: Row): RowBudget | undefined {
    const { maxRowBytes } = this.rules;
    if (maxRowBytes === undefined) return undefined;
    let values = 0;
    for (const _name in row) if (++values > RowBudget.UNCOUNTED_VALUES) return new RowBudget(maxRowBytes);
    return undefined;
  }

  /** The value as its column stores it, unless the row has no room left for it (`budget`). */
  private verdict(name: string, value: unknown, budget: RowBudget | undefined): unknown {
    const placed = this.cast(name, value);
    if (budget === undefined || placed === REJECT || placed === SKIP) return placed;
    return budget.take(this.target.get(name)!.type, placed) ? placed : REJECT;
  }

  private cast(name: string, value: unknown): unknown {
    if (value === null || value === undefined) return SKIP;
    const column = this.target.get(name);
    if (column === undefined || (column.checked && !this.fits(column, value))) return REJECT;
    switch (column.type) {
      case 'text': {
        const text = toText(value);
        const { maxTextBytes } = this.rules;
        return maxTextBytes !== undefined && utf8Bytes(text) > maxTextBytes ? REJECT : text;
      }
      case 'timestamp':
        return normalizeTimestamp(value as string) ?? REJECT;
      case 'numeric':
        return exactNumber(value as EventNumber);
      case 'bigint':
        // A lossless literal may be spelled `1.5e3`: bigint reads plain digits.
        return isLosslessNumber(value) && isInt64(value) ? exactNumber(value) : value;
      case 'json':
        return storableJson(value, this.rules);
      default:
        return value;
    }
  }

  private measure(name: string, placed: unknown): void {
    const longest = this.placedBytes.get(name);
    // A string of n UTF-16 units has at most 3n UTF-8 bytes: most values need no counting.
    if (typeof placed === 'string' && placed.length * 3 > (longest ?? 0))
      this.placedBytes.set(name, Math.max(longest ?? 0, utf8Bytes(placed)));
    else if (longest === undefined) this.placedBytes.set(name, 0);
  }
}
