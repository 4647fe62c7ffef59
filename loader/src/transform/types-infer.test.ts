import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LosslessNumber, isLosslessNumber, parseJson } from '@eventpipe/core';
import { postgresRules, redshiftRules } from '../schema/rules.js';
import { isInt64, plainDecimal } from './numbers.js';
import { fits, inferType, isTimestamp, lub, normalizeTimestamp, parseTimestamp } from './types-infer.js';
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

test('type policy: types meet only within their family, never in text', () => {
  const cases: [ColumnType, ColumnType, ColumnType | undefined][] = [
    ['bigint', 'bigint', 'bigint'],
    ['bigint', 'double', 'double'],
    ['double', 'bigint', 'double'],
    ['bigint', 'numeric', 'numeric'],
    ['timestamp', 'text', 'text'],
    ['json', 'bigint', 'json'],
    ['text', 'json', 'json'],
    ['double', 'text', undefined],
    ['bigint', 'text', undefined],
    ['boolean', 'bigint', undefined],
    ['timestamp', 'bigint', undefined],
  ];
  for (const [a, b, expected] of cases) assert.equal(lub(a, b, postgresRules), expected, `${a} + ${b}`);
  // numeric holds fractions on PostgreSQL; Redshift's DECIMAL(38,0) does not, so there they meet in double.
  assert.equal(lub('double', 'numeric', postgresRules), 'numeric');
  assert.equal(lub('double', 'numeric', redshiftRules), 'double');
});

test('fits: a value fits a column that holds it exactly', () => {
  assert.ok(fits('double', 3, postgresRules));
  assert.ok(fits('text', 3, postgresRules));
  assert.ok(fits('text', '2024-05-01T12:34:56Z', postgresRules));
  assert.ok(fits('json', 'anything', postgresRules));
  assert.ok(!fits('bigint', 3.5, postgresRules));
  assert.ok(!fits('bigint', 'three', postgresRules));
  assert.ok(!fits('text', [1], postgresRules));
  assert.ok(!fits('timestamp', 'soon', postgresRules));
});

test('lossless numbers: exact in bigint or numeric, never in a double that would round them', () => {
  const big = parseJson('{"n":1234567890123456789}') as { n: unknown };
  assert.ok(isLosslessNumber(big.n));
  assert.equal(inferType(big.n), 'bigint');
  assert.ok(fits('bigint', big.n, postgresRules));
  assert.ok(!fits('double', big.n, postgresRules), 'a double rounds it to ...800');
  assert.ok(fits('text', big.n, postgresRules));

  const huge = parseJson(
    '[18446744073709551616, 1e400, 0.10000000000000000001, -9223372036854775809]',
  ) as unknown[];
  assert.deepEqual(
    huge.map((n) => inferType(n)),
    ['numeric', 'numeric', 'numeric', 'numeric'],
  );
  // PostgreSQL's numeric holds every one; Redshift's DECIMAL(38,0) the integers of up to 38 digits.
  assert.deepEqual(
    huge.map((n) => fits('numeric', n, postgresRules)),
    [true, true, true, true],
  );
  assert.deepEqual(
    huge.map((n) => fits('numeric', n, redshiftRules)),
    [true, false, false, true],
  );
  assert.ok(!fits('numeric', parseJson('1e200000'), postgresRules), "past numeric's 131072 digits");
  assert.equal(plainDecimal(new LosslessNumber('1.5e3')), '1500');
  assert.equal(plainDecimal(new LosslessNumber('-0.00012e-2')), '-0.0000012');
  assert.equal(plainDecimal(new LosslessNumber('1e400')), '1' + '0'.repeat(400));
  assert.ok(isInt64(new LosslessNumber('9223372036854775807')));
  assert.ok(!isInt64(new LosslessNumber('9223372036854775808')));
});

test('timestamps normalise to UTC with microseconds, only when exact', () => {
  const cases: [string, string | undefined][] = [
    ['2024-05-01T12:34:56Z', '2024-05-01T12:34:56.000000Z'],
    ['2024-05-01T12:34:56.7Z', '2024-05-01T12:34:56.700000Z'],
    ['2024-05-01T12:34:56.123456+0530', '2024-05-01T07:04:56.123456Z'],
    ['2024-05-01T00:00:00.123456000-02:00', '2024-05-01T02:00:00.123456Z'],
    ['0001-01-01T00:30:00+00:30', '0001-01-01T00:00:00.000000Z'],
    // Digits past the microseconds would be cut: not a timestamp, kept as text.
    ['2024-05-01T12:34:56.123456789Z', undefined],
    // A zone that moves it out of year 1.
    ['0001-01-01T00:00:00+01:00', undefined],
  ];
  for (const [text, expected] of cases) assert.equal(normalizeTimestamp(text), expected, text);
  assert.equal(inferType('2024-05-01T12:34:56.123456789Z'), 'text');
});

test('the timestamp reader agrees with its shape, written as a regular expression, on random texts', () => {
  // The specification the hand-written reader implements (it was the implementation until issue 14).
  const SHAPE =
    /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):?(\d{2}))$/;
  const pieces = [
    '2024',
    '-',
    '05',
    '01',
    'T',
    '12',
    ':',
    '.',
    '1',
    '123456',
    '1234567890',
    'Z',
    'z',
    '+',
    '0530',
    '05:30',
    '99',
    ' ',
    '-02:00',
  ];
  let seed = 14;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const base = '2024-05-01T12:34:56';
  const TAILS = [
    'Z',
    '.1Z',
    '.123456Z',
    '.123456789Z',
    '.1234567890Z',
    '+05:30',
    '-0200',
    '.5+23:59',
    '',
    '.Z',
  ];
  const fieldsInRange = ([year, month, day, hour, minute, second, , , zoneHours, zoneMinutes]: number[]) => {
    const date = new Date(Date.UTC(2000, month! - 1, day));
    date.setUTCFullYear(year!);
    return (
      year! >= 1 &&
      month! >= 1 &&
      month! <= 12 &&
      date.getUTCMonth() === month! - 1 &&
      date.getUTCDate() === day &&
      hour! <= 23 &&
      minute! <= 59 &&
      second! <= 59 &&
      zoneHours! <= 23 &&
      zoneMinutes! <= 59
    );
  };
  let valid = 0;
  for (let i = 0; i < 20_000; i++) {
    // Mostly near-timestamps: a valid prefix with a random tail, or a valid text with one character changed.
    let text = base + TAILS[random(TAILS.length)]!;
    if (random(5) === 0) text += pieces[random(pieces.length)];
    if (random(2) === 0) {
      const at = random(text.length);
      text = text.slice(0, at) + '0123456789-:T.Z+x'[random(17)] + text.slice(at + 1);
    }
    const m = SHAPE.exec(text);
    const shaped = m !== null && fieldsInRange(m.slice(1).map((field) => Number(field ?? 0)));
    assert.equal(parseTimestamp(text) !== undefined, shaped, text);
    if (shaped) {
      valid++;
      const native = Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2').replace(/\.(\d{3})\d*/, '.$1'));
      assert.equal(parseTimestamp(text), native, text);
    }
  }
  assert.ok(valid > 1000 && valid < 19_000, `${valid} valid texts: both kinds are exercised`);
});

test('a timestamp already in the normal form is returned as it is', () => {
  const text = '2024-05-01T12:34:56.123456Z';
  assert.equal(normalizeTimestamp(text), text);
  assert.equal(normalizeTimestamp('2024-05-01T12:34:56.123456000Z'), text);
  assert.equal(normalizeTimestamp('2024-05-01T12:34:56.1234560Z'), text);
});
