/**
 * The PostgreSQL warehouse driver against a real PostgreSQL: envelopes go through the real transform
 * and the shared load flow, and every assertion reads the tables back.
 */
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { type Envelope, type EventType, type SegmentEvent } from '@eventpipe/core';
import type { LoadBatch } from '@eventpipe/loader/internal';
import {
  createFlowWarehouse,
  createPostgresWarehouse,
  isPermanentLoadError,
  postgresDialect,
  postgresRules,
  transform,
} from '@eventpipe/loader/internal';
import { usePostgresWarehouse } from './harness.js';
import { testLogger } from '../secrets.js';

const log = testLogger('test');
const suite = usePostgresWarehouse();

let sequence = 0;
let clock = Date.parse('2024-05-01T10:00:00.000Z');

/** An envelope as the collector builds it; `receivedAt` advances by one second per call. */
function envelope(sourceId: string, type: EventType, event: SegmentEvent): Envelope {
  clock += 1000;
  const receivedAt = new Date(clock).toISOString();
  const messageId = event.messageId ?? `m-${++sequence}`;
  return {
    v: 1,
    sourceId,
    type,
    messageId,
    receivedAt,
    sentAt: receivedAt,
    event: { type, messageId, timestamp: receivedAt, ...event },
  };
}

function batchOf(batchId: string, envelopes: Envelope[]): LoadBatch {
  return {
    batchId,
    firstSequence: 1,
    lastSequence: envelopes.length,
    sources: transform(
      envelopes.map((e) => ({ envelope: e })),
      postgresRules,
    ),
  };
}

async function rows(sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  return (await suite.db.query(sql, values)).rows;
}

async function count(schema: string, table: string): Promise<number> {
  const [row] = await rows(`SELECT count(*)::int AS n FROM "${schema}"."${table}"`);
  return Number(row?.n);
}

async function columnTypes(schema: string, table: string): Promise<Record<string, string>> {
  const found = await rows(
    'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
    [schema, table],
  );
  return Object.fromEntries(found.map((r) => [r.column_name, r.data_type]));
}

describe('loading a representative batch', () => {
  const events = [
    envelope('web', 'track', {
      event: 'Order Completed',
      userId: 'u1',
      properties: { total: 30, currency: 'EUR', products: [{ sku: 'a' }] },
    }),
    envelope('web', 'track', {
      event: 'Order Completed',
      userId: 'u2',
      properties: { total: 12.5, currency: 'EUR' },
    }),
    envelope('web', 'track', {
      event: 'Signed Up',
      anonymousId: 'a1',
      properties: { plan: 'pro', trial: true },
    }),
    envelope('web', 'identify', { userId: 'u1', traits: { email: 'u1@example.com', age: 41 } }),
    envelope('web', 'page', { anonymousId: 'a1', name: 'Home', properties: { path: '/', title: 'Home' } }),
    envelope('web', 'screen', { userId: 'u1', name: 'Cart' }),
    envelope('web', 'group', { userId: 'u1', groupId: 'g1', traits: { name: 'ACME' } }),
    envelope('web', 'alias', { userId: 'u1', previousId: 'a1' }),
    envelope('app', 'track', { event: 'Order Completed', userId: 'u3', properties: { total: 1 } }),
  ];
  const batch = batchOf('rep-1', events);

  test('every table gets its rows, typed, in one transaction recorded in loads', async () => {
    const result = await suite.warehouse.load(batch);
    assert.equal(result.alreadyLoaded, false);
    assert.deepEqual(result.rowsByTable, {
      'app.order_completed': 1,
      'app.tracks': 1,
      'web.aliases': 1,
      'web.groups': 1,
      'web.identifies': 1,
      'web.order_completed': 2,
      'web.pages': 1,
      'web.screens': 1,
      'web.signed_up': 1,
      'web.tracks': 3,
      'web.users': 1,
    });
    assert.equal(await count('web', 'tracks'), 3);
    assert.equal(await count('web', 'order_completed'), 2);
    assert.equal(await count('app', 'order_completed'), 1);

    const types = await columnTypes('web', 'order_completed');
    assert.equal(types.id, 'text');
    assert.equal(types.total, 'double precision');
    assert.equal(types.currency, 'text');
    assert.equal(types.products, 'text', 'arrays as JSON text, as Segment');
    assert.equal(types.received_at, 'timestamp with time zone');
    assert.equal(types.uuid_ts, 'timestamp with time zone');
    assert.equal((await columnTypes('web', 'signed_up')).trial, 'boolean');
    assert.equal((await columnTypes('web', 'identifies')).age, 'bigint');

    const [order] = await rows(`SELECT products, uuid_ts FROM web.order_completed WHERE user_id = 'u1'`);
    assert.equal(order?.products, '[{"sku":"a"}]');
    assert.ok(order?.uuid_ts instanceof Date, 'uuid_ts is set by the database');

    const [load] = await rows(`SELECT * FROM _eventpipe.loads WHERE batch_id = 'rep-1'`);
    assert.deepEqual(load?.sources, ['app', 'web']);
    assert.equal(load?.last_sequence, String(events.length));
    assert.deepEqual(load?.rows_by_table, result.rowsByTable);
    const journal = await rows(`SELECT statement FROM _eventpipe.migrations WHERE batch_id = 'rep-1'`);
    assert.deepEqual(
      journal.map((r) => r.statement),
      result.migrations,
    );
    assert.ok(result.migrations.some((s) => s.startsWith('CREATE TABLE "web"."order_completed"')));
  });

  test('the same batch id again writes nothing and reports alreadyLoaded', async () => {
    const again = await suite.warehouse.load(batch);
    assert.deepEqual(again, { alreadyLoaded: true, rowsByTable: {}, rejectedByTable: {}, migrations: [] });
    assert.equal(await count('web', 'tracks'), 3);
  });

  test('another batch carrying already-loaded message ids only adds the new ones', async () => {
    const fresh = envelope('web', 'track', {
      event: 'Order Completed',
      userId: 'u9',
      properties: { total: 5 },
    });
    const result = await suite.warehouse.load(batchOf('rep-2', [events[0]!, events[1]!, fresh]));
    assert.equal(result.alreadyLoaded, false);
    assert.equal(result.rowsByTable['web.order_completed'], 1);
    assert.equal(result.rowsByTable['web.tracks'], 1);
    assert.equal(await count('web', 'order_completed'), 3);
    const [dupes] = await rows('SELECT count(*) - count(DISTINCT id) AS n FROM web.order_completed');
    assert.equal(Number(dupes?.n), 0);
  });
});

