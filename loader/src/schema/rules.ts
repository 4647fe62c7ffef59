/**
 * What PostgreSQL and Amazon Redshift allow for names, column counts, text sizes and type changes.
 */
import type { ColumnType, DialectRules } from '../transform/types.js';

/**
 * PostgreSQL changes a column's type in place with `ALTER COLUMN … TYPE … USING`, so a column
 * widens along the lattice of `lub`: bigint → double precision → text, and boolean or timestamptz →
 * text. Widening a scalar column to jsonb is possible too but deliberately not done: it would break
 * every existing query that does arithmetic or comparisons on the column for the sake of a few odd
 * values, which are better kept in `_rejected`.
 */
const POSTGRES_WIDENINGS: ReadonlySet<string> = new Set([
  'bigint>double',
  'bigint>text',
  'double>text',
  'boolean>text',
  'timestamp>text',
]);

export const postgresRules: DialectRules = {
  name: 'postgres',
  // NAMEDATALEN - 1: PostgreSQL silently truncates longer identifiers, which could merge two columns.
  maxIdentifierBytes: 63,
  maxColumns: 1600,
  canWiden: (from: ColumnType, to: ColumnType) => from === to || POSTGRES_WIDENINGS.has(`${from}>${to}`),
};

/**
 * Redshift's `ALTER COLUMN … TYPE` only lengthens a VARCHAR (a `widen-varchar` migration, planned
 * from text sizes; the dialect chooses the declared size); no column changes type, so conflicting
 * values go to `_rejected`.
 */
export const redshiftRules: DialectRules = {
  name: 'redshift',
  maxIdentifierBytes: 127,
  maxColumns: 1600,
  maxTextBytes: 65535,
  canWiden: (from: ColumnType, to: ColumnType) => from === to,
};
