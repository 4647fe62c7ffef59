/**
 * Ceiling for the loader: PostgreSQL ingesting the same rows with nothing else to do. The envelopes
 * are transformed and planned first (untimed), then each loader-sized batch is timed from BEGIN to
 * COMMIT: a staging table per table and one COPY into it, written by the loader's own COPY encoding
 * (`postgresDialect.copy`). No NATS, no S3, no merge into an indexed table: what is left is what
 * PostgreSQL and the COPY text encoding allow.
 */
import type { Envelope } from '@eventpipe/core';
import {
  planTable,
  postgresDialect,
  transform,
  type LoadBatch,
  type TableBatch,
} from '@eventpipe/loader/internal';
import { connectPostgres } from '../warehouse.js';

export interface RawCopyResult {
  rowsPerSecond: number;
  rows: number;
  /** The same rate counted in events (the end-to-end figures are in events). */
  eventsPerSecond: number;
}

export async function rawCopyRate(
  url: string,
  envelopes: readonly Envelope[],
  batchSize: number,
): Promise<RawCopyResult> {
  const dialect = postgresDialect;
  const client = await connectPostgres(url);
  try {
    let rows = 0;
    let copyMs = 0;
    const created = new Set<string>();
    for (let start = 0; start < envelopes.length; start += batchSize) {
      const events = envelopes.slice(start, start + batchSize).map((envelope) => ({ envelope }));
      const sources = transform(events, dialect.rules);
      const tables: { schema: string; batch: TableBatch }[] = [];
      for (const source of sources) {
        // Targets live in their own schema so they never meet the loader's tables.
        const schema = `ceiling_${source.schema}`;
        if (!created.has(schema)) await client.query(dialect.createSchema(schema).text);
        created.add(schema);
        for (const table of source.tables) {
          const plan = planTable(undefined, table, dialect.rules);
          const ref = { schema, table: table.table };
          if (!created.has(`${schema}.${table.table}`)) {
            for (const migration of plan.migrations) {
              for (const statement of dialect.migration(ref, migration)) await client.query(statement.text);
            }
            created.add(`${schema}.${table.table}`);
          }
          tables.push({ schema, batch: plan.batch });
        }
      }
      const loadBatch: LoadBatch = {
        batchId: `ceiling-${start}`,
        firstSequence: 0,
        lastSequence: 0,
        sources,
      };
      const began = performance.now();
      await client.query('BEGIN');
      for (const [index, { schema, batch }] of tables.entries()) {
        const target = { schema, table: batch.table };
        const staging = `ceiling_${index}`;
        await client.query(dialect.createStaging(target, staging).text);
        await dialect.copy(client, { target, staging, table: batch, batch: loadBatch, storedColumns: [] });
        rows += batch.rows.length;
      }
      await client.query('COMMIT');
      copyMs += performance.now() - began;
    }
    const seconds = copyMs / 1000;
    return { rowsPerSecond: rows / seconds, rows, eventsPerSecond: envelopes.length / seconds };
  } finally {
    await client.end();
  }
}
