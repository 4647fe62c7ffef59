/**
 * Golden tests: the exact text of the dead-letter administration SQL of both dialects. The texts run
 * on PostgreSQL in test/src/dead-letters (PostgreSQL) and test/src/redshift (the Redshift dialect's).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRedrivesTable,
  dropCounts,
  listDeadLetters,
  recordRedrives,
  tablesWithDropColumns,
} from './sql.js';

const LETTERS =
  'WITH "letters" AS (SELECT LEFT(MD5("origin" || \'/\' || CAST("stream_sequence" AS VARCHAR) || \'/\' || "source_id" || \'/\' || "message_id"), 12) AS "id",' +
  ' "origin", "stream_sequence", "source_id", "message_id", "reason", "first_failed_at", "last_failed_at", "attempts"';
const REST =
  ', ROW_NUMBER() OVER (PARTITION BY "origin", "stream_sequence", "source_id", "message_id" ORDER BY "last_failed_at" DESC, "attempts" DESC) AS "nth"' +
  ' FROM "_eventpipe"."dead_letters"), "redrives" AS (SELECT "origin", "stream_sequence", "source_id", "message_id", "redriven_at", "stream", "published_sequence",' +
  ' ROW_NUMBER() OVER (PARTITION BY "origin", "stream_sequence", "source_id", "message_id" ORDER BY "redriven_at" DESC) AS "nth"' +
  ' FROM "_eventpipe"."dead_letter_redrives")' +
  ' SELECT l."id", l."origin", l."stream_sequence", l."source_id", l."message_id", l."reason", l."first_failed_at", l."last_failed_at", l."attempts",' +
  ' r."redriven_at", r."stream" AS "redriven_stream", r."published_sequence" AS "redriven_sequence"';
const JOIN =
  ' FROM "letters" l LEFT JOIN "redrives" r ON r."origin" = l."origin" AND r."stream_sequence" = l."stream_sequence"' +
  ' AND r."source_id" = l."source_id" AND r."message_id" = l."message_id" AND r."nth" = 1 AND r."redriven_at" >= l."last_failed_at"';
const ORDER = ' ORDER BY l."last_failed_at", l."origin", l."stream_sequence"';

test('list: the latest row per message, pending unless redriven since its latest failure', () => {
  for (const kind of ['postgres', 'redshift'] as const) {
    assert.deepEqual(listDeadLetters(kind, '_eventpipe'), {
      text: `${LETTERS}${REST}${JOIN} WHERE l."nth" = 1 AND r."redriven_at" IS NULL${ORDER}`,
      values: [],
    });
  }
});

test('list with every filter: values are parameters, the envelope as JSON text in the dialect', () => {
  const since = new Date('2024-05-01T00:00:00Z');
  const filter = {
    sourceId: 'web',
    since,
    reason: "it's",
    ids: ['0123456789ab', 'ba9876543210'],
    includeRedriven: true,
    limit: 10,
    withEnvelope: true,
  };
  const where =
    ' WHERE l."nth" = 1 AND l."source_id" = CAST($1 AS VARCHAR) AND l."last_failed_at" >= CAST($2 AS TIMESTAMPTZ)' +
    ' AND POSITION(LOWER(CAST($3 AS VARCHAR(65535))) IN LOWER(l."reason")) > 0' +
    ' AND l."id" IN (CAST($4 AS VARCHAR), CAST($5 AS VARCHAR))';
  const values = ['web', since, "it's", '0123456789ab', 'ba9876543210'];
  assert.deepEqual(listDeadLetters('postgres', '_eventpipe', filter), {
    text: `${LETTERS}, "envelope"::text AS "envelope"${REST}, l."envelope"${JOIN}${where}${ORDER} LIMIT 10`,
    values,
  });
  assert.deepEqual(listDeadLetters('redshift', '_eventpipe', filter), {
    text: `${LETTERS}, JSON_SERIALIZE("envelope") AS "envelope"${REST}, l."envelope"${JOIN}${where}${ORDER} LIMIT 10`,
    values,
  });
});

test('list newest first: the latest failure first, so a limit keeps the newest', () => {
  assert.deepEqual(listDeadLetters('postgres', '_eventpipe', { newestFirst: true, limit: 200 }), {
    text:
      `${LETTERS}${REST}${JOIN} WHERE l."nth" = 1 AND r."redriven_at" IS NULL` +
      ' ORDER BY l."last_failed_at" DESC, l."origin", l."stream_sequence" DESC LIMIT 200',
    values: [],
  });
});

test('list: an empty id list selects nothing; a limit must be a positive integer', () => {
  assert.match(listDeadLetters('postgres', 'm', { ids: [] }).text, / WHERE l."nth" = 1 AND FALSE AND /);
  for (const limit of [0, -1, 1.5, 2 ** 31]) {
    assert.throws(() => listDeadLetters('redshift', 'm', { limit }), /limit must be a positive integer/);
  }
});

test('the redrives table and its rows', () => {
  assert.equal(
    createRedrivesTable('postgres', '_eventpipe').text,
    'CREATE TABLE IF NOT EXISTS "_eventpipe"."dead_letter_redrives" ("origin" text NOT NULL, "stream_sequence" bigint NOT NULL,' +
      ' "source_id" text NOT NULL, "message_id" text NOT NULL, "redriven_at" timestamptz NOT NULL DEFAULT clock_timestamp(),' +
      ' "stream" text NOT NULL, "published_sequence" bigint NOT NULL)',
  );
  assert.equal(
    createRedrivesTable('redshift', '_eventpipe').text,
    'CREATE TABLE IF NOT EXISTS "_eventpipe"."dead_letter_redrives" ("origin" VARCHAR(512) NOT NULL, "stream_sequence" BIGINT NOT NULL,' +
      ' "source_id" VARCHAR(128) NOT NULL, "message_id" VARCHAR(1024) NOT NULL, "redriven_at" TIMESTAMPTZ NOT NULL DEFAULT GETDATE(),' +
      ' "stream" VARCHAR(256) NOT NULL, "published_sequence" BIGINT NOT NULL)',
  );
  const records = [
    {
      origin: 'EVENTS-1',
      streamSequence: 7,
      sourceId: 'web',
      messageId: 'm1',
      stream: 'EVENTS',
      publishedSequence: 90,
    },
    {
      origin: 'EVENTS-1',
      streamSequence: 8,
      sourceId: 'web',
      messageId: 'm2',
      stream: 'EVENTS',
      publishedSequence: 91,
    },
  ];
  for (const kind of ['postgres', 'redshift'] as const) {
    assert.deepEqual(recordRedrives(kind, '_eventpipe', records), {
      text:
        'INSERT INTO "_eventpipe"."dead_letter_redrives" ("origin", "stream_sequence", "source_id", "message_id", "stream", "published_sequence")' +
        ' VALUES ($1, $2, $3, $4, $5, $6), ($7, $8, $9, $10, $11, $12)',
      values: ['EVENTS-1', 7, 'web', 'm1', 'EVENTS', 90, 'EVENTS-1', 8, 'web', 'm2', 'EVENTS', 91],
    });
  }
});

test('identifiers are quoted by the dialect', () => {
  assert.match(createRedrivesTable('postgres', 'Meta').text, /"Meta"\."dead_letter_redrives"/);
  assert.throws(() => createRedrivesTable('redshift', 'Meta'), /lower case/);
});

test('drop counts: the tables with _rejected or _enrichment_errors, and their rows by load time', () => {
  assert.deepEqual(tablesWithDropColumns('_eventpipe', 'web'), {
    text:
      'SELECT table_schema, table_name, column_name FROM information_schema.columns' +
      ' WHERE column_name IN (CAST($1 AS VARCHAR), CAST($2 AS VARCHAR)) AND table_schema <> CAST($3 AS VARCHAR)' +
      ' AND table_schema = CAST($4 AS VARCHAR) ORDER BY table_schema, table_name, column_name',
    values: ['_rejected', '_enrichment_errors', '_eventpipe', 'web'],
  });
  assert.doesNotMatch(tablesWithDropColumns('_eventpipe').text, /\$4/);
  const since = new Date('2024-05-01T00:00:00Z');
  for (const kind of ['postgres', 'redshift'] as const) {
    assert.deepEqual(
      dropCounts(
        kind,
        { schema: 'web', table: 'order_completed' },
        ['_rejected', '_enrichment_errors'],
        since,
      ),
      {
        text:
          'SELECT COUNT(*) AS "rows", COUNT("_rejected") AS "rejected", COUNT("_enrichment_errors") AS "enrichment_errors"' +
          ' FROM "web"."order_completed" WHERE "uuid_ts" >= CAST($1 AS TIMESTAMPTZ)',
        values: [since],
      },
    );
  }
});