describe('schema evolution across batches keeps every value', () => {
  test('integer → float → string widens bigint → numeric, never to text: the string goes to _rejected', async () => {
    await suite.warehouse.load(
      batchOf('evo-1', [envelope('evo', 'track', { event: 'Measured', properties: { amount: 1 } })]),
    );
    assert.equal((await columnTypes('evo', 'measured')).amount, 'bigint');
    const second = await suite.warehouse.load(
      batchOf('evo-2', [envelope('evo', 'track', { event: 'Measured', properties: { amount: 2.5 } })]),
    );
    assert.equal((await columnTypes('evo', 'measured')).amount, 'numeric');
    assert.ok(
      second.migrations.some((s) => s.includes('ALTER COLUMN "amount" TYPE numeric USING "amount"::numeric')),
    );
    const third = await suite.warehouse.load(
      batchOf('evo-3', [envelope('evo', 'track', { event: 'Measured', properties: { amount: 'lots' } })]),
    );
    assert.equal((await columnTypes('evo', 'measured')).amount, 'numeric');
    // The value an existing column's type refused is counted.
    assert.deepEqual(third.rejectedByTable, { 'evo.measured': 1 });
    const values = await rows('SELECT amount, _rejected FROM evo.measured ORDER BY received_at');
    assert.deepEqual(
      values.map((r) => [r.amount, r._rejected]),
      [
        ['1', null],
        ['2.5', null],
        [null, { amount: 'lots' }],
      ],
    );
    const [sum] = await rows('SELECT sum(amount)::text AS total FROM evo.measured');
    assert.equal(sum?.total, '3.5', 'SUM(amount) keeps working');
  });

  test('a property appearing mid-stream becomes a new column, earlier rows null', async () => {
    await suite.warehouse.load(
      batchOf('evo-4', [
        envelope('evo', 'track', { event: 'Measured', properties: { amount: 'x', unit: 'kg' } }),
      ]),
    );
    const values = await rows('SELECT unit FROM evo.measured ORDER BY received_at');
    assert.deepEqual(
      values.map((r) => r.unit),
      [null, null, null, 'kg'],
    );
  });

  test('colliding, very long and hostile keys all land in quoted columns', async () => {
    const longKey = 'k'.repeat(300);
    const hostile = `he said "hi"; DROP TABLE evo.measured; --`;
    const event = envelope('evo', 'track', {
      event: 'Measured',
      userId: 'real-user',
      properties: { user_id: 'from-properties', [longKey]: 'long', [hostile]: 'hostile' },
    });
    await suite.warehouse.load(batchOf('evo-5', [event]));
    const [row] = await rows('SELECT * FROM evo.measured WHERE id = $1', [event.messageId]);
    assert.ok(row);
    assert.equal(row.user_id, 'real-user');
    assert.equal(row.property_user_id, 'from-properties');
    const longColumn = Object.keys(row).find((name) => name.startsWith('kkkk'));
    assert.ok(longColumn && Buffer.byteLength(longColumn) <= 63, `long key column: ${longColumn}`);
    assert.equal(row[longColumn], 'long');
    assert.ok(Object.values(row).includes('hostile'), 'the hostile key kept its value');
    assert.equal(await count('evo', 'measured'), 5, 'and dropped nothing');
  });
});

