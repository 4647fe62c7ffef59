/**
 * The one load flow, for every dialect: a batch goes into the warehouse in ONE transaction that
 *
 *   1. takes a lock per table (and per schema it creates), in sorted order, so concurrent loaders
 *      serialise per table and can never deadlock on each other;
 *   2. takes the dialect's lock on `loads` (Redshift: an explicit LOCK, so the check below never
 *      depends on the isolation level), then returns `alreadyLoaded` when `loads` holds the batch id
 *      (checked after the locks, so a loader that waited for another one loading the same batch sees
 *      its commit);
 *   3. per table: locks it when it exists and the dialect asks (Redshift), reads the existing columns, plans the schema change (`planTable`), applies and
 *      journals the DDL, stages the rows, merges them into the target (ids already there skipped,
 *      or overwritten when the batch's mode is `replace`);
 *   4. records the batch in `loads`, then COMMITs.
 *
 * DDL a warehouse refuses inside a transaction (Redshift's `ALTER COLUMN … TYPE`) is found by the same
 * planning: the transaction is rolled back, that DDL is applied and journaled on its own, and the
 * transaction starts over (a bounded number of times, since another loader may be changing the table).
 */
import { hostname } from 'node:os';
import type { ClientBase, Pool, PoolClient } from 'pg';
import type { Logger } from '@eventpipe/core';
import type { TableBatch } from '../transform/types.js';
import { jsonText } from '../transform/values.js';
import { planTable, type ExistingColumn, type Migration } from '../schema/index.js';
import type { SqlDialect, Statement, TableRef } from './dialect.js';
import type { DeadLetter, LoadBatch, LoadResult, Warehouse } from './warehouse.js';
import { inStepSpan } from '../tracing.js';

export interface FlowOptions {
  metaSchema: string;
  log: Logger;
  /** `warehouse.lockTimeoutMs`: the longest wait for a lock held by another session, past the loaders' own locks. */
  lockTimeoutMs?: number;
  /** The driver's error classification (`Warehouse.isPermanentError`). */
  isPermanentError(error: unknown): boolean;
}

/** Attempts at a transaction whose planning keeps asking for DDL that must run outside it. */
const MAX_ATTEMPTS = 3;

const LOADER_ID = `${hostname()}:${process.pid}`;

interface PlannedTable {
  ref: TableRef;
  table: TableBatch;
}

type TransactionOutcome =
  | { kind: 'loaded'; result: LoadResult }
  | { kind: 'needs-ddl-outside'; ddl: { ref: TableRef; table: TableBatch }[] };

const tableKey = (ref: TableRef) => `${ref.schema}.${ref.table}`;

async function run(client: ClientBase, statement: Statement) {
  return client.query({ text: statement.text, values: statement.values ?? [] });
}

