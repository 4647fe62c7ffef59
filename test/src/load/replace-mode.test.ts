/**
 * Load modes against a real PostgreSQL: `append` (the loader's, and replay's default) never touches a
 * stored row; `replace` (`eventpipe replay --replace`) overwrites stored rows with what the current
 * transform and enrichments produce, and is idempotent. `users` stays latest-wins in both modes.
 *
 * The enrichment is simulated by the fields an `EnrichedEvent` carries, so this file tests the load
 * step alone; test/src/replay runs the real enrichments through `eventpipe replay`.
 *
 * The last test runs the Redshift dialect's replace SQL on PostgreSQL 15 (which has MERGE), with the
 * one function PostgreSQL lacks (`GETDATE()`) shimmed, to check what its statements do, not only their text.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Envelope, EventType, SegmentEvent } from '@eventpipe/core';
import type { LoadBatch, LoadMode, TableBatch } from '@eventpipe/loader/internal';
import { postgresRules, redshiftSql, transform } from '@eventpipe/loader/internal';
import { usePostgresWarehouse } from './harness.js';

const suite = usePostgresWarehouse();

const CHROME = { context_user_agent_browser_name: 'Chrome', context_user_agent_os_name: 'macOS' };

function envelope(type: EventType, messageId: string, receivedAt: string, event: SegmentEvent): Envelope {
  return {
    v: 1,
    sourceId: 'web',
    type,
    messageId,
    receivedAt,
    sentAt: receivedAt,
    event: { type, messageId, timestamp: receivedAt, ...event },
  };
}

const events = [
  envelope('track', 'o-1', '2024-05-01T10:00:01.000Z', {
    event: 'Order Completed',
    userId: 'u1',
    properties: { total: 30 },
  }),
  envelope('track', 'o-2', '2024-05-01T10:00:02.000Z', {
    event: 'Order Completed',
    userId: 'u2',
    properties: { total: 12.5 },
  }),
  envelope('identify', 'i-1', '2024-05-01T10:00:03.000Z', { userId: 'u1', traits: { plan: 'free' } }),
];

let batches = 0;
/** A batch of `envelopes` as the loader would build it, each event carrying `fields` as its enrichment. */
function batchOf(
  envelopes: Envelope[],
  fields: Record<string, unknown> | undefined,
  mode?: LoadMode,
): LoadBatch {
  const enriched = envelopes.map((e) =>
    fields ? { envelope: e, enriched: { ...fields } } : { envelope: e },
  );
  return {
    batchId: `replace-test-${++batches}`,
    firstSequence: 0,
    lastSequence: 0,
    sources: transform(enriched, postgresRules),
    mode,
  };
}

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await suite.db.query(sql)).rows;
}

/** Every column of every row of the table but `uuid_ts` (the load time), by id. */
async function snapshot(table: string): Promise<Record<string, unknown>[]> {
  const found = await rows(`SELECT * FROM "web"."${table}" ORDER BY "id"`);
  return found.map(({ uuid_ts: _loadTime, ...rest }) => rest);
}

const browsers = async () =>
  (await rows('SELECT "id", "context_user_agent_browser_name" AS b FROM "web"."tracks" ORDER BY "id"')).map(
    (r) => `${String(r.id)}:${String(r.b)}`,
  );

describe('append and replace on event tables', () => {
  test('append: rows loaded without the enrichment keep their values when loaded again with it', async () => {
    await suite.warehouse.load(batchOf(events, undefined));
    // The first load with the enrichment creates its columns, but fills no stored row.
    const again = await suite.warehouse.load(batchOf(events, CHROME));
    assert.equal(again.rowsByTable['web.tracks'], 0);
    assert.equal(again.rowsByTable['web.order_completed'], 0);
    assert.deepEqual(await browsers(), ['o-1:null', 'o-2:null']);
  });

  test('replace: every replayed row takes the new values, and is counted', async () => {
    const before = await rows('SELECT "id", "uuid_ts" FROM "web"."tracks" ORDER BY "id"');
    const result = await suite.warehouse.load(batchOf(events, CHROME, 'replace'));
    assert.equal(result.rowsByTable['web.tracks'], 2);
    assert.equal(result.rowsByTable['web.order_completed'], 2);
    assert.equal(result.rowsByTable['web.identifies'], 1);
    assert.deepEqual(await browsers(), ['o-1:Chrome', 'o-2:Chrome']);
    const [order] = await rows(
      `SELECT "total", "user_id", "context_user_agent_os_name" AS os FROM "web"."order_completed" WHERE "id" = 'o-1'`,
    );
    assert.deepEqual(order, { total: 30, user_id: 'u1', os: 'macOS' });
    // uuid_ts is the load time: a replaced row was loaded again.
    const after = await rows('SELECT "id", "uuid_ts" FROM "web"."tracks" ORDER BY "id"');
    for (const [i, row] of after.entries()) {
      assert.ok(
        (row.uuid_ts as Date) > (before[i]!.uuid_ts as Date),
        `uuid_ts of ${String(row.id)} advanced`,
      );
    }
  });

  test('replace twice leaves identical rows', async () => {
    const first = { tracks: await snapshot('tracks'), orders: await snapshot('order_completed') };
    const result = await suite.warehouse.load(batchOf(events, CHROME, 'replace'));
    assert.equal(result.rowsByTable['web.tracks'], 2);
    assert.deepEqual({ tracks: await snapshot('tracks'), orders: await snapshot('order_completed') }, first);
  });

  test('replace with the enrichment turned off clears its columns: the row is what the transform makes now', async () => {
    await suite.warehouse.load(batchOf(events.slice(0, 1), undefined, 'replace'));
    assert.deepEqual(await browsers(), ['o-1:null', 'o-2:Chrome']);
    const [order] = await rows(
      `SELECT "context_user_agent_os_name" AS os, "total" FROM "web"."order_completed" WHERE "id" = 'o-1'`,
    );
    assert.deepEqual(order, { os: null, total: 30 });
  });

  test('replace inserts ids not stored yet, and a batch holding an id twice is loaded once', async () => {
    const late = envelope('track', 'o-3', '2024-05-01T10:00:04.000Z', {
      event: 'Order Completed',
      userId: 'u3',
      properties: { total: 7 },
    });
    const retried = { ...late, receivedAt: '2024-05-01T10:00:05.000Z' };
    const result = await suite.warehouse.load(batchOf([late, retried, events[1]!], CHROME, 'replace'));
    assert.equal(result.rowsByTable['web.tracks'], 2);
    assert.deepEqual(await browsers(), ['o-1:null', 'o-2:Chrome', 'o-3:Chrome']);
    // Of the two copies, the later one is kept (the same rule as users).
    const [row] = await rows(`SELECT "received_at" FROM "web"."tracks" WHERE "id" = 'o-3'`);
    assert.deepEqual(row, { received_at: new Date(retried.receivedAt) });
  });
});

