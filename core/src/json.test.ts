import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLosslessNumber, mayHoldInexactNumber, parseJson, stringifyJson } from './json.js';

test('integers beyond 2^53 and out-of-range numbers keep their digits through parse and stringify', () => {
  const text = '{"id":1234567890123456789,"big":1e400,"tiny":1e-400,"precise":0.12345678901234567891}';
  const value = parseJson(text) as Record<string, unknown>;
  for (const key of ['id', 'big', 'tiny', 'precise']) assert.ok(isLosslessNumber(value[key]), key);
  assert.equal(stringifyJson(value), text);
});

test('numbers a double holds exactly stay plain numbers, whichever parser ran', () => {
  // The long digit run in the string forces the lossless parser; the numbers beside it must still be numbers.
  const value = parseJson('{"s":"a,12345678901234567890","n":42,"f":0.5,"e":1.5e2}') as Record<
    string,
    unknown
  >;
  assert.deepEqual(value, { s: 'a,12345678901234567890', n: 42, f: 0.5, e: 150 });
});

test('invalid JSON throws a SyntaxError on both paths', () => {
  assert.throws(() => parseJson('{"a":'), SyntaxError);
  assert.throws(() => parseJson('{"a":12345678901234567890,'), SyntaxError);
});

test('mayHoldInexactNumber flags long digit runs and three-digit exponents only', () => {
  assert.equal(mayHoldInexactNumber('{"a":123456789012345,"t":"2026-11-26T12:00:00.000Z"}'), false);
  assert.equal(mayHoldInexactNumber('{"a":9007199254740993}'), true);
  assert.equal(mayHoldInexactNumber('{"a":1234567890.123456}'), true);
  assert.equal(mayHoldInexactNumber('{"a":1e400}'), true);
});

test('duplicate keys: the last value wins on both paths, as with JSON.parse', () => {
  assert.deepEqual(parseJson('{"a":1,"a":2}'), { a: 2 });
  const value = parseJson('{"a":1,"b":12345678901234567890,"a":2}') as Record<string, unknown>;
  assert.deepEqual(Object.keys(value), ['a', 'b']);
  assert.equal(value.a, 2);
});

test('mayHoldInexactNumber looks at number literals, not at digits inside strings', () => {
  assert.equal(mayHoldInexactNumber('{"ua":"Mobile/15E148","id":"order-12345678901234567"}'), false);
  assert.equal(mayHoldInexactNumber('{"a":[1, -12345678901234567]}'), true);
  assert.equal(mayHoldInexactNumber('{"a":\n 1.5E-400}'), true);
  assert.equal(mayHoldInexactNumber(' 12345678901234567890'), true);
});