/** A warehouse (the `Warehouse` contract) over a `pg` pool and a dialect. */
export function createFlowWarehouse(pool: Pool, dialect: SqlDialect, options: FlowOptions): Warehouse {
  const { metaSchema, log } = options;
  let initialised: Promise<void> | undefined;

  const init = () => {
    // Concurrent loaders starting together would race on CREATE … IF NOT EXISTS; the lock orders them.
    initialised ??= inTransaction(pool, async (client) => {
      for (const statement of dialect.lock(metaSchema)) await run(client, statement);
      for (const statement of dialect.bookkeeping(metaSchema)) await run(client, statement);
    }).catch((error: unknown) => {
      initialised = undefined;
      throw error;
    });
    return initialised;
  };

  /** Runs one DDL statement and journals it (in the caller's transaction, if any). */
  const applyDdl = async (client: ClientBase, target: TableRef, statement: Statement, batchId: string) => {
    await run(client, statement);
    const record = { target, statement: statement.text, batchId, loader: LOADER_ID };
    await run(client, dialect.recordMigration(metaSchema, record));
    return statement.text;
  };

  const applyMigration = async (client: ClientBase, ref: TableRef, migration: Migration, batchId: string) => {
    const applied: string[] = [];
    for (const statement of dialect.migration(ref, migration)) {
      applied.push(await applyDdl(client, ref, statement, batchId));
    }
    return applied;
  };

  /** The table's columns; an existing table is locked first (`lockTable`) and then read as it stays. */
  const describeLocked = async (client: ClientBase, ref: TableRef) => {
    const described = (await run(client, dialect.describeTable(ref))).rows;
    const locks = dialect.lockTable(ref);
    if (described.length === 0 || locks.length === 0) return described;
    for (const statement of locks) await run(client, statement);
    // Read again under the lock: a concurrent ALTER may have committed since the first read.
    return (await run(client, dialect.describeTable(ref))).rows;
  };

  /**
   * The DDL that must run outside the transaction, planned again from the table as it is now: another
   * loader may have applied it (or a wider one) since, and re-planning from the declared size read
   * just before keeps a widening from ever narrowing what that loader applied.
   */
  const applyOutside = async (ddl: { ref: TableRef; table: TableBatch }[], batchId: string) => {
    const applied: string[] = [];
    const client = await pool.connect();
    try {
      for (const { ref, table } of ddl) {
        const described = (await run(client, dialect.describeTable(ref))).rows;
        const existing = new Map<string, ExistingColumn>(
          described.map((r) => [String(r.column_name), dialect.existingColumn(r)]),
        );
        const plan = planTable(described.length === 0 ? undefined : existing, table, dialect.rules);
        // Each on its own (autocommit): a DDL that fails leaves nothing half-done to roll back.
        for (const migration of plan.migrations.filter((m) => dialect.runsOutsideTransaction(m)))
          applied.push(...(await applyMigration(client, ref, migration, batchId)));
      }
    } finally {
      client.release();
    }
    return applied;
  };

  const loadInTransaction = async (
    client: ClientBase,
    batch: LoadBatch,
    startedAt: Date,
  ): Promise<TransactionOutcome> => {
    // Sorted by code units (not locale), so every process takes the table locks in the same order.
    const tables: PlannedTable[] = batch.sources
      .flatMap((source) =>
        source.tables.map((table) => ({ ref: { schema: source.schema, table: table.table }, table })),
      )
      .sort((a, b) => (tableKey(a.ref) < tableKey(b.ref) ? -1 : 1));
    const schemas = [...new Set(tables.map((t) => t.ref.schema))];
    const present = new Set(
      (await run(client, dialect.existingSchemas(schemas))).rows.map((r) => String(r.name)),
    );
    const missingSchemas = schemas.filter((s) => !present.has(s));

    const lockNames = [...new Set([...missingSchemas, ...tables.map((t) => tableKey(t.ref))])].sort();
    for (const name of lockNames) for (const statement of dialect.lock(name)) await run(client, statement);
    for (const statement of dialect.lockLoads(metaSchema)) await run(client, statement);

    if ((await run(client, dialect.findLoad(metaSchema, batch.batchId))).rows.length > 0) {
      return {
        kind: 'loaded',
        result: { alreadyLoaded: true, rowsByTable: {}, rejectedByTable: {}, migrations: [] },
      };
    }
    // From here on a wait is for someone else (an analyst's query, a manual ALTER), never for
    // another loader (those were the locks above): it is bounded, and the runner retries the batch.
    if (options.lockTimeoutMs !== undefined) {
      for (const statement of dialect.lockTimeout(options.lockTimeoutMs)) await run(client, statement);
    }

    const migrations: string[] = [];
    for (const schema of missingSchemas) {
      migrations.push(
        await applyDdl(client, { schema, table: '' }, dialect.createSchema(schema), batch.batchId),
      );
    }

    const rowsByTable: Record<string, number> = {};
    const rejectedByTable: Record<string, number> = {};
    const outside: { ref: TableRef; table: TableBatch }[] = [];
    for (const [index, { ref, table }] of tables.entries()) {
      const described = await describeLocked(client, ref);
      const existing =
        described.length === 0
          ? undefined
          : new Map<string, ExistingColumn>(
              described.map((r) => [String(r.column_name), dialect.existingColumn(r)]),
            );
      const plan = planTable(existing, table, dialect.rules);
      if (plan.rejectedValues > 0) rejectedByTable[tableKey(ref)] = plan.rejectedValues;
      const deferred = plan.migrations.filter((m) => dialect.runsOutsideTransaction(m));
      if (deferred.length > 0) {
        outside.push({ ref, table });
        continue;
      }
      for (const migration of plan.migrations)
        migrations.push(...(await applyMigration(client, ref, migration, batch.batchId)));
      if (outside.length > 0 || plan.batch.rows.length === 0) continue;

      const staging = `eventpipe_staging_${index}`;
      const began = performance.now();
      await run(client, dialect.createStaging(ref, staging));
      const storedColumns = described.map((r) => String(r.column_name));
      await inStepSpan('copy', () =>
        dialect.copy(client, { target: ref, staging, table: plan.batch, batch, storedColumns }),
      );
      const staged = performance.now();
      const merged = await inStepSpan('merge', () =>
        run(client, dialect.merge(ref, staging, plan.batch, { mode: batch.mode ?? 'append', storedColumns })),
      );
      // Summed: two sources of the batch may share a table (refused in the configuration, but a
      // message of a source no longer configured can still arrive).
      rowsByTable[tableKey(ref)] = (rowsByTable[tableKey(ref)] ?? 0) + (merged.rowCount ?? 0);
      log.debug(
        {
          batchId: batch.batchId,
          table: tableKey(ref),
          mode: batch.mode ?? 'append',
          rows: plan.batch.rows.length,
          merged: merged.rowCount,
          stageMs: Math.round(staged - began),
          mergeMs: Math.round(performance.now() - staged),
        },
        'table loaded',
      );
    }
    if (outside.length > 0) return { kind: 'needs-ddl-outside', ddl: outside };

    await run(
      client,
      dialect.recordLoad(metaSchema, {
        batchId: batch.batchId,
        firstSequence: batch.firstSequence,
        lastSequence: batch.lastSequence,
        sources: [...new Set(batch.sources.map((s) => s.sourceId))],
        rowsByTable,
        startedAt,
      }),
    );
    return { kind: 'loaded', result: { alreadyLoaded: false, rowsByTable, rejectedByTable, migrations } };
  };

  const load = async (batch: LoadBatch): Promise<LoadResult> => {
    await init();
    const startedAt = new Date();
    const appliedOutside: string[] = [];
    for (let attempt = 1; ; attempt++) {
      const outcome = await inTransaction(
        pool,
        (client) => loadInTransaction(client, batch, startedAt),
        (o) => o.kind === 'loaded' && !o.result.alreadyLoaded,
      );
      if (outcome.kind === 'loaded') {
        const result = { ...outcome.result, migrations: [...appliedOutside, ...outcome.result.migrations] };
        if (result.migrations.length > 0)
          log.info({ batchId: batch.batchId, migrations: result.migrations }, 'schema migrated');
        return result;
      }
      if (attempt >= MAX_ATTEMPTS) {
        throw new Error(
          `batch ${batch.batchId}: the schema kept changing under this loader after ${attempt} attempts; retry the batch`,
        );
      }
      appliedOutside.push(...(await applyOutside(outcome.ddl, batch.batchId)));
    }
  };

  const deadLetter = async (entries: DeadLetter[]) => {
    if (entries.length === 0) return;
    await init();
    await inTransaction(pool, async (client) => {
      for (const entry of entries) {
        await run(
          client,
          dialect.deadLetter(metaSchema, {
            sourceId: entry.sourceId,
            messageId: entry.messageId,
            origin: entry.origin,
            streamSequence: entry.streamSequence,
            reason: entry.reason,
            envelopeJson: jsonText(entry.envelope),
          }),
        );
      }
    });
    log.warn(
      { count: entries.length, messageIds: entries.map((e) => e.messageId) },
      'messages dead-lettered',
    );
  };

  return {
    rules: dialect.rules,
    isPermanentError: options.isPermanentError,
    init,
    load,
    deadLetter,
    close: () => pool.end(),
  };
}

/**
 * Runs `work` in a transaction on a pooled connection: COMMIT when `commit(result)` says so (default:
 * always), ROLLBACK otherwise and on any error. A connection whose ROLLBACK failed is discarded, not
 * returned to the pool. A COMMIT that fails with the connection lost has an unknown outcome: the
 * caller retries, and the batch id in `loads` tells it whether the first attempt committed.
 */
async function inTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  commit: (result: T) => boolean = () => true,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    try {
      const result = await work(client);
      await inStepSpan('commit', () => client.query(commit(result) ? 'COMMIT' : 'ROLLBACK'));
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    }
  } catch (error) {
    broken ??= isConnectionError(error) ? (error as Error) : undefined;
    throw error;
  } finally {
    client.release(broken);
  }
}

/** Errors after which the connection itself is unusable (no SQLSTATE: the socket, not the statement, failed). */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return !(typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code));
}
