import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldKeys } from './field-keys.js';
import { fieldId } from './names.js';

test('one interned key and id per distinct field, the same object every time', () => {
  const keys = new FieldKeys();
  const first = keys.get('property', ['a', 'b']);
  assert.deepEqual(first.key, { root: 'property', path: ['a', 'b'] });
  assert.equal(first.id, fieldId({ root: 'property', path: ['a', 'b'] }));
  assert.equal(keys.get('property', ['a', 'b']), first, 'a second event with the field gets the same object');
});

test('fields differing in root, path or nesting stay distinct', () => {
  const keys = new FieldKeys();
  const ids = [
    keys.get('property', ['a', 'b']).id,
    keys.get('trait', ['a', 'b']).id,
    keys.get('property', ['a.b']).id,
    keys.get('property', ['a']).id,
    keys.get('property', ['a', 'b', 'c']).id,
  ];
  assert.equal(new Set(ids).size, ids.length);
});

test('walking a path segment by segment finds the same interned field as asking for the path', () => {
  const keys = new FieldKeys();
  const walked = keys.field(keys.child(keys.child(keys.root('context'), 'page'), 'url'));
  assert.equal(keys.get('context', ['page', 'url']), walked);
  assert.deepEqual(walked.key, { root: 'context', path: ['page', 'url'] });
  assert.notEqual(keys.field(keys.child(keys.root('trait'), 'page')), keys.get('context', ['page']));
});