test('users: the latest value of each trait wins across batches, by received_at', async () => {
  const older = envelope('crm', 'identify', {
    userId: 'u1',
    traits: { email: 'old@example.com', plan: 'free' },
  });
  const newer = envelope('crm', 'identify', { userId: 'u1', traits: { email: 'new@example.com' } });
  const newest = envelope('crm', 'identify', { userId: 'u1', traits: { name: 'Ada' } });
  await suite.warehouse.load(batchOf('users-1', [newer]));
  // Arrives late: its email is older than the stored one; its plan is the only one ever sent.
  await suite.warehouse.load(batchOf('users-2', [older]));
  let [user] = await rows(`SELECT * FROM crm.users WHERE id = 'u1'`);
  assert.equal(user?.email, 'new@example.com');
  assert.equal(user?.plan, 'free');
  assert.equal(new Date(user?.received_at as Date).toISOString(), newer.receivedAt);

  await suite.warehouse.load(batchOf('users-3', [newest]));
  [user] = await rows(`SELECT * FROM crm.users WHERE id = 'u1'`);
  assert.equal(user?.name, 'Ada');
  assert.equal(user?.email, 'new@example.com', 'a trait not sent again keeps its value');
  assert.equal(await count('crm', 'users'), 1);
  assert.equal(await count('crm', 'identifies'), 3, 'every identify call is kept');
});

test('the same events give the same schema in one batch or in many: one column per name', async () => {
  const events = (source: string) => [
    envelope(source, 'track', {
      messageId: `${source}-1`,
      event: 'Order Completed',
      properties: { 'Order ID': 'o-1' },
    }),
    envelope(source, 'track', {
      messageId: `${source}-2`,
      event: 'Order Completed',
      properties: { orderId: 'o-2' },
    }),
    envelope(source, 'track', {
      messageId: `${source}-3`,
      event: 'Order Completed',
      properties: { order_id: 'o-3' },
    }),
    envelope(source, 'identify', { messageId: `${source}-4`, userId: 'u', traits: { planName: 'free' } }),
    envelope(source, 'identify', { messageId: `${source}-5`, userId: 'u', traits: { 'Plan Name': 'pro' } }),
  ];
  await suite.warehouse.load(batchOf('batching-together', events('together')));
  for (const [index, event] of events('apart').entries()) {
    await suite.warehouse.load(batchOf(`batching-apart-${index}`, [event]));
  }
  for (const table of ['order_completed', 'users']) {
    assert.deepEqual(await columnTypes('apart', table), await columnTypes('together', table), table);
  }
  assert.deepEqual(
    Object.keys(await columnTypes('together', 'order_completed')).filter((c) => c.startsWith('order')),
    ['order_id'],
  );
  for (const schema of ['together', 'apart']) {
    const orders = await rows(`SELECT order_id FROM "${schema}".order_completed ORDER BY received_at`);
    assert.deepEqual(
      orders.map((r) => r.order_id),
      ['o-1', 'o-2', 'o-3'],
    );
    const [user] = await rows(`SELECT plan_name FROM "${schema}".users`);
    assert.equal(user?.plan_name, 'pro', schema);
  }
});

test('strings round-trip exactly; NUL characters are stripped, not fatal', async () => {
  const samples = [
    'tab\there',
    'line\nbreak\r\nwindows',
    'back\\slash \\N \\.',
    'ünïcödé 日本語 🎉',
    `quote ' and " ; --`,
    '',
  ];
  const events = samples.map((text) =>
    envelope('strings', 'track', { event: 'Text', properties: { text, nested: { text } } }),
  );
  const withNul = envelope('strings', 'track', { event: 'Text', properties: { text: 'a\0b' } });
  await suite.warehouse.load(batchOf('strings-1', [...events, withNul]));
  const found = await rows('SELECT id, text, nested_text FROM strings.text');
  const byId = new Map(found.map((r) => [r.id, r]));
  for (const [index, text] of samples.entries()) {
    const row = byId.get(events[index]!.messageId);
    assert.equal(row?.text, text);
    assert.equal(row?.nested_text, text);
  }
  assert.equal(byId.get(withNul.messageId)?.text, 'ab');
});

