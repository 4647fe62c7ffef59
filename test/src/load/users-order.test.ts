/**
 * `users` on a real PostgreSQL does not depend on batching or commit order (issue 11 item 6): the
 * same identifies loaded in one batch, one by one, in reverse, and by two loaders committing out of
 * order give the same row, each trait at its latest value. And a `users` table made before trait
 * versions existed gets the column through a journaled migration and keeps its values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Envelope } from '@eventpipe/core';
import { postgresRules, transform, type LoadBatch } from '@eventpipe/loader/internal';
import { anotherWarehouse, usePostgresWarehouse } from './harness.js';
import { EXPECTED_USER, SCENARIOS, identifies, loadEveryWay } from './users-order.js';

const suite = usePostgresWarehouse();

function batchOf(batchId: string, envelopes: Envelope[]): LoadBatch {
  const sources = transform(
    envelopes.map((envelope) => ({ envelope })),
    postgresRules,
  );
  return { batchId, firstSequence: 1, lastSequence: envelopes.length, sources };
}

const user = async (schema: string) =>
  (
    await suite.db.query(
      `SELECT id, email, plan, name, company, received_at, _trait_versions FROM "${schema}".users`,
    )
  ).rows;

test('users: the same identifies in any batching and commit order give the same row, latest per trait', async () => {
  const second = anotherWarehouse(suite);
  try {
    await loadEveryWay(batchOf, [suite.warehouse, second]);
  } finally {
    await second.close();
  }
  const [reference] = await user(SCENARIOS[0]);
  const { _trait_versions: versions, ...values } = reference ?? {};
  assert.deepEqual(values, EXPECTED_USER);
  assert.deepEqual(Object.keys(versions as object).sort(), ['company', 'email', 'name', 'plan']);
  for (const schema of SCENARIOS) assert.deepEqual(await user(schema), [reference], schema);
});

test('users: a table made before trait versions gets the column (journaled) and keeps its values', async () => {
  await suite.db.query('CREATE SCHEMA legacy');
  await suite.db.query(
    'CREATE TABLE legacy.users (id text PRIMARY KEY, received_at timestamptz, email text, plan text,' +
      ' uuid_ts timestamptz NOT NULL DEFAULT now())',
  );
  // Written by the old merge from an identify at 10:00:00.5: newer than T1, older than T2.
  await suite.db.query(
    `INSERT INTO legacy.users (id, received_at, email, plan) VALUES ('u1', '2024-06-01T10:00:00.500Z', 'old@example.com', 'legacy')`,
  );
  const [a, b, c, d] = identifies('legacy');
  const result = await suite.warehouse.load(batchOf('legacy-1', [a!, b!, d!]));
  assert.ok(result.migrations.includes('ALTER TABLE "legacy"."users" ADD COLUMN "_trait_versions" jsonb'));
  const journal = await suite.db.query(
    `SELECT statement FROM _eventpipe.migrations WHERE batch_id = 'legacy-1' AND statement LIKE '%_trait_versions%'`,
  );
  assert.equal(journal.rowCount, 1);
  let [row] = await user('legacy');
  // Older identifies fill what the stored row lacks, and change nothing it holds.
  assert.deepEqual(
    { email: row?.email, plan: row?.plan, name: row?.name, company: row?.company },
    { email: 'old@example.com', plan: 'legacy', name: 'Ada', company: 'Acme' },
  );
  await suite.warehouse.load(batchOf('legacy-2', [c!]));
  [row] = await user('legacy');
  assert.deepEqual(
    { email: row?.email, plan: row?.plan, received_at: row?.received_at },
    { email: 'c@example.com', plan: 'legacy', received_at: EXPECTED_USER.received_at },
  );
});
