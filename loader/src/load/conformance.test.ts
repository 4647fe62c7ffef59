/**
 * Dialect conformance: the Redshift dialect answers every step of the shared flow that the PostgreSQL
 * dialect does, so no flow step can be missing from Redshift. The same batches are planned with each
 * dialect's rules, and each dialect must turn each planned migration into SQL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Column, TableBatch } from '../transform/types.js';
import { planTable, postgresRules, redshiftRules } from '../schema/index.js';
import type { SqlDialect } from './dialect.js';
import { postgresDialect } from './postgres/index.js';
import { redshiftSql } from './redshift/sql.js';

const ref = { schema: 'web', table: 'order_completed' };
const received = { name: 'received_at', type: 'timestamp' } as const satisfies Column;

/** Batches that make planning ask for every kind of migration, from an empty table onwards. */
const scenarios: { existing?: Map<string, Column>; batch: TableBatch }[] = [
  {
    batch: {
      table: 'order_completed',
      mode: 'append',
      columns: [{ name: 'id', type: 'text', maxBytes: 3 }, received, { name: 'total', type: 'bigint' }],
      rows: [{ id: 'o-1', received_at: '2024-05-01T00:00:00.000Z', total: 3 }],
    },
  },
  {
    existing: new Map<string, Column>([
      ['id', { name: 'id', type: 'text', maxBytes: 256 }],
      ['received_at', received],
      ['total', { name: 'total', type: 'bigint' }],
    ]),
    batch: {
      table: 'order_completed',
      mode: 'append',
      columns: [
        { name: 'id', type: 'text', maxBytes: 600 },
        received,
        { name: 'total', type: 'double' },
        { name: 'items', type: 'json' },
      ],
      rows: [{ id: 'x'.repeat(600), received_at: '2024-05-01T00:00:00.000Z', total: 2.5, items: [1] }],
    },
  },
];

test('both dialects implement the same SqlDialect methods', () => {
  const methods = (d: Omit<SqlDialect, 'rules' | 'copy'>) =>
    Object.entries(d)
      .filter(([, v]) => typeof v === 'function')
      .map(([k]) => k)
      .sort();
  const postgresMethods = methods(postgresDialect).filter((m) => m !== 'copy');
  assert.deepEqual(methods(redshiftSql), postgresMethods);
});

test("every migration planned under each dialect's rules becomes SQL in that dialect", () => {
  const kinds = new Set<string>();
  for (const [dialect, rules] of [
    [postgresDialect, postgresRules],
    [redshiftSql, redshiftRules],
  ] as const) {
    for (const { existing, batch } of scenarios) {
      const existingColumns =
        existing && new Map([...existing].map(([name, c]) => [name, { type: c.type, maxBytes: c.maxBytes }]));
      const plan = planTable(existingColumns, batch, rules);
      assert.ok(plan.migrations.length > 0);
      for (const migration of plan.migrations) {
        kinds.add(`${rules.name}:${migration.kind}`);
        const statements = dialect.migration(ref, migration);
        assert.ok(statements.length > 0, `${rules.name} has no SQL for ${migration.kind}`);
        for (const s of statements) assert.match(s.text, /^(CREATE|ALTER) TABLE /);
      }
    }
  }
  // The scenarios really exercise each dialect's kinds of change.
  assert.deepEqual([...kinds].sort(), [
    'postgres:add-column',
    'postgres:create-table',
    'postgres:widen-column',
    'redshift:add-column',
    'redshift:create-table',
    'redshift:widen-varchar',
  ]);
});

test('the remaining steps give SQL for the same inputs in both dialects', () => {
  const batch = scenarios[0]!.batch;
  const record = {
    batchId: 'b',
    firstSequence: 1,
    lastSequence: 2,
    sources: ['web'],
    rowsByTable: {},
    startedAt: new Date(0),
  };
  for (const d of [postgresDialect, redshiftSql]) {
    const statements = [
      ...d.bookkeeping('_eventpipe'),
      d.existingSchemas(['web']),
      d.createSchema('web'),
      d.describeTable(ref),
      d.createStaging(ref, 'eventpipe_staging_0'),
      d.merge(ref, 'eventpipe_staging_0', batch),
      d.merge(ref, 'eventpipe_staging_0', { ...batch, mode: 'latest' }),
      d.findLoad('_eventpipe', 'b'),
      d.recordLoad('_eventpipe', record),
      d.recordMigration('_eventpipe', { target: ref, statement: 'x', batchId: 'b', loader: 'l' }),
      d.deadLetter('_eventpipe', {
        sourceId: 'web',
        messageId: 'm',
        origin: 'EVENTS-1',
        streamSequence: 1,
        reason: 'r',
        envelopeJson: '{}',
      }),
    ];
    for (const s of statements) assert.ok(s.text.length > 0);
  }
});