test('two concurrent loads into the same new table both succeed', async () => {
  const a = Array.from({ length: 200 }, () =>
    envelope('conc', 'track', { event: 'Clicked', properties: { a: 1 } }),
  );
  const b = Array.from({ length: 200 }, () =>
    envelope('conc', 'track', { event: 'Clicked', properties: { b: 'x' } }),
  );
  const [ra, rb] = await Promise.all([
    suite.warehouse.load(batchOf('conc-a', a)),
    suite.warehouse.load(batchOf('conc-b', b)),
  ]);
  assert.equal(ra.rowsByTable['conc.clicked'], 200);
  assert.equal(rb.rowsByTable['conc.clicked'], 200);
  assert.equal(await count('conc', 'clicked'), 400);
  const types = await columnTypes('conc', 'clicked');
  assert.equal(types.a, 'bigint');
  assert.equal(types.b, 'text');
});

test('the same batch loaded by two loaders at once lands once', async () => {
  const events = Array.from({ length: 50 }, () =>
    envelope('twice', 'track', { event: 'Tapped', properties: { k: 1 } }),
  );
  const batch = batchOf('twice-1', events);
  const results = await Promise.all([suite.warehouse.load(batch), suite.warehouse.load(batch)]);
  assert.deepEqual(results.map((r) => r.alreadyLoaded).sort(), [false, true]);
  assert.equal(await count('twice', 'tapped'), 50);
  assert.equal(await count('twice', 'tracks'), 50);
});

test('a batch that fails leaves nothing behind and says the error is permanent', async () => {
  // A message id too long for the primary key's btree (54000, program limit exceeded).
  const good = envelope('bad', 'track', { event: 'Fine', properties: { x: 1 } });
  const poison = envelope('bad', 'track', {
    event: 'Zz Broken',
    messageId: randomBytes(15_000).toString('base64'),
  });
  const error = await suite.warehouse.load(batchOf('bad-1', [good, poison])).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error, 'the load must fail');
  assert.equal(isPermanentLoadError(error), true, String(error));
  assert.deepEqual(
    await rows(`SELECT 1 FROM pg_namespace WHERE nspname = 'bad'`),
    [],
    'rolled back, schema too',
  );
  assert.deepEqual(await rows(`SELECT 1 FROM _eventpipe.loads WHERE batch_id = 'bad-1'`), []);
  // Without the poison the same rows load: the runner's split finds it this way.
  const retry = await suite.warehouse.load(batchOf('bad-2', [good]));
  assert.equal(retry.rowsByTable['bad.fine'], 1);
});

test('dead letters: a repeat of one message counts attempts; another message with the same id is kept too', async () => {
  const raw = envelope('web', 'track', { event: 'Poison', properties: { text: 'nul \0 inside' } });
  const entry = {
    sourceId: 'web',
    messageId: raw.messageId,
    origin: 'EVENTS-20240501T100000Z',
    streamSequence: 42,
    reason: 'invalid input syntax',
    envelope: raw,
  };
  await suite.warehouse.deadLetter([entry]);
  await suite.warehouse.deadLetter([{ ...entry, reason: 'still invalid' }]);
  // The same message id again: a later message (another sequence), and one of a re-created stream.
  const later = { ...raw, event: { ...raw.event, properties: { text: 'later' } } };
  await suite.warehouse.deadLetter([{ ...entry, streamSequence: 43, envelope: later }]);
  await suite.warehouse.deadLetter([{ ...entry, origin: 'EVENTS-20240601T100000Z', envelope: later }]);
  const found = await rows(
    'SELECT origin, stream_sequence::int AS seq, reason, attempts, envelope::text AS envelope,' +
      ' last_failed_at > first_failed_at AS later FROM _eventpipe.dead_letters WHERE message_id = $1' +
      ' ORDER BY origin, stream_sequence',
    [raw.messageId],
  );
  assert.deepEqual(
    found.map((r) => [r.origin, r.seq, r.attempts]),
    [
      ['EVENTS-20240501T100000Z', 42, 2],
      ['EVENTS-20240501T100000Z', 43, 1],
      ['EVENTS-20240601T100000Z', 42, 1],
    ],
  );
  assert.equal(found[0]?.reason, 'still invalid');
  assert.equal(found[0]?.later, true);
  assert.deepEqual(JSON.parse(String(found[0]?.envelope)), raw, 'the raw envelope, NUL included');
  assert.deepEqual(JSON.parse(String(found[1]?.envelope)), later);
});

