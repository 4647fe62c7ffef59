import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TableBatch } from '../../transform/types.js';
import { InvalidIdentifierError } from '../dialect.js';
import * as sql from './sql.js';

const ref = { schema: 'web', table: 'order "completed"' };

test('identifiers are always quoted, quotes doubled, and never silently truncated', () => {
  assert.equal(sql.quoteIdent('user_id'), '"user_id"');
  assert.equal(sql.quoteIdent('a"; DROP TABLE x; --'), '"a""; DROP TABLE x; --"');
  assert.equal(sql.quoteIdent('ü'.repeat(31)), `"${'ü'.repeat(31)}"`); // 62 bytes
  assert.throws(() => sql.quoteIdent('ü'.repeat(32)), InvalidIdentifierError); // 64 bytes
  assert.throws(() => sql.quoteIdent('x'.repeat(64)), /must be 1-63 bytes/);
  assert.throws(() => sql.quoteIdent(''), InvalidIdentifierError);
  assert.throws(() => sql.quoteIdent('a\0b'), InvalidIdentifierError);
});

test('types map both ways', () => {
  const types = ['boolean', 'bigint', 'numeric', 'double', 'timestamp', 'text', 'json'] as const;
  assert.deepEqual(
    types.map((type) => sql.sqlType({ type })),
    ['boolean', 'bigint', 'numeric', 'double precision', 'timestamptz', 'text', 'jsonb'],
  );
  const catalog = [
    'boolean',
    'bigint',
    'numeric',
    'double precision',
    'timestamp with time zone',
    'text',
    'jsonb',
  ];
  assert.deepEqual(
    catalog.map((data_type) => sql.existingColumn({ data_type })),
    [...types],
  );
});

test('create table: columns, load time, primary key on id', () => {
  assert.equal(
    sql.createTable(ref, [
      { name: 'id', type: 'text' },
      { name: 'received_at', type: 'timestamp' },
      { name: 'price', type: 'double' },
    ]),
    'CREATE TABLE "web"."order ""completed""" ("id" text, "received_at" timestamptz, ' +
      '"price" double precision, "uuid_ts" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"))',
  );
});

test('widening keeps every value exactly: integers and doubles to numeric (doubles through their text)', () => {
  assert.equal(sql.widenExpression('n', 'bigint', 'numeric'), '"n"::numeric');
  assert.equal(sql.widenExpression('n', 'double', 'numeric'), '"n"::text::numeric');
  assert.deepEqual(
    sql.migration(ref, { kind: 'widen-column', table: 't', column: 'n', from: 'double', to: 'numeric' }),
    [
      {
        text: `ALTER TABLE "web"."order ""completed""" ALTER COLUMN "n" TYPE numeric USING "n"::text::numeric`,
      },
    ],
  );
});

test('columns created by hand map exactly, with their limits, or are unsupported', () => {
  const column = (data_type: string, more: Record<string, unknown> = {}) =>
    sql.existingColumn({ column_name: 'c', data_type, ...more });
  assert.deepEqual(column('integer'), { type: 'bigint', maxInteger: 2147483647 });
  assert.deepEqual(column('smallint'), { type: 'bigint', maxInteger: 32767 });
  assert.equal(column('numeric', { numeric_precision: null, numeric_scale: null }), 'numeric');
  assert.deepEqual(column('numeric', { numeric_precision: 10, numeric_scale: 2 }), {
    type: 'numeric',
    numeric: { maxIntegerDigits: 8, maxFractionDigits: 2 },
  });
  assert.deepEqual(column('character varying', { character_maximum_length: 20 }), {
    type: 'text',
    maxChars: 20,
  });
  assert.equal(column('character varying', { character_maximum_length: null }), 'text');
  assert.equal(column('timestamp without time zone'), 'timestamp');
  for (const type of ['real', 'character', 'date', 'uuid', 'time without time zone', 'ARRAY', 'bytea'])
    assert.deepEqual(column(type), { unsupported: type });
});

