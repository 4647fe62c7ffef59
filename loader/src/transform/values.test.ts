import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanStrings } from './values.js';

test('cleanStrings returns the same reference when no string needs cleaning', () => {
  const value = { a: 'x', b: [1, 'y', { c: 'z' }], d: null, e: true };
  assert.equal(cleanStrings(value), value);
  assert.equal(cleanStrings(value.b), value.b);
});

test('cleanStrings copies from the first change on, keeping the values and keys before it in order', () => {
  const repairs = { surrogates: 0 };
  const nested = { keep: 'k' };
  const value = JSON.parse(
    '{"first":"a","nested":{"keep":"k"},"__proto__":"p","bad\\u0000key":"v\\u0000","last":["x","\\ud83d"]}',
  );
  value.nested = nested;
  const cleaned = cleanStrings(value, repairs) as Record<string, unknown>;
  assert.notEqual(cleaned, value);
  assert.deepEqual(Object.keys(cleaned), ['first', 'nested', '__proto__', 'badkey', 'last']);
  assert.equal(cleaned.nested, nested, 'an unchanged object inside is shared, not copied');
  assert.equal(Object.getPrototypeOf(cleaned), Object.prototype, '__proto__ stays an own key');
  assert.equal(Object.getOwnPropertyDescriptor(cleaned, '__proto__')?.value, 'p');
  assert.equal(cleaned.badkey, 'v');
  assert.deepEqual(cleaned.last, ['x', '\uFFFD']);
  assert.equal(repairs.surrogates, 1);
  assert.deepEqual(value.last, ['x', '\ud83d'], 'the input is not changed');
});
