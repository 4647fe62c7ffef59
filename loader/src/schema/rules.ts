/**
 * What PostgreSQL and Amazon Redshift allow for names, column counts, text sizes and type changes.
 * Both follow the one type policy of `transform/types-infer.ts`: a column only widens losslessly
 * within its family, and a value no widening can hold goes to `_rejected`.
 */
import type { ColumnType, DialectRules } from '../transform/types.js';

/**
 * PostgreSQL changes a column's type in place with `ALTER COLUMN … TYPE … USING`; only the widenings
 * that keep every stored value exactly are planned: bigint and double precision → numeric. Never to
 * text (one stray `"lots"` would break `SUM(amount)`), never bigint → double precision (it rounds
 * integers past 2^53), never a scalar to jsonb.
 */
const POSTGRES_WIDENINGS: ReadonlySet<string> = new Set(['bigint>numeric', 'double>numeric']);

export const postgresRules: DialectRules = {
  name: 'postgres',
  // NAMEDATALEN - 1: PostgreSQL silently truncates longer identifiers, which could merge two columns.
  maxIdentifierBytes: 63,
  maxColumns: 1600,
  canWiden: (from: ColumnType, to: ColumnType) => from === to || POSTGRES_WIDENINGS.has(`${from}>${to}`),
  // MaxHeapTupleSize with 8 KiB pages: a row of 1,600 bigints would fail the whole batch.
  maxRowBytes: 8160,
  // An unconstrained `numeric`: up to 131072 digits before the decimal point and 16383 after.
  numeric: { maxIntegerDigits: 131072, maxFractionDigits: 16383 },
  arrays: 'text',
};

/**
 * Redshift's `ALTER COLUMN … TYPE` only lengthens a VARCHAR (a `widen-varchar` migration, planned
 * from text sizes; the dialect chooses the declared size); no column changes type, so values that do
 * not fit go to `_rejected`. Its exact decimal is `DECIMAL(38,0)`: integers of up to 38 digits.
 */
export const redshiftRules: DialectRules = {
  name: 'redshift',
  maxIdentifierBytes: 127,
  maxColumns: 1600,
  maxTextBytes: 65535,
  canWiden: (from: ColumnType, to: ColumnType) => from === to,
  numeric: { maxIntegerDigits: 38, maxFractionDigits: 0 },
  arrays: 'text',
};
