/**
 * The SQL that PostgreSQL and Redshift spell alike, built once over each dialect's `quoteIdent` (and
 * the few places their spelling differs), so the two `sql.ts` files hold only what differs. Each
 * dialect's golden tests pin the exact text either way.
 */
import type { TableBatch } from '../transform/types.js';
import type { LoadRecord, MergeOptions, MigrationRecord, Statement, TableRef } from './dialect.js';

/** `uuid_ts` is the load time, set by the database so that a replay produces identical event columns. */
export const UUID_TS = 'uuid_ts';

/**
 * The three ways a merge goes, the same on every warehouse:
 * - `insert-new`: events appended: ids already in the table are skipped, stored rows never rewritten;
 * - `overwrite`: events replayed with `replace`: a stored row of a staged id is overwritten;
 * - `latest`: `users`: each column of a stored row takes the staged value when its version is newer.
 */
export type MergeKind = 'insert-new' | 'overwrite' | 'latest';

export function mergeKind(table: Pick<TableBatch, 'mode'>, options: Pick<MergeOptions, 'mode'>): MergeKind {
  if (table.mode === 'latest') return 'latest';
  return options.mode === 'append' ? 'insert-new' : 'overwrite';
}

/** Where the dialects' spelling of the shared statements differs. */
export interface SharedSpelling {
  quoteIdent(name: string): string;
  /** A JSON bind parameter as a value of the warehouse's JSON type (Redshift: `JSON_PARSE($n)`). */
  json(parameter: string): string;
  /** The `sources` of a `loads` row as a bind value (PostgreSQL: a text[]; Redshift: JSON text). */
  sources(sources: string[]): unknown;
  /** A journal text as the warehouse can store it (Redshift: cut to fit a VARCHAR). */
  journalText(text: string): string;
}

export interface SharedSql {
  qualified(ref: TableRef): string;
  createSchema(schema: string): Statement;
  describeTable(ref: TableRef): Statement;
  findLoad(meta: string, batchId: string): Statement;
  recordLoad(meta: string, r: LoadRecord): Statement;
  recordMigration(meta: string, r: MigrationRecord): Statement;
}

export function sharedSql(spelling: SharedSpelling): SharedSql {
  const { quoteIdent } = spelling;
  return {
    qualified: (ref) => `${quoteIdent(ref.schema)}.${quoteIdent(ref.table)}`,

    createSchema: (schema) => ({ text: `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}` }),

    describeTable: (ref) => ({
      text:
        'SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale' +
        ' FROM information_schema.columns' +
        ' WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
      values: [ref.schema, ref.table],
    }),

    findLoad: (meta, batchId) => ({
      text: `SELECT 1 FROM ${quoteIdent(meta)}."loads" WHERE "batch_id" = $1`,
      values: [batchId],
    }),

    recordLoad: (meta, r) => ({
      text:
        `INSERT INTO ${quoteIdent(meta)}."loads" ("batch_id", "first_sequence", "last_sequence", "sources", "rows_by_table", "started_at")` +
        ` VALUES ($1, $2, $3, ${spelling.json('$4')}, ${spelling.json('$5')}, $6)`,
      values: [
        r.batchId,
        r.firstSequence,
        r.lastSequence,
        spelling.sources(r.sources),
        JSON.stringify(r.rowsByTable),
        r.startedAt,
      ],
    }),

    recordMigration: (meta, r) => ({
      text:
        `INSERT INTO ${quoteIdent(meta)}."migrations" ("schema_name", "table_name", "statement", "batch_id", "loader")` +
        ' VALUES ($1, $2, $3, $4, $5)',
      values: [r.target.schema, r.target.table, spelling.journalText(r.statement), r.batchId, r.loader],
    }),
  };
}