describe('users stay latest-wins', () => {
  test('replace re-applies the transform to the latest identify, never lets an older one win', async () => {
    const at = '2024-05-02T10:00:00.000Z';
    const identify = (traits: Record<string, unknown>, receivedAt = at) =>
      envelope('identify', `i-9-${receivedAt}`, receivedAt, { userId: 'u9', traits });
    const plan = async () =>
      (await rows(`SELECT "plan", "email", "received_at" FROM "web"."users" WHERE "id" = 'u9'`))[0];
    await suite.warehouse.load(batchOf([identify({ plan: 'free', email: 'u9@example.com' })], undefined));

    // The same identify, as a fixed transform would now turn it into a row (same received_at).
    const fixed = identify({ plan: 'Free' });
    assert.equal((await suite.warehouse.load(batchOf([fixed], undefined))).rowsByTable['web.users'], 0);
    assert.equal((await plan())?.plan, 'free');
    assert.equal(
      (await suite.warehouse.load(batchOf([fixed], undefined, 'replace'))).rowsByTable['web.users'],
      1,
    );
    // Traits still accumulate: one the replayed row does not carry keeps its value.
    assert.deepEqual(await plan(), { plan: 'Free', email: 'u9@example.com', received_at: new Date(at) });

    const older = identify({ plan: 'trial' }, '2024-04-01T00:00:00.000Z');
    assert.equal(
      (await suite.warehouse.load(batchOf([older], undefined, 'replace'))).rowsByTable['web.users'],
      0,
    );
    assert.deepEqual(await plan(), { plan: 'Free', email: 'u9@example.com', received_at: new Date(at) });
  });
});

test("the Redshift dialect's replace statements do the same on a MERGE-capable database", async () => {
  const client = await suite.db.connect();
  const ref = { schema: 'rs', table: 'tracks' };
  const table: TableBatch = {
    table: 'tracks',
    mode: 'append',
    columns: [
      { name: 'id', type: 'text' },
      { name: 'received_at', type: 'timestamp' },
      { name: 'browser', type: 'text' },
    ],
    rows: [],
  };
  try {
    await client.query('BEGIN');
    // Created in the transaction, so the ROLLBACK below removes it (PostgreSQL never looks up
    // functions in pg_temp, so it cannot be a temporary one).
    await client.query(
      `CREATE FUNCTION getdate() RETURNS timestamptz LANGUAGE sql AS 'SELECT clock_timestamp()'`,
    );
    await client.query(
      'CREATE SCHEMA rs; CREATE TABLE rs.tracks (id text, received_at timestamptz, browser text, os text,' +
        ' uuid_ts timestamptz NOT NULL DEFAULT clock_timestamp())',
    );
    await client.query(
      `INSERT INTO rs.tracks (id, received_at, browser, os) VALUES ('a', '2024-05-01T00:00:00Z', NULL, 'macOS')`,
    );
    // The staging table as the Redshift stage leaves it: one row per id (deduplicated).
    await client.query(`CREATE TEMP TABLE s (LIKE rs.tracks INCLUDING DEFAULTS)`);
    await client.query(
      `INSERT INTO s (id, received_at, browser) VALUES ('a', '2024-05-01T00:00:00Z', 'Chrome'),` +
        ` ('b', '2024-05-01T00:00:01Z', 'Firefox')`,
    );
    const loadedAt = async () =>
      (await client.query<{ t: Date }>(`SELECT uuid_ts AS t FROM rs.tracks WHERE id = 'a'`)).rows[0]!.t;
    const firstLoad = await loadedAt();
    const merged = await client.query(
      redshiftSql.merge(ref, 's', table, {
        mode: 'replace',
        storedColumns: ['id', 'received_at', 'browser', 'os', 'uuid_ts'],
      }).text,
    );
    assert.equal(merged.rowCount, 2);
    const { rows: stored } = await client.query('SELECT id, browser, os FROM rs.tracks ORDER BY id');
    assert.deepEqual(stored, [
      { id: 'a', browser: 'Chrome', os: null },
      { id: 'b', browser: 'Firefox', os: null },
    ]);
    assert.ok((await loadedAt()) > firstLoad, 'uuid_ts is the time of the replacing load');
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
});
