import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeSchema, markRejected } from './schema-view.js';

test('tables list their columns with first-seen times from the migrations, and widened columns are marked', () => {
  const columns = [
    { table_name: 'tracks', column_name: 'id', data_type: 'text' },
    { table_name: 'order_completed', column_name: 'id', data_type: 'text' },
    { table_name: 'order_completed', column_name: 'revenue', data_type: 'numeric' },
    { table_name: 'order_completed', column_name: 'odd "name"', data_type: 'text' },
  ];
  const migrations = [
    {
      table_name: 'order_completed',
      statement: 'CREATE TABLE "web"."order_completed" ("id" text, "revenue" bigint)',
      applied_at: new Date('2026-01-01T00:00:00Z'),
    },
    {
      table_name: 'order_completed',
      statement: 'ALTER TABLE "web"."order_completed" ADD COLUMN "odd ""name""" text',
      applied_at: '2026-01-02T00:00:00.000Z',
    },
    {
      table_name: 'order_completed',
      statement:
        'ALTER TABLE "web"."order_completed" ALTER COLUMN "revenue" TYPE numeric USING "revenue"::numeric',
      applied_at: '2026-01-03T00:00:00.000Z',
    },
    { table_name: 'gone', statement: 'CREATE TABLE "web"."gone" ()', applied_at: '2026-01-01T00:00:00.000Z' },
  ];
  const [order, tracks, ...rest] = describeSchema(columns, migrations);
  assert.equal(rest.length, 0);
  assert.equal(tracks!.name, 'tracks');
  assert.equal(tracks!.firstSeen, undefined);
  assert.equal(order!.firstSeen, '2026-01-01T00:00:00.000Z');
  assert.deepEqual(order!.columns, [
    { name: 'id', type: 'text', typeChanged: false, firstSeen: '2026-01-01T00:00:00.000Z' },
    { name: 'revenue', type: 'numeric', typeChanged: true, firstSeen: '2026-01-01T00:00:00.000Z' },
    { name: 'odd "name"', type: 'text', typeChanged: false, firstSeen: '2026-01-02T00:00:00.000Z' },
  ]);
});

test('a column whose key has values in _rejected is marked with their count', () => {
  const [table] = describeSchema(
    [
      { table_name: 't', column_name: 'revenue', data_type: 'double precision' },
      { table_name: 't', column_name: 'coupon', data_type: 'text' },
    ],
    [],
  );
  markRejected(table!, [
    { key: 'revenue', rows: 3 },
    { key: 'gone', rows: 1 },
  ]);
  assert.equal(table!.columns[0]!.rejectedRows, 3);
  assert.equal(table!.columns[1]!.rejectedRows, undefined);
});
