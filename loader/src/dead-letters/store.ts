/**
 * The dead letters of a warehouse, read and marked over a `pg` pool (PostgreSQL, or Redshift, which
 * speaks its protocol) with the SQL of `sql.ts`.
 */
import type { Pool, PoolClient } from 'pg';
import type { Statement } from '../load/dialect.js';
import { postgresSql } from '../load/postgres/sql.js';
import { redshiftSql } from '../load/redshift/sql.js';
import {
  createRedrivesTable,
  dropCounts,
  listDeadLetters,
  tablesWithDropColumns,
  recordRedrives,
  type DeadLetterFilter,
  type DialectKind,
  type RedriveRecord,
} from './sql.js';

/** A dead letter as `list` reports it: its latest state. */
export interface DeadLetterEntry {
  /** 12 hex digits naming it for `show` and `redrive`. */
  id: string;
  /** The stream (`<name>-<created>`) or, for a replay, the archive object it came from. */
  origin: string;
  /** Its sequence in the stream, or line in the archive object. */
  streamSequence: number;
  sourceId: string;
  messageId: string;
  reason: string;
  firstFailedAt: string;
  lastFailedAt: string;
  attempts: number;
  /** Set once redriven (and not failed again since): where its message was published again. */
  redriven?: { at: string; stream: string; sequence: number };
  /** The envelope's JSON text as its row holds it (a reference to S3 for a large one); only when asked for. */
  envelopeJson?: string;
}

export interface DeadLetterStore {
  /** Creates the bookkeeping tables when missing (the loader's, and the redrives table). */
  init(): Promise<void>;
  list(filter?: DeadLetterFilter): Promise<DeadLetterEntry[]>;
  recordRedrives(records: readonly RedriveRecord[]): Promise<void>;
  /** Per table with a `_rejected` or `_enrichment_errors` column: rows loaded since `since`, and those with each set. */
  drops(since: Date, schema?: string): Promise<TableDrops[]>;
}

/** Rows of one table loaded in a period, and how many kept values in `_rejected` or had an enrichment fail. */
export interface TableDrops {
  /** `<schema>.<table>` */
  table: string;
  rows: number;
  rejected: number;
  enrichmentErrors: number;
}

const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : String(value));

function entryOf(row: Record<string, unknown>): DeadLetterEntry {
  const entry: DeadLetterEntry = {
    id: String(row.id),
    origin: String(row.origin),
    streamSequence: Number(row.stream_sequence),
    sourceId: String(row.source_id),
    messageId: String(row.message_id),
    reason: String(row.reason),
    firstFailedAt: iso(row.first_failed_at),
    lastFailedAt: iso(row.last_failed_at),
    attempts: Number(row.attempts),
  };
  if (row.redriven_at !== null && row.redriven_at !== undefined) {
    entry.redriven = {
      at: iso(row.redriven_at),
      stream: String(row.redriven_stream),
      sequence: Number(row.redriven_sequence),
    };
  }
  if (typeof row.envelope === 'string') entry.envelopeJson = row.envelope;
  return entry;
}

export function createDeadLetterStore(pool: Pool, kind: DialectKind, metaSchema: string): DeadLetterStore {
  const dialect = kind === 'redshift' ? redshiftSql : postgresSql;
  const run = (client: Pool | PoolClient, statement: Statement) =>
    client.query({ text: statement.text, values: statement.values ?? [] });
  let initialised: Promise<void> | undefined;

  const init = () => {
    initialised ??= (async () => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        // The same lock the loaders take around their bookkeeping DDL, so concurrent creators wait.
        for (const statement of dialect.lock(metaSchema)) await run(client, statement);
        for (const statement of dialect.bookkeeping(metaSchema)) await run(client, statement);
        await run(client, createRedrivesTable(kind, metaSchema));
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    })().catch((error: unknown) => {
      initialised = undefined;
      throw error;
    });
    return initialised;
  };

  return {
    init,
    async list(filter = {}) {
      await init();
      const { rows } = await run(pool, listDeadLetters(kind, metaSchema, filter));
      return rows.map(entryOf);
    },
    async recordRedrives(records) {
      if (records.length === 0) return;
      await init();
      await run(pool, recordRedrives(kind, metaSchema, records));
    },
    async drops(since, schema) {
      const { rows } = await run(pool, tablesWithDropColumns(metaSchema, schema));
      const tables = new Map<string, { schema: string; table: string; columns: string[] }>();
      for (const row of rows) {
        const key = `${String(row.table_schema)}.${String(row.table_name)}`;
        const entry = tables.get(key) ?? {
          schema: String(row.table_schema),
          table: String(row.table_name),
          columns: [],
        };
        entry.columns.push(String(row.column_name));
        tables.set(key, entry);
      }
      const drops: TableDrops[] = [];
      for (const [key, { columns, ...ref }] of tables) {
        const [counts] = (await run(pool, dropCounts(kind, ref, columns, since))).rows;
        drops.push({
          table: key,
          rows: Number(counts?.rows ?? 0),
          rejected: Number(counts?.rejected ?? 0),
          enrichmentErrors: Number(counts?.enrichment_errors ?? 0),
        });
      }
      return drops;
    },
  };
}
