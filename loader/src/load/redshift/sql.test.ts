/**
 * Golden tests: the exact text of every statement the Redshift dialect issues, for representative
 * batches. Redshift is not reachable from the tests, so these texts are the contract; the same
 * statements run on PostgreSQL in test/src/redshift where the two dialects share syntax.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planTable, redshiftRules, type ExistingColumn } from '../../schema/index.js';
import { COMMON_COLUMNS } from '../../transform/columns.js';
import { preferredColumnName } from '../../transform/names.js';
import { transform } from '../../transform/index.js';
import type { Column, TableBatch } from '../../transform/types.js';
import type { Envelope } from '@eventpipe/core';
import { InvalidIdentifierError } from '../dialect.js';
import * as sql from './sql.js';

const orders = { schema: 'web', table: 'order_completed' };
const users = { schema: 'web', table: 'users' };

const common: Column[] = [
  { name: 'id', type: 'text', maxBytes: 36 },
  { name: 'user_id', type: 'text', maxBytes: 12 },
  { name: 'received_at', type: 'timestamp' },
];

const texts = (statements: { text: string }[]) => statements.map((s) => s.text);

test('identifiers: quoted, at most 127 bytes, lower case, never truncated', () => {
  assert.equal(sql.quoteIdent('select'), '"select"');
  assert.equal(sql.quoteIdent('a"b'), '"a""b"');
  assert.equal(sql.quoteIdent('größe'), '"größe"');
  assert.equal(sql.quoteIdent('x'.repeat(127)), `"${'x'.repeat(127)}"`);
  assert.throws(() => sql.quoteIdent('x'.repeat(128)), /at most 127 bytes \(got 128\)/);
  assert.throws(() => sql.quoteIdent('é'.repeat(64)), InvalidIdentifierError); // 128 bytes in 64 characters
  assert.throws(() => sql.quoteIdent('Price'), /must be lower case/);
  assert.throws(() => sql.quoteIdent(''), InvalidIdentifierError);
  assert.throws(() => sql.quoteIdent('a\0b'), InvalidIdentifierError);
});

test('types: VARCHAR sized in bytes with headroom, SUPER for nested values', () => {
  assert.deepEqual(
    (['boolean', 'bigint', 'double', 'timestamp', 'json'] as const).map((type) => sql.sqlType({ type })),
    ['BOOLEAN', 'BIGINT', 'DOUBLE PRECISION', 'TIMESTAMPTZ', 'SUPER'],
  );
  assert.deepEqual(
    [undefined, 0, 1, 256, 257, 1000, 40_000, 65_535].map((maxBytes) =>
      sql.sqlType({ type: 'text', maxBytes }),
    ),
    [
      'VARCHAR(256)',
      'VARCHAR(256)',
      'VARCHAR(256)',
      'VARCHAR(256)',
      'VARCHAR(512)',
      'VARCHAR(1024)',
      'VARCHAR(65535)',
      'VARCHAR(65535)',
    ],
  );
  assert.throws(
    () => sql.sqlType({ type: 'text', maxBytes: 65_536 }),
    /65536 bytes exceeds Redshift's VARCHAR limit/,
  );
  assert.equal(sql.sqlType({ type: 'numeric' }), 'DECIMAL(38,0)');
  assert.deepEqual(
    ['boolean', 'bigint', 'double precision', 'timestamp with time zone', 'character varying', 'super'].map(
      (data_type) => sql.existingColumn({ data_type }),
    ),
    ['boolean', 'bigint', 'double', 'timestamp', 'text', 'json'],
  );
});

test('existing columns: a VARCHAR is read back with its size, other types without', () => {
  assert.deepEqual(
    sql.existingColumn({
      column_name: 'email',
      data_type: 'character varying',
      character_maximum_length: 512,
    }),
    {
      type: 'text',
      maxBytes: 512,
    },
  );
  assert.equal(
    sql.existingColumn({ column_name: 'n', data_type: 'bigint', character_maximum_length: null }),
    'bigint',
  );
  assert.equal(
    sql.existingColumn({ column_name: 'p', data_type: 'super', character_maximum_length: null }),
    'json',
  );
});

test('new table: planned from a batch, sorted by received_at, DISTSTYLE AUTO, text ENCODE ZSTD, nested value as SUPER', () => {
  const batch: TableBatch = {
    table: 'order_completed',
    mode: 'append',
    columns: [...common, { name: 'total', type: 'double' }, { name: 'items', type: 'json' }],
    rows: [
      {
        id: 'm1',
        user_id: 'u1',
        received_at: '2024-05-01T12:00:00.000Z',
        total: 9.5,
        items: [{ sku: 'a', qty: 2 }],
      },
    ],
  };
  const plan = planTable(undefined, batch, redshiftRules);
  assert.deepEqual(
    plan.migrations.map((m) => texts(sql.migration(orders, m))),
    [
      [
        'CREATE TABLE IF NOT EXISTS "web"."order_completed" ("id" VARCHAR(256) ENCODE ZSTD, ' +
          '"user_id" VARCHAR(256) ENCODE ZSTD, "received_at" TIMESTAMPTZ, "total" DOUBLE PRECISION, ' +
          '"items" SUPER, "uuid_ts" TIMESTAMPTZ NOT NULL DEFAULT GETDATE()) DISTSTYLE AUTO SORTKEY ("received_at")',
      ],
    ],
  );
  assert.equal(sql.runsOutsideTransaction(plan.migrations[0]!), false);
});

test('new column: one ALTER TABLE … ADD COLUMN per column, inside the load transaction', () => {
  const existing = new Map<string, ExistingColumn>([
    ['id', { type: 'text', maxBytes: 256 }],
    ['user_id', { type: 'text', maxBytes: 256 }],
    ['received_at', 'timestamp'],
  ]);
  const batch: TableBatch = {
    table: 'order_completed',
    mode: 'append',
    columns: [...common, { name: 'coupon', type: 'text', maxBytes: 300 }, { name: 'paid', type: 'boolean' }],
    rows: [
      {
        id: 'm2',
        user_id: 'u',
        received_at: '2024-05-01T12:00:00.000Z',
        coupon: 'x'.repeat(300),
        paid: true,
      },
    ],
  };
  const plan = planTable(existing, batch, redshiftRules);
  assert.deepEqual(
    plan.migrations.flatMap((m) => texts(sql.migration(orders, m))),
    [
      'ALTER TABLE "web"."order_completed" ADD COLUMN "coupon" VARCHAR(512) ENCODE ZSTD',
      'ALTER TABLE "web"."order_completed" ADD COLUMN "paid" BOOLEAN',
    ],
  );
  assert.deepEqual(plan.migrations.map(sql.runsOutsideTransaction), [false, false]);
});

test('widened varchar: ALTER COLUMN … TYPE to the next size, run outside the transaction', () => {
  const existing = new Map<string, ExistingColumn>([
    ['id', { type: 'text', maxBytes: 256 }],
    ['user_id', { type: 'text', maxBytes: 256 }],
    ['received_at', 'timestamp'],
  ]);
  const batch: TableBatch = {
    table: 'order_completed',
    mode: 'append',
    columns: [
      { name: 'id', type: 'text', maxBytes: 36 },
      { name: 'user_id', type: 'text', maxBytes: 3000 },
      common[2]!,
    ],
    rows: [{ id: 'm3', user_id: 'ü'.repeat(1500), received_at: '2024-05-01T12:00:00.000Z' }],
  };
  const plan = planTable(existing, batch, redshiftRules);
  assert.deepEqual(
    plan.migrations.flatMap((m) => texts(sql.migration(orders, m))),
    ['ALTER TABLE "web"."order_completed" ALTER COLUMN "user_id" TYPE VARCHAR(4096)'],
  );
  assert.deepEqual(plan.migrations.map(sql.runsOutsideTransaction), [true]);
});

test('widening is monotonic: never narrower than the declared size read just before', () => {
  // Another loader widened the column to 8192 after this one planned 3000 bytes (4096).
  const migration = { kind: 'widen-varchar', table: 'order_completed', column: 'user_id' } as const;
  assert.deepEqual(texts(sql.migration(orders, { ...migration, fromBytes: 8192, maxBytes: 3000 })), [
    'ALTER TABLE "web"."order_completed" ALTER COLUMN "user_id" TYPE VARCHAR(8192)',
  ]);
  assert.deepEqual(texts(sql.migration(orders, { ...migration, fromBytes: 256, maxBytes: 3000 })), [
    'ALTER TABLE "web"."order_completed" ALTER COLUMN "user_id" TYPE VARCHAR(4096)',
  ]);
});

test('locks: every load locks loads, then each existing target table, explicitly (no reliance on isolation)', () => {
  assert.deepEqual(texts(sql.lockLoads('_eventpipe')), ['LOCK "_eventpipe"."loads"']);
  assert.deepEqual(texts(sql.lockTable(orders)), ['LOCK "web"."order_completed"']);
});

test('a type change Redshift cannot make is refused by name, never emitted', () => {
  assert.throws(
    () =>
      sql.migration(orders, {
        kind: 'widen-column',
        table: 'order_completed',
        column: 'total',
        from: 'bigint',
        to: 'double',
      }),
    /Redshift cannot change "web"."order_completed"."total" from bigint to double/,
  );
});

test('reserved words, unicode and leading-digit keys: named the Segment way, always quoted', () => {
  const name = (key: string) =>
    preferredColumnName(
      { root: 'property', path: [key] },
      COMMON_COLUMNS.event,
      redshiftRules.maxIdentifierBytes,
    );
  const columns: Column[] = ['select', 'user', 'Prénom', '名前', 'user_id', '2FA Enabled'].map((key) => ({
    name: name(key),
    type: 'text',
  }));
  assert.deepEqual(
    columns.map((c) => c.name),
    ['_select', '_user', 'pr_nom', columns[3]!.name, 'property_user_id', '2fa_enabled'],
  );
  assert.match(columns[3]!.name, /^_[0-9a-f]{8}$/);
  assert.deepEqual(
    columns.map(
      (c) => sql.migration(orders, { kind: 'add-column', table: 'order_completed', column: c })[0]!.text,
    ),
    columns.map((c) => `ALTER TABLE "web"."order_completed" ADD COLUMN "${c.name}" VARCHAR(256) ENCODE ZSTD`),
  );
});

test('staging: a temp table shaped like the target, replacing the one this session left', () => {
  assert.equal(
    sql.createStaging(orders, 'eventpipe_staging_0').text,
    'DROP TABLE IF EXISTS "eventpipe_staging_0"; CREATE TEMP TABLE "eventpipe_staging_0" (LIKE "web"."order_completed" INCLUDING DEFAULTS)',
  );
  assert.equal(
    sql.createRawStaging('eventpipe_staging_0'),
    'DROP TABLE IF EXISTS "eventpipe_staging_0_raw"; CREATE TEMP TABLE "eventpipe_staging_0_raw" (LIKE "eventpipe_staging_0" INCLUDING DEFAULTS)',
  );
  assert.equal(sql.dropRawStaging('eventpipe_staging_0'), 'DROP TABLE "eventpipe_staging_0_raw"');
});

const copyColumns: Column[] = [
  ...common,
  { name: 'items', type: 'json' },
  { name: 'uuid_ts', type: 'timestamp' },
];

test('COPY with an IAM role: manifest, JSONPaths, GZIP, TIMEFORMAT auto, no analysis of the staging table — and nothing that drops data', () => {
  const text = sql.copyFromS3('eventpipe_staging_0_raw', sql.loadedColumns(copyColumns), {
    manifestUrl: 's3://bkt/load/web/order_completed/b1.manifest',
    jsonpathsUrl: 's3://bkt/load/web/order_completed/b1.jsonpaths',
    region: 'eu-west-1',
    credentials: { iamRole: 'arn:aws:iam::123456789012:role/eventpipe-copy' },
  });
  assert.equal(
    text,
    `COPY "eventpipe_staging_0_raw" ("id", "user_id", "received_at", "items") FROM 's3://bkt/load/web/order_completed/b1.manifest'` +
      ` IAM_ROLE 'arn:aws:iam::123456789012:role/eventpipe-copy' MANIFEST REGION 'eu-west-1'` +
      ` FORMAT AS JSON 's3://bkt/load/web/order_completed/b1.jsonpaths' GZIP TIMEFORMAT 'auto' COMPUPDATE OFF STATUPDATE OFF`,
  );
  assert.doesNotMatch(text, /TRUNCATECOLUMNS|ACCEPTINVCHARS|MAXERROR|'auto ignorecase'/);
});

test('COPY with access keys; literals are quoted and unsafe ones refused', () => {
  assert.equal(
    sql.copyFromS3('s', [common[0]!], {
      manifestUrl: "s3://bkt/o'brien/b.manifest",
      jsonpathsUrl: 's3://bkt/b.jsonpaths',
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'se/cr+et' },
    }),
    `COPY "s" ("id") FROM 's3://bkt/o''brien/b.manifest' ACCESS_KEY_ID 'AKIAEXAMPLE' SECRET_ACCESS_KEY 'se/cr+et'` +
      ` MANIFEST REGION 'us-east-1' FORMAT AS JSON 's3://bkt/b.jsonpaths' GZIP TIMEFORMAT 'auto' COMPUPDATE OFF STATUPDATE OFF`,
  );
  assert.throws(() => sql.quoteLiteral('a\\b'), /cannot be used in a COPY statement/);
  assert.throws(() => sql.quoteLiteral('a\nb'), /cannot be used in a COPY statement/);
});

const appendBatch: TableBatch = { table: 'order_completed', mode: 'append', columns: copyColumns, rows: [] };
const usersBatch: TableBatch = {
  table: 'users',
  mode: 'latest',
  columns: [
    { name: 'id', type: 'text' },
    { name: 'received_at', type: 'timestamp' },
    { name: '_trait_versions', type: 'json' },
    { name: 'email', type: 'text' },
  ],
  rows: [],
};

test('dedup: one staged row per id, the newest; for users only rows with a newer trait or time', () => {
  assert.equal(
    sql.dedupStaging(orders, 'eventpipe_staging_0', appendBatch).text,
    'INSERT INTO "eventpipe_staging_0" ("id", "user_id", "received_at", "items") SELECT "id", "user_id", "received_at", "items"' +
      ' FROM (SELECT "id", "user_id", "received_at", "items", ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "received_at" DESC) AS "eventpipe_rank"' +
      ' FROM "eventpipe_staging_0_raw") AS "ranked" WHERE "eventpipe_rank" = 1',
  );
  const offered = (alias: string) =>
    `NULLIF(JSON_EXTRACT_PATH_TEXT(JSON_SERIALIZE(${alias}."_trait_versions"), $1::VARCHAR), '')`;
  const held = (alias: string) =>
    `COALESCE(${offered(alias)}, CASE WHEN ${alias}."_trait_versions" IS NULL AND ${alias}."email" IS NOT NULL` +
    ` THEN TO_CHAR(${alias}."received_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') END, '')`;
  assert.deepEqual(sql.dedupStaging(users, 'eventpipe_staging_1', usersBatch), {
    text:
      'INSERT INTO "eventpipe_staging_1" ("id", "received_at", "_trait_versions", "email") SELECT "id", "received_at", "_trait_versions", "email"' +
      ' FROM (SELECT "id", "received_at", "_trait_versions", "email", ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "received_at" DESC) AS "eventpipe_rank"' +
      ' FROM "eventpipe_staging_1_raw") AS "ranked" WHERE "eventpipe_rank" = 1' +
      ' AND NOT EXISTS (SELECT 1 FROM "web"."users" AS "stored" WHERE "stored"."id" = "ranked"."id"' +
      ` AND NOT ("ranked"."received_at" > "stored"."received_at" OR (${offered('"ranked"')} IS NOT NULL AND ${offered('"ranked"')} > ${held('"stored"')})))`,
    values: ['email'],
  });
});

test('merge: append is an anti-join insert; users is a MERGE upsert, latest version per trait', () => {
  assert.equal(
    sql.merge(orders, 'eventpipe_staging_0', appendBatch).text,
    'INSERT INTO "web"."order_completed" ("id", "user_id", "received_at", "items") SELECT "id", "user_id", "received_at", "items"' +
      ' FROM "eventpipe_staging_0" AS "staged"' +
      ' WHERE NOT EXISTS (SELECT 1 FROM "web"."order_completed" AS "stored" WHERE "stored"."id" = "staged"."id")',
  );
  const target = '"web"."users"';
  const offered = `NULLIF(JSON_EXTRACT_PATH_TEXT(JSON_SERIALIZE("staged"."_trait_versions"), $1::VARCHAR), '')`;
  const held = (column: string, key: string) =>
    `COALESCE(NULLIF(JSON_EXTRACT_PATH_TEXT(JSON_SERIALIZE(${target}."_trait_versions"), ${key}::VARCHAR), ''),` +
    ` CASE WHEN ${target}."_trait_versions" IS NULL AND ${target}."${column}" IS NOT NULL` +
    ` THEN TO_CHAR(${target}."received_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') END, '')`;
  const wins = `(${offered} IS NOT NULL AND ${offered} > ${held('email', '$1')})`;
  assert.deepEqual(
    sql.merge(users, 'eventpipe_staging_1', usersBatch, {
      mode: 'append',
      storedColumns: ['id', 'received_at', '_trait_versions', 'email', 'plan', 'uuid_ts'],
    }),
    {
      text:
        `MERGE INTO ${target} USING "eventpipe_staging_1" AS "staged" ON ${target}."id" = "staged"."id"` +
        ` WHEN MATCHED THEN UPDATE SET "email" = CASE WHEN ${wins} THEN "staged"."email" ELSE ${target}."email" END,` +
        ` "_trait_versions" = JSON_PARSE('{' || LTRIM(` +
        `COALESCE(',' || $3::VARCHAR || ':"' || CASE WHEN ${wins} THEN ${offered} ELSE NULLIF(${held('email', '$1')}, '') END || '"', '')` +
        ` || COALESCE(',' || $4::VARCHAR || ':"' || NULLIF(${held('plan', '$2')}, '') || '"', ''), ',') || '}'),` +
        ` "received_at" = GREATEST("staged"."received_at", ${target}."received_at"), "uuid_ts" = GETDATE()` +
        ' WHEN NOT MATCHED THEN INSERT ("id", "received_at", "_trait_versions", "email")' +
        ' VALUES ("staged"."id", "staged"."received_at", "staged"."_trait_versions", "staged"."email")',
      values: ['email', 'plan', '"email"', '"plan"'],
    },
  );
});

test('merge in replace mode: a MERGE overwriting stored events, clearing what the batch lacks', () => {
  const storedColumns = ['id', 'user_id', 'received_at', 'items', 'context_browser_name', 'uuid_ts'];
  assert.equal(
    sql.merge(orders, 'eventpipe_staging_0', appendBatch, { mode: 'replace', storedColumns }).text,
    'MERGE INTO "web"."order_completed" USING "eventpipe_staging_0" AS "staged" ON "web"."order_completed"."id" = "staged"."id"' +
      ' WHEN MATCHED THEN UPDATE SET "user_id" = "staged"."user_id", "received_at" = "staged"."received_at",' +
      ' "items" = "staged"."items", "context_browser_name" = NULL, "uuid_ts" = GETDATE()' +
      ' WHEN NOT MATCHED THEN INSERT ("id", "user_id", "received_at", "items")' +
      ' VALUES ("staged"."id", "staged"."user_id", "staged"."received_at", "staged"."items")',
  );
  // users: per-trait latest-wins in both modes; replace lets the same version (a replay) win too.
  const stored = { storedColumns: ['id', 'plan'] };
  const append = sql.merge(users, 'eventpipe_staging_1', usersBatch, { mode: 'append', ...stored });
  const replace = sql.merge(users, 'eventpipe_staging_1', usersBatch, { mode: 'replace', ...stored });
  assert.equal(replace.text, append.text.replaceAll(`, '') > COALESCE(`, `, '') >= COALESCE(`));
  assert.notEqual(replace.text, append.text);
  const dedupAppend = sql.dedupStaging(users, 'eventpipe_staging_1', usersBatch).text;
  const dedupReplace = sql.dedupStaging(users, 'eventpipe_staging_1', usersBatch, 'replace').text;
  assert.equal(dedupReplace, dedupAppend.replaceAll(`, '') > COALESCE(`, `, '') >= COALESCE(`));
  assert.notEqual(dedupReplace, dedupAppend);
  assert.equal(
    sql.dedupStaging(orders, 'eventpipe_staging_0', appendBatch, 'replace').text,
    sql.dedupStaging(orders, 'eventpipe_staging_0', appendBatch).text,
  );
});

test('bookkeeping: loads, migrations and the dead-letter log, Redshift types only', () => {
  assert.deepEqual(texts(sql.bookkeeping('_eventpipe')), [
    'CREATE SCHEMA IF NOT EXISTS "_eventpipe"',
    'CREATE TABLE IF NOT EXISTS "_eventpipe"."loads" ("batch_id" VARCHAR(256) NOT NULL, "first_sequence" BIGINT NOT NULL,' +
      ' "last_sequence" BIGINT NOT NULL, "sources" SUPER NOT NULL, "rows_by_table" SUPER NOT NULL,' +
      ' "started_at" TIMESTAMPTZ NOT NULL, "committed_at" TIMESTAMPTZ NOT NULL DEFAULT GETDATE())',
    'CREATE TABLE IF NOT EXISTS "_eventpipe"."migrations" ("schema_name" VARCHAR(128) NOT NULL, "table_name" VARCHAR(128) NOT NULL,' +
      ' "statement" VARCHAR(65535) NOT NULL, "batch_id" VARCHAR(256) NOT NULL, "loader" VARCHAR(256) NOT NULL,' +
      ' "applied_at" TIMESTAMPTZ NOT NULL DEFAULT GETDATE())',
    'CREATE TABLE IF NOT EXISTS "_eventpipe"."dead_letters" ("source_id" VARCHAR(128) NOT NULL, "message_id" VARCHAR(1024) NOT NULL,' +
      ' "stream_sequence" BIGINT NOT NULL, "reason" VARCHAR(65535) NOT NULL, "envelope" SUPER NOT NULL,' +
      ' "first_failed_at" TIMESTAMPTZ NOT NULL, "last_failed_at" TIMESTAMPTZ NOT NULL DEFAULT GETDATE(), "attempts" INTEGER NOT NULL,' +
      ' "origin" VARCHAR(512) NOT NULL)',
  ]);
  assert.deepEqual(sql.lock(), []);
});

test('bookkeeping rows are bind parameters; the load id is recorded with its row counts', () => {
  const startedAt = new Date('2024-05-01T12:00:00Z');
  assert.deepEqual(sql.findLoad('_eventpipe', 'b1'), {
    text: 'SELECT 1 FROM "_eventpipe"."loads" WHERE "batch_id" = $1',
    values: ['b1'],
  });
  assert.deepEqual(
    sql.recordLoad('_eventpipe', {
      batchId: 'b1',
      firstSequence: 1,
      lastSequence: 9,
      sources: ['web'],
      rowsByTable: { 'web.users': 2 },
      startedAt,
    }),
    {
      text:
        'INSERT INTO "_eventpipe"."loads" ("batch_id", "first_sequence", "last_sequence", "sources", "rows_by_table", "started_at")' +
        ' VALUES ($1, $2, $3, JSON_PARSE($4), JSON_PARSE($5), $6)',
      values: ['b1', 1, 9, '["web"]', '{"web.users":2}', startedAt],
    },
  );
  assert.deepEqual(sql.existingSchemas(['web', 'app']), {
    text: 'SELECT nspname AS name FROM pg_namespace WHERE nspname IN ($1, $2)',
    values: ['web', 'app'],
  });
  assert.equal(sql.existingSchemas([]).text, 'SELECT nspname AS name FROM pg_namespace WHERE false');
  assert.deepEqual(sql.describeTable(orders).values, ['web', 'order_completed']);
});

test('journal and dead-letter texts longer than a VARCHAR are cut visibly, on a character boundary', () => {
  const long = 'ü'.repeat(40_000); // 80,000 bytes
  const fitted = sql.fitVarchar(long);
  assert.ok(Buffer.byteLength(fitted) <= 65_535);
  assert.match(fitted, /ü … \[cut, 80000 bytes\]$/);
  assert.doesNotMatch(fitted, /\uFFFD/);
  assert.equal(sql.fitVarchar('short'), 'short');
  const dead = sql.deadLetter('_eventpipe', {
    sourceId: 'web',
    messageId: 'm1',
    origin: 'EVENTS-20240501T100000Z',
    streamSequence: 7,
    reason: 'bad\0value',
    envelopeJson: '{}',
  });
  assert.equal(
    dead.text,
    'INSERT INTO "_eventpipe"."dead_letters" ("origin", "stream_sequence", "source_id", "message_id", "reason", "envelope", "first_failed_at", "attempts")' +
      ' SELECT $1::VARCHAR, $2::BIGINT, $3::VARCHAR, $4::VARCHAR, $5::VARCHAR, JSON_PARSE($6::VARCHAR), COALESCE(MIN("first_failed_at"), GETDATE()::TIMESTAMPTZ), COUNT(*) + 1' +
      ' FROM "_eventpipe"."dead_letters" WHERE "origin" = $1::VARCHAR AND "stream_sequence" = $2::BIGINT',
  );
  assert.deepEqual(dead.values, ['EVENTS-20240501T100000Z', 7, 'web', 'm1', 'badvalue', '{}']);
});

test('column budget: an object its last slots cannot flatten is added as one column, VARCHAR or SUPER', () => {
  const cart = { total: 12.5, items: [{ sku: 'a' }], coupon: { code: 'X' } };
  for (const arrays of ['text', 'native'] as const) {
    const rules = { ...redshiftRules, arrays };
    const envelope: Envelope = {
      v: 1,
      sourceId: 'web',
      type: 'track',
      messageId: 'm1',
      receivedAt: '2024-05-01T12:00:00.000Z',
      event: { type: 'track', messageId: 'm1', event: 'Order Completed', properties: { cart } },
    };
    const batch = transform([{ envelope }], rules)[0]!.tables.find((t) => t.table === 'order_completed')!;
    // The table has every other column of the batch and fillers up to two free slots (one more is
    // kept for `_rejected`, which it has): the object's three leaves do not fit, its one column does.
    const existing = new Map<string, ExistingColumn>([
      ['uuid_ts', 'timestamp'],
      ['_rejected', 'json'],
    ]);
    for (const c of batch.columns) if (!c.name.startsWith('cart_')) existing.set(c.name, c.type);
    for (let i = 0; existing.size < redshiftRules.maxColumns - 2; i++) existing.set(`f${i}`, 'bigint');
    const plan = planTable(existing, batch, rules);
    assert.deepEqual(
      plan.migrations.flatMap((m) => texts(sql.migration(orders, m))),
      [
        `ALTER TABLE "web"."order_completed" ADD COLUMN "cart" ${arrays === 'text' ? 'VARCHAR(256) ENCODE ZSTD' : 'SUPER'}`,
      ],
    );
    assert.deepEqual(plan.batch.rows[0]!.cart, arrays === 'text' ? JSON.stringify(cart) : cart);
    assert.equal(plan.rejectedValues, 0);
  }
});
