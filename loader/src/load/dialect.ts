/**
 * What the shared load flow (`flow.ts`) needs from a warehouse dialect. The flow owns the order of
 * steps and the transaction; a dialect only says how each step is spelled in its SQL (pure functions,
 * tested on their exact text) and how rows reach its staging table (the one I/O method, `stage`).
 *
 * Rules every implementation keeps: every identifier goes through `quoteIdent`; every value is COPY
 * data or a bind parameter (`Statement.values`), never spliced into the text.
 */
import type { ClientBase } from 'pg';
import type { Column, DialectRules, TableBatch } from '../transform/types.js';
import type { ExistingColumn, Migration } from '../schema/index.js';
import { UUID_TS } from './shared-sql.js';
import type { LoadBatch, LoadMode } from './warehouse.js';

/** One SQL statement with its bind parameters (`$1`, `$2`, …). */
export interface Statement {
  text: string;
  values?: unknown[];
}

export interface TableRef {
  schema: string;
  table: string;
}

/** Where one table's rows go before the merge, and what the flow knows about them. */
export interface CopyTarget {
  target: TableRef;
  /** Unqualified name of the staging table `createStaging` made. */
  staging: string;
  /** The table's rows and columns after schema planning (`_rejected` filled where needed). */
  table: TableBatch;
  /** The whole batch (its id names the files Redshift's COPY reads; its mode the merge's). */
  batch: LoadBatch;
  /** The target's columns before this batch (`MergeOptions.storedColumns`); Redshift's `users` dedup reads them. */
  storedColumns: readonly string[];
}

/** A row of the `loads` bookkeeping table, written in the same transaction as the rows. */
export interface LoadRecord {
  batchId: string;
  firstSequence: number;
  lastSequence: number;
  sources: string[];
  /** `<schema>.<table>` → rows inserted or upserted. */
  rowsByTable: Record<string, number>;
  startedAt: Date;
}

/** A row of the `migrations` journal: one DDL statement, when and by whom it was applied. */
export interface MigrationRecord {
  /** `table` is empty for schema-level DDL (CREATE SCHEMA). */
  target: TableRef;
  statement: string;
  batchId: string;
  /** Which loader process applied it (host and pid). */
  loader: string;
}

export interface DeadLetterRecord {
  sourceId: string;
  messageId: string;
  origin: string;
  streamSequence: number;
  reason: string;
  /** The envelope exactly as consumed, serialised as JSON text. */
  envelopeJson: string;
}

/** What the merge needs besides the staged rows. */
export interface MergeOptions {
  mode: LoadMode;
  /**
   * The target's columns before this batch (none for a new table). In `replace` mode those the batch
   * does not carry are cleared, so a replaced row holds exactly what the current transform produced.
   */
  storedColumns: readonly string[];
}

export interface SqlDialect {
  readonly rules: DialectRules;

  /** `name` as a quoted identifier; throws when it cannot be one (too long for the warehouse). */
  quoteIdent(name: string): string;
  /** The warehouse's SQL type for a column (Redshift sizes VARCHAR from `column.maxBytes`). */
  sqlType(column: Column): string;

  /** Idempotent DDL for the bookkeeping schema and its `loads`, `migrations`, `dead_letters` tables. */
  bookkeeping(metaSchema: string): Statement[];
  /**
   * Serialises writers of one named object (`<schema>` or `<schema>.<table>`) until the transaction
   * ends. The flow takes these in sorted order so that two loaders can never deadlock on them.
   */
  lock(name: string): Statement[];

  /**
   * Taken after `lock` and before the "already loaded" check: makes that check and the insert into
   * `loads` one critical section among loaders whatever the isolation level (Redshift: an explicit
   * `LOCK` on `loads`; PostgreSQL: nothing, its per-table advisory locks already order them).
   */
  lockLoads(metaSchema: string): Statement[];
  /**
   * Taken on an existing target table before it is described: no other session can change its
   * columns (a concurrent `ALTER COLUMN … TYPE`) between planning and merge (Redshift: `LOCK`;
   * PostgreSQL: nothing, the advisory lock of the table covers every loader).
   */
  lockTable(ref: TableRef): Statement[];

  /**
   * Bounds, for the rest of the transaction, how long a statement waits for a lock held by another
   * session (an analyst's query holding a table the DDL or merge needs): it fails with a transient
   * error instead, and the batch is retried. Nothing where the warehouse has no such setting.
   */
  lockTimeout(ms: number): Statement[];

  /** Rows `{ name }` for each schema of `schemas` ($1, text[]) that exists. */
  existingSchemas(schemas: string[]): Statement;
  createSchema(schema: string): Statement;
  /** One row per column of an existing table (`column_name` and what `existingColumn` reads); none when it does not exist. */
  describeTable(ref: TableRef): Statement;
  /** A `describeTable` row as schema planning sees the column (Redshift: a VARCHAR with its size in bytes). */
  existingColumn(row: Record<string, unknown>): ExistingColumn;

  /** The DDL of one planned migration (Redshift: one statement per added column). */
  migration(ref: TableRef, migration: Migration): Statement[];
  /**
   * True for DDL the warehouse refuses inside a transaction block (Redshift's `ALTER COLUMN … TYPE`).
   * The flow runs those first, each on its own, journaled, and checks again inside the transaction.
   */
  runsOutsideTransaction(migration: Migration): boolean;
  /** The journal entry of one applied DDL statement. */
  recordMigration(metaSchema: string, record: MigrationRecord): Statement;

  /** A session-local staging table shaped like the target, dropped at the end of the transaction. */
  createStaging(ref: TableRef, staging: string): Statement;
  /** Loads the rows of `target.table` into the staging table (PostgreSQL: COPY FROM STDIN; Redshift: COPY from S3). */
  copy(client: ClientBase, target: CopyTarget): Promise<void>;
  /**
   * Moves staged rows into the target. Tables of mode `append` (events), by load mode: `append` inserts
   * only ids not yet in the table (redelivery and replay are harmless); `replace` also overwrites the
   * stored rows of the staged ids. Tables of mode `latest` (`users`): upsert by id where the staged
   * `received_at` is newer (`replace`: or the same). The row count the statement reports is the
   * number of rows inserted or updated. Default options: `append`, no stored columns.
   */
  merge(ref: TableRef, staging: string, table: TableBatch, options?: MergeOptions): Statement;

  /** Rows (any) when `batchId` ($1) is already in `loads`. */
  findLoad(metaSchema: string, batchId: string): Statement;
  recordLoad(metaSchema: string, record: LoadRecord): Statement;
  /** Upsert by (origin, stream sequence): a repeat raises `attempts` and `last_failed_at`; other messages never overwrite it. */
  deadLetter(metaSchema: string, record: DeadLetterRecord): Statement;
}

/** A name the warehouse cannot take as an identifier (too long, empty, NUL): permanent, caused by the data. */
export class InvalidIdentifierError extends Error {
  override name = 'InvalidIdentifierError';
}

/**
 * The stored columns a `replace` merge sets to NULL: those the batch does not carry (an enrichment
 * turned off, a value no longer rejected), except `id` (the match) and `uuid_ts` (set to the load time).
 */
export function clearedColumns(table: TableBatch, storedColumns: readonly string[]): string[] {
  const carried = new Set(table.columns.map((c) => c.name));
  return storedColumns.filter((name) => !carried.has(name) && name !== 'id' && name !== UUID_TS);
}
