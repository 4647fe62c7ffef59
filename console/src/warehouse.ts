/**
 * What the console reads from the warehouse: a source's schema and the row an event became (the dead
 * letters come from the loader's openDeadLetters, as the CLI's do). Read-only, every identifier quoted (and refused by quoteIdent when it could not be
 * one), every value a parameter; each query bounded by a statement timeout, so a page never waits on
 * a slow warehouse for long.
 */
import pg from 'pg';
import type { Config, Envelope } from '@eventpipe/core';
import {
  eventTableName,
  postgresRules,
  quoteIdent,
  redshiftRules,
  REJECTED_COLUMN,
  schemaName,
} from '@eventpipe/loader';
import {
  describeSchema,
  markRejected,
  type CatalogueColumn,
  type MigrationRow,
  type TableView,
} from './schema-view.js';

const STATEMENT_TIMEOUT_MS = 5_000;
/** Rejected key paths listed per table, the most frequent first. */
const MAX_REJECTED_KEYS = 20;
/** The row an event became, and the table holding it. */
export interface WarehouseRow {
  table: string;
  row: Record<string, unknown>;
}

/** The table holding an event's most specific row: its event's own table for a track call. */
export function tableOfEvent(
  envelope: Pick<Envelope, 'type'> & { event: { event?: unknown } },
  maxBytes: number,
): string | undefined {
  switch (envelope.type) {
    case 'track':
      return typeof envelope.event.event === 'string' && envelope.event.event !== ''
        ? eventTableName(envelope.event.event, maxBytes)
        : 'tracks';
    case 'identify':
      return 'identifies';
    case 'page':
      return 'pages';
    case 'screen':
      return 'screens';
    case 'group':
      return 'groups';
    case 'alias':
      return 'aliases';
  }
}

const isUndefinedTable = (error: unknown) => (error as { code?: string }).code === '42P01';

export interface ConsoleWarehouse {
  schema(sourceId: string): Promise<TableView[]>;
  /** The row of the event with this message id, or undefined while it is not loaded. */
  row(
    sourceId: string,
    envelope: Parameters<typeof tableOfEvent>[0],
    messageId: string,
  ): Promise<WarehouseRow | undefined>;
  close(): Promise<void>;
}

export function createConsoleWarehouse(warehouse: Config['warehouse']): ConsoleWarehouse {
  const pool = new pg.Pool({
    connectionString: warehouse.url,
    max: 4,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    application_name: 'eventpipe-console',
  });
  // An idle connection the server dropped must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const maxBytes = (warehouse.kind === 'redshift' ? redshiftRules : postgresRules).maxIdentifierBytes;
  const meta = quoteIdent(warehouse.metaSchema);
  const schemaOf = (sourceId: string) => schemaName(sourceId, maxBytes);

  async function statsOf(schema: string, table: TableView) {
    const has = (name: string) => table.columns.some((c) => c.name === name);
    const from = `${quoteIdent(schema)}.${quoteIdent(table.name)}`;
    const rejected = quoteIdent(REJECTED_COLUMN);
    const { rows } = await pool.query<{ rows: string; last_seen: Date | null; rejected_rows: string }>(
      `SELECT count(*) AS rows, ${has('received_at') ? 'max("received_at")' : 'NULL'} AS last_seen, ` +
        `${has(REJECTED_COLUMN) ? `count(${rejected})` : '0'} AS rejected_rows FROM ${from}`,
    );
    const counts = rows[0]!;
    let rejectedKeys: { key: string; rows: number }[] = [];
    if (Number(counts.rejected_rows) > 0 && warehouse.kind === 'postgres') {
      const keys = await pool.query<{ key: string; rows: string }>(
        // json or jsonb, depending on the loader's version: read as json either way.
        `SELECT k AS key, count(*) AS rows FROM ${from}, json_object_keys(${rejected}::json) AS k ` +
          `WHERE json_typeof(${rejected}::json) = 'object' ` +
          `GROUP BY k ORDER BY count(*) DESC, k LIMIT ${MAX_REJECTED_KEYS}`,
      );
      rejectedKeys = keys.rows.map((r) => ({ key: r.key, rows: Number(r.rows) }));
      markRejected(table, rejectedKeys);
    }
    table.stats = {
      rows: Number(counts.rows),
      ...(counts.last_seen && { lastSeen: counts.last_seen.toISOString() }),
      rejectedRows: Number(counts.rejected_rows),
      rejectedKeys,
    };
  }

  return {
    async schema(sourceId) {
      const schema = schemaOf(sourceId);
      const columns = await pool.query<CatalogueColumn>(
        'SELECT table_name, column_name, data_type FROM information_schema.columns ' +
          'WHERE table_schema = $1 ORDER BY table_name, ordinal_position',
        [schema],
      );
      const migrations = await pool
        .query<MigrationRow>(
          `SELECT table_name, statement, applied_at FROM ${meta}."migrations" WHERE schema_name = $1 ORDER BY id`,
          [schema],
        )
        .catch((error: unknown) => {
          // No load has run yet, so no bookkeeping tables either.
          if (isUndefinedTable(error)) return { rows: [] as MigrationRow[] };
          throw error;
        });
      const tables = describeSchema(columns.rows, migrations.rows);
      for (const table of tables) await statsOf(schema, table);
      return tables;
    },

    async row(sourceId, envelope, messageId) {
      const table = tableOfEvent(envelope, maxBytes);
      if (!table) return undefined;
      try {
        const { rows } = await pool.query(
          `SELECT * FROM ${quoteIdent(schemaOf(sourceId))}.${quoteIdent(table)} WHERE "id" = $1 LIMIT 1`,
          [messageId],
        );
        return rows[0] ? { table, row: rows[0] as Record<string, unknown> } : undefined;
      } catch (error) {
        if (isUndefinedTable(error)) return undefined;
        throw error;
      }
    },

    close: () => pool.end(),
  };
}
