import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fits, inferType, isTimestamp, lub, parseTimestamp } from './types-infer.js';
import type { ColumnType } from './types.js';

test('scalar types', () => {
  assert.equal(inferType(true), 'boolean');
  assert.equal(inferType(42), 'bigint');
  assert.equal(inferType(-(2 ** 63)), 'bigint');
  assert.equal(inferType(2 ** 63), 'double', 'one past int64 is not a bigint');
  assert.equal(inferType(1.5), 'double');
  assert.equal(inferType('hello'), 'text');
  assert.equal(inferType('2024-05-01T12:34:56.789Z'), 'timestamp');
  assert.equal(inferType([1, 2]), 'json');
  assert.equal(inferType({ deep: 1 }), 'json');
});

test('timestamps are recognised strictly: date, time and zone', () => {
  for (const text of [
    '2024-05-01T12:34:56Z',
    '2024-05-01T12:34:56.123456Z',
    '2024-05-01T12:34:56+02:00',
    '2024-05-01T12:34:56.000-0330',
    '2024-02-29T00:00:00Z',
  ]) {
    assert.ok(isTimestamp(text), text);
  }
  for (const text of [
    '2024-05-01',
    '2024-05-01T12:34:56',
    '2024-05-01 12:34:56Z',
    '2024-05-01T12:34Z',
    '2023-02-29T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-05-01T24:00:00Z',
    '0000-01-01T00:00:00Z',
    '2024-05-01t12:34:56z',
    ' 2024-05-01T12:34:56Z',
    '1714566896',
  ]) {
    assert.ok(!isTimestamp(text), text);
  }
});

test('parseTimestamp applies the zone offset and keeps milliseconds', () => {
  assert.equal(parseTimestamp('2024-05-01T12:00:00.250+02:00'), Date.parse('2024-05-01T10:00:00.250Z'));
  assert.equal(parseTimestamp('0099-01-01T00:00:00Z'), Date.parse('0099-01-01T00:00:00Z'));
});

test('the widening lattice', () => {
  const cases: [ColumnType, ColumnType, ColumnType][] = [
    ['bigint', 'bigint', 'bigint'],
    ['bigint', 'double', 'double'],
    ['double', 'bigint', 'double'],
    ['double', 'text', 'text'],
    ['bigint', 'text', 'text'],
    ['boolean', 'bigint', 'text'],
    ['timestamp', 'text', 'text'],
    ['timestamp', 'bigint', 'text'],
    ['json', 'bigint', 'json'],
    ['text', 'json', 'json'],
  ];
  for (const [a, b, expected] of cases) assert.equal(lub(a, b), expected, `${a} + ${b}`);
});

test('fits: a value fits a column when the column is at least as wide as its type', () => {
  assert.ok(fits('double', 3));
  assert.ok(fits('text', 3));
  assert.ok(fits('text', '2024-05-01T12:34:56Z'));
  assert.ok(fits('json', 'anything'));
  assert.ok(!fits('bigint', 3.5));
  assert.ok(!fits('bigint', 'three'));
  assert.ok(!fits('text', [1]));
});