test('lock, schema and catalog statements take names as parameters', () => {
  assert.deepEqual(sql.lock('web.tracks'), [
    { text: 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', values: ['eventpipe:web.tracks'] },
  ]);
  assert.deepEqual(sql.existingSchemas(['web', 'app']), {
    text: 'SELECT nspname AS name FROM pg_namespace WHERE nspname = ANY($1::text[])',
    values: [['web', 'app']],
  });
  assert.deepEqual(sql.createSchema('web'), { text: 'CREATE SCHEMA IF NOT EXISTS "web"' });
  assert.deepEqual(sql.describeTable(ref), {
    text:
      'SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale' +
      ' FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
    values: ['web', 'order "completed"'],
  });
});

test('staging table and COPY', () => {
  assert.deepEqual(sql.createStaging(ref, 'eventpipe_staging_0'), {
    text: 'CREATE TEMP TABLE "eventpipe_staging_0" (LIKE "web"."order ""completed""" INCLUDING DEFAULTS) ON COMMIT DROP',
  });
  assert.equal(
    sql.copyFromStdin('eventpipe_staging_0', [
      { name: 'id', type: 'text' },
      { name: 'a;b', type: 'text' },
    ]),
    'COPY pg_temp."eventpipe_staging_0" ("id", "a;b") FROM STDIN (FORMAT text)',
  );
});

const columns = [
  { name: 'id', type: 'text' },
  { name: 'received_at', type: 'timestamp' },
  { name: 'email', type: 'text' },
] as const;

test('append merge skips ids already present', () => {
  const table: TableBatch = { table: 'tracks', mode: 'append', columns: [...columns], rows: [] };
  assert.deepEqual(sql.merge({ schema: 'web', table: 'tracks' }, 'eventpipe_staging_1', table), {
    text:
      'INSERT INTO "web"."tracks" ("id", "received_at", "email") SELECT "id", "received_at", "email" ' +
      'FROM pg_temp."eventpipe_staging_1" ON CONFLICT ("id") DO NOTHING',
  });
});

test('latest merge: each trait takes the staged value only when its version is newer', () => {
  const table: TableBatch = {
    table: 'users',
    mode: 'latest',
    columns: [...columns, { name: '_trait_versions', type: 'json' }],
    rows: [],
  };
  const storedColumns = ['id', 'received_at', 'email', 'plan', '_trait_versions', 'uuid_ts'];
  const merge = sql.merge({ schema: 'web', table: 'users' }, 'eventpipe_staging_2', table, {
    mode: 'append',
    storedColumns,
  });
  const offered = `(EXCLUDED."_trait_versions" ->> $1::text)`;
  const legacy = (column: string) =>
    `CASE WHEN "stored"."_trait_versions" IS NULL AND "stored"."${column}" IS NOT NULL` +
    ` THEN TO_CHAR("stored"."received_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') END`;
  const held = (column: string, key: string) =>
    `COALESCE(("stored"."_trait_versions" ->> ${key}::text), ${legacy(column)}, '')`;
  const wins = `(${offered} IS NOT NULL AND ${offered} > ${held('email', '$1')})`;
  assert.deepEqual(merge, {
    text:
      'INSERT INTO "web"."users" AS "stored" ("id", "received_at", "email", "_trait_versions")' +
      ' SELECT DISTINCT ON ("id") "id", "received_at", "email", "_trait_versions"' +
      ' FROM pg_temp."eventpipe_staging_2" ORDER BY "id", "received_at" DESC' +
      ` ON CONFLICT ("id") DO UPDATE SET "email" = CASE WHEN ${wins} THEN EXCLUDED."email" ELSE "stored"."email" END,` +
      ` "_trait_versions" = jsonb_strip_nulls(jsonb_build_object(` +
      `$1::text, CASE WHEN ${wins} THEN ${offered} ELSE NULLIF(${held('email', '$1')}, '') END,` +
      ` $2::text, NULLIF(${held('plan', '$2')}, ''))),` +
      ` "received_at" = GREATEST(EXCLUDED."received_at", "stored"."received_at"), "uuid_ts" = now()` +
      ` WHERE EXCLUDED."received_at" > "stored"."received_at" OR ${wins}`,
    values: ['email', 'plan'],
  });
});

test('replace merge overwrites stored rows: batch columns from the staged row, the rest cleared', () => {
  const table: TableBatch = { table: 'tracks', mode: 'append', columns: [...columns], rows: [] };
  const storedColumns = ['id', 'received_at', 'email', 'context_browser_name', '_rejected', 'uuid_ts'];
  assert.deepEqual(
    sql.merge({ schema: 'web', table: 'tracks' }, 'eventpipe_staging_1', table, {
      mode: 'replace',
      storedColumns,
    }),
    {
      text:
        'INSERT INTO "web"."tracks" ("id", "received_at", "email") SELECT DISTINCT ON ("id") "id", "received_at", "email" ' +
        'FROM pg_temp."eventpipe_staging_1" ORDER BY "id", "received_at" DESC ' +
        'ON CONFLICT ("id") DO UPDATE SET "received_at" = EXCLUDED."received_at", "email" = EXCLUDED."email", ' +
        '"context_browser_name" = NULL, "_rejected" = NULL, "uuid_ts" = now()',
    },
  );
  // A new table has no stored columns: nothing to clear.
  assert.doesNotMatch(
    sql.merge({ schema: 'web', table: 'tracks' }, 's', table, { mode: 'replace', storedColumns: [] }).text,
    /= NULL/,
  );
});

test('replace keeps users latest-wins per trait, the same version (the same event) replacing', () => {
  const table: TableBatch = { table: 'users', mode: 'latest', columns: [...columns], rows: [] };
  const ref = { schema: 'web', table: 'users' };
  const options = { storedColumns: ['id', 'received_at', 'email', 'plan'] };
  const append = sql.merge(ref, 'eventpipe_staging_2', table, { mode: 'append', ...options });
  const replace = sql.merge(ref, 'eventpipe_staging_2', table, { mode: 'replace', ...options });
  // Same upsert, traits still accumulate (no column cleared); only the tie goes to the replayed row.
  assert.equal(replace.text, append.text.replaceAll('::text) > COALESCE(', '::text) >= COALESCE('));
  assert.notEqual(replace.text, append.text);
  assert.deepEqual(replace.values, append.values);
});

/** jsonb_build_object takes at most 100 arguments. */
test('latest merge builds the versions of a wide table 50 columns at a time', () => {
  const wide = Array.from({ length: 120 }, (_, i) => `trait_${i}`);
  const table: TableBatch = {
    table: 'users',
    mode: 'latest',
    columns: [...columns, ...wide.map((name) => ({ name, type: 'text' as const }))],
    rows: [],
  };
  const { text } = sql.merge({ schema: 'web', table: 'users' }, 's', table, {
    mode: 'append',
    storedColumns: [],
  });
  assert.equal(text.match(/jsonb_build_object\(/g)?.length, 3);
});

test('bookkeeping: loads, migrations, dead letters', () => {
  const texts = sql.bookkeeping('_eventpipe').map((s) => s.text);
  assert.equal(texts.length, 7);
  assert.equal(texts[0], 'CREATE SCHEMA IF NOT EXISTS "_eventpipe"');
  assert.match(
    texts[1]!,
    /^CREATE TABLE IF NOT EXISTS "_eventpipe"\."loads" \("batch_id" text PRIMARY KEY, /,
  );
  assert.match(texts[2]!, /^CREATE TABLE IF NOT EXISTS "_eventpipe"\."migrations" /);
  assert.match(texts[3]!, /"envelope" json NOT NULL, .*"origin" text NOT NULL\)$/);
  assert.deepEqual(texts.slice(4), [
    `ALTER TABLE "_eventpipe"."dead_letters" ADD COLUMN IF NOT EXISTS "origin" text NOT NULL DEFAULT ''`,
    'ALTER TABLE "_eventpipe"."dead_letters" DROP CONSTRAINT IF EXISTS "dead_letters_pkey"',
    'CREATE UNIQUE INDEX IF NOT EXISTS "dead_letters_key" ON "_eventpipe"."dead_letters" ("origin", "stream_sequence", "source_id", "message_id")',
  ]);

  assert.deepEqual(sql.findLoad('_eventpipe', 's00000000000000000001'), {
    text: 'SELECT 1 FROM "_eventpipe"."loads" WHERE "batch_id" = $1',
    values: ['s00000000000000000001'],
  });
  const startedAt = new Date('2024-05-01T00:00:00Z');
  assert.deepEqual(
    sql.recordLoad('_eventpipe', {
      batchId: 'b1',
      firstSequence: 1,
      lastSequence: 9,
      sources: ['web'],
      rowsByTable: { 'web.tracks': 9 },
      startedAt,
    }),
    {
      text:
        'INSERT INTO "_eventpipe"."loads" ("batch_id", "first_sequence", "last_sequence", "sources", "rows_by_table", "started_at")' +
        ' VALUES ($1, $2, $3, $4, $5, $6)',
      values: ['b1', 1, 9, ['web'], '{"web.tracks":9}', startedAt],
    },
  );
  assert.deepEqual(
    sql.recordMigration('_eventpipe', {
      target: { schema: 'web', table: 'tracks' },
      statement: 'ALTER TABLE …',
      batchId: 'b1',
      loader: 'host:1',
    }),
    {
      text: 'INSERT INTO "_eventpipe"."migrations" ("schema_name", "table_name", "statement", "batch_id", "loader") VALUES ($1, $2, $3, $4, $5)',
      values: ['web', 'tracks', 'ALTER TABLE …', 'b1', 'host:1'],
    },
  );
});

test('dead letters upsert per origin and stream sequence, counting attempts, never per message id', () => {
  assert.deepEqual(
    sql.deadLetter('_eventpipe', {
      sourceId: 'web',
      messageId: 'm1',
      origin: 'EVENTS-20240501T100000Z',
      streamSequence: 7,
      reason: 'invalid input\0 syntax',
      envelopeJson: '{"messageId":"m1"}',
    }),
    {
      text:
        'INSERT INTO "_eventpipe"."dead_letters" ("origin", "stream_sequence", "source_id", "message_id", "reason", "envelope") VALUES ($1, $2, $3, $4, $5, $6)' +
        ' ON CONFLICT ("origin", "stream_sequence", "source_id", "message_id") DO UPDATE SET' +
        ' "attempts" = "dead_letters"."attempts" + 1, "last_failed_at" = clock_timestamp(), "reason" = EXCLUDED."reason"',
      values: ['EVENTS-20240501T100000Z', 7, 'web', 'm1', 'invalid input syntax', '{"messageId":"m1"}'],
    },
  );
});

test('each planned migration becomes its DDL', () => {
  const tracks = { schema: 'web', table: 'tracks' };
  assert.deepEqual(
    sql.migration(tracks, {
      kind: 'create-table',
      table: 'tracks',
      mode: 'append',
      columns: [
        { name: 'id', type: 'text' },
        { name: 'select', type: 'bigint' },
      ],
    }),
    [
      {
        text: 'CREATE TABLE "web"."tracks" ("id" text, "select" bigint, "uuid_ts" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"))',
      },
    ],
  );
  assert.deepEqual(
    sql.migration(tracks, { kind: 'add-column', table: 'tracks', column: { name: 'a"b', type: 'json' } }),
    [{ text: 'ALTER TABLE "web"."tracks" ADD COLUMN "a""b" jsonb' }],
  );
  assert.deepEqual(
    sql.migration(tracks, {
      kind: 'widen-column',
      table: 'tracks',
      column: 'n',
      from: 'bigint',
      to: 'double',
    }),
    [
      {
        text: 'ALTER TABLE "web"."tracks" ALTER COLUMN "n" TYPE double precision USING "n"::double precision',
      },
    ],
  );
  assert.deepEqual(
    sql.migration(tracks, {
      kind: 'widen-varchar',
      table: 'tracks',
      column: 'n',
      fromBytes: 256,
      maxBytes: 300,
    }),
    [],
  );
  assert.equal(
    sql.postgresSql.runsOutsideTransaction({
      kind: 'add-column',
      table: 't',
      column: { name: 'c', type: 'text' },
    }),
    false,
  );
});

test('lock_timeout for the rest of the load transaction, as a bind parameter; no extra locks beyond the advisory ones', () => {
  assert.deepEqual(sql.lockTimeout(5000), [
    { text: "SELECT set_config('lock_timeout', $1, true)", values: ['5000ms'] },
  ]);
  assert.deepEqual(sql.lockLoads(), []);
  assert.deepEqual(sql.lockTable(), []);
});