test('a dead_letters table of an older version (keyed by message id) is upgraded in place, rows kept', async () => {
  const client = new pg.Client({ connectionString: suite.server.url });
  await client.connect();
  try {
    await client.query('CREATE SCHEMA old_meta');
    await client.query(
      'CREATE TABLE old_meta.dead_letters ("source_id" text NOT NULL, "message_id" text NOT NULL,' +
        ' "stream_sequence" bigint NOT NULL, "reason" text NOT NULL, "envelope" json NOT NULL,' +
        ' "first_failed_at" timestamptz NOT NULL DEFAULT clock_timestamp(),' +
        ' "last_failed_at" timestamptz NOT NULL DEFAULT clock_timestamp(),' +
        ' "attempts" integer NOT NULL DEFAULT 1, PRIMARY KEY ("source_id", "message_id"))',
    );
    await client.query(
      `INSERT INTO old_meta.dead_letters (source_id, message_id, stream_sequence, reason, envelope) VALUES ('web', 'a', 1, 'r', '{}'), ('web', 'b', 1, 'r', '{}')`,
    );
  } finally {
    await client.end();
  }
  const upgraded = createPostgresWarehouse(
    {
      warehouse: {
        kind: 'postgres',
        url: suite.server.url,
        metaSchema: 'old_meta',
        lockTimeoutMs: 5000,
        arrays: 'text',
      },
    },
    { log: testLogger('test') },
  );
  try {
    await upgraded.init();
    const entry = {
      sourceId: 'web',
      messageId: 'a',
      origin: 'EVENTS-1',
      streamSequence: 1,
      reason: 'x',
      envelope: {},
    };
    await upgraded.deadLetter([entry, { ...entry, origin: 'EVENTS-2' }]);
  } finally {
    await upgraded.close();
  }
  const found = await rows(
    'SELECT origin, message_id FROM old_meta.dead_letters ORDER BY origin, message_id',
  );
  assert.deepEqual(
    found.map((r) => [r.origin, r.message_id]),
    [
      ['', 'a'],
      ['', 'b'],
      ['EVENTS-1', 'a'],
      ['EVENTS-2', 'a'],
    ],
  );
});

test('DDL a suite.warehouse refuses inside a transaction runs first, on its own, journaled (as on Redshift)', async () => {
  // The PostgreSQL dialect, told to treat widening like Redshift treats ALTER COLUMN … TYPE.
  const dialect = {
    ...postgresDialect,
    runsOutsideTransaction: (m: { kind: string }) => m.kind === 'widen-column',
  };
  const pool = new pg.Pool({ connectionString: suite.server.url, max: 2 });
  const outside = createFlowWarehouse(pool, dialect, {
    metaSchema: '_eventpipe',
    log,
    isPermanentError: isPermanentLoadError,
  });
  try {
    await outside.load(
      batchOf('out-1', [envelope('out', 'track', { event: 'Sized', properties: { n: 1 } })]),
    );
    const result = await outside.load(
      batchOf('out-2', [envelope('out', 'track', { event: 'Sized', properties: { n: 1.5 } })]),
    );
    assert.deepEqual(result.rowsByTable, { 'out.sized': 1, 'out.tracks': 1 });
    assert.deepEqual(result.migrations, [
      'ALTER TABLE "out"."sized" ALTER COLUMN "n" TYPE numeric USING "n"::numeric',
    ]);
    const journal = await rows(`SELECT statement FROM _eventpipe.migrations WHERE batch_id = 'out-2'`);
    assert.deepEqual(
      journal.map((r) => r.statement),
      result.migrations,
    );
    assert.deepEqual(
      (await rows('SELECT n FROM "out"."sized" ORDER BY received_at')).map((r) => r.n),
      ['1', '1.5'],
    );
  } finally {
    await outside.close();
  }
});

test('PostgreSQL down: the load fails as transient, and the same suite.warehouse loads once it is back', async () => {
  const batch = batchOf('outage-1', [envelope('outage', 'track', { event: 'Waited', properties: { k: 1 } })]);
  await suite.server.stop({ kill: true });
  const error = await suite.warehouse.load(batch).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error, 'no load without a database');
  assert.equal(isPermanentLoadError(error), false, String(error));
  await suite.server.start();
  const result = await suite.warehouse.load(batch);
  assert.equal(result.rowsByTable['outage.waited'], 1);
});
