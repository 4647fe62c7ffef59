/**
 * Segment compatibility on PostgreSQL: the multi-source workload loaded in one batch and again in
 * batches of three, then the queries of existing Segment models, which must find Segment's tables,
 * columns and values (the Redshift dialect runs the same queries in test/src/redshift).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { startPostgres } from '@eventpipe/local';
import { createPostgresWarehouse, postgresRules } from '@eventpipe/loader/internal';
import { compatQueries, normalise, workloadBatches } from './segment-workload.js';
import { testLogger } from '../secrets.js';

test('Segment models run unchanged on PostgreSQL, whatever the batching', async (t) => {
  const server = await startPostgres();
  t.after(() => server.dispose());
  const columnsBySize: Record<string, unknown>[][] = [];
  for (const size of [100, 3]) {
    const database = `compat_${size}`;
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const url = new URL(server.url);
    url.pathname = `/${database}`;
    const warehouse = createPostgresWarehouse(
      {
        warehouse: {
          kind: 'postgres',
          url: url.toString(),
          metaSchema: '_eventpipe',
          arrays: 'text',
          lockTimeoutMs: 5000,
        },
      },
      { log: testLogger('test') },
    );
    const db = new pg.Pool({ connectionString: url.toString(), max: 1 });
    try {
      await warehouse.init();
      for (const batch of workloadBatches(postgresRules, size)) await warehouse.load(batch);
      for (const query of compatQueries()) {
        const { rows } = await db.query(query.sql);
        assert.deepEqual(
          normalise(rows, query.expected),
          query.expected,
          `${query.name} (batches of ${size})`,
        );
      }
      // Past the column budget: the object is JSON text that PostgreSQL reads through a cast, and
      // what has no column at all is in `_rejected`.
      const { rows: settings } = await db.query(
        `SELECT preferences::jsonb->'notifications'->'push'->>'enabled' AS push,` +
          ` json_extract_path_text(preferences::json, 'theme') AS theme, _rejected` +
          ` FROM backend.settings_saved WHERE preferences IS NOT NULL OR _rejected IS NOT NULL ORDER BY received_at`,
      );
      assert.deepEqual(settings, [
        { push: 'true', theme: 'dark', _rejected: null },
        { push: null, theme: null, _rejected: { region: 'eu' } },
        { push: null, theme: null, _rejected: { more_a: 1 } },
      ]);
      const { rows } = await db.query(
        `SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns` +
          ` WHERE table_schema IN ('web', 'ios', 'backend') ORDER BY 1, 2, 3`,
      );
      columnsBySize.push(rows);
    } finally {
      await db.end();
      await warehouse.close();
    }
  }
  assert.deepEqual(
    columnsBySize[1],
    columnsBySize[0],
    'the same schema in one batch and in batches of three',
  );
  // Every column of eventpipe's own (Segment's columns never start with `_`) and every Segment
  // column it does not make is named in the compatibility doc's list of differences.
  const doc = readFileSync(
    new URL('../../../docs/warehouses/segment-compatibility.md', import.meta.url),
    'utf8',
  );
  const differences = doc.slice(doc.indexOf('Remaining differences'));
  const own = new Set(
    columnsBySize[0]!
      .map((c) => String(c.column_name))
      .filter((name) => name.startsWith('_') && name !== '_'),
  );
  assert.ok(own.size > 0, "the workload makes columns of eventpipe's own");
  for (const name of [...own, '_rejected', '_enrichment_errors', 'uuid', 'loaded_at'])
    assert.ok(
      differences.includes(`\`${name}\``),
      `segment-compatibility.md lists no difference for ${name}`,
    );
});
