import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schemaClashes } from './source-schemas.js';

test('sources whose ids name one warehouse schema are reported, naming both', () => {
  assert.deepEqual(schemaClashes(['web', 'web_'], 63), [
    'sources "web" and "web_" both load into warehouse schema "web": rename one of them',
  ]);
  assert.equal(schemaClashes(['a_b', 'a__b'], 63).length, 1);
  assert.match(schemaClashes(['user', 'source_user'], 63)[0]!, /"user" and "source_user".*"source_user"/);
});

test('distinct schemas, and a source listed twice, are no clash', () => {
  assert.deepEqual(schemaClashes(['web', 'app', 'web_app', 'web'], 63), []);
});
