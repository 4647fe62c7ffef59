import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildJsonPaths, buildManifest, copyObjectKeys, s3Url } from './manifest.js';

test('manifest and jsonpaths live beside the load file of the batch', () => {
  assert.deepEqual(copyObjectKeys('pipe/load/web/order_completed/b-000042.ndjson.gz'), {
    manifest: 'pipe/load/web/order_completed/b-000042.manifest',
    jsonpaths: 'pipe/load/web/order_completed/b-000042.jsonpaths',
  });
});

test('a load file that is not gzipped NDJSON is refused, naming the key', () => {
  assert.throws(() => copyObjectKeys('load/web/tracks/b1.csv'), /"load\/web\/tracks\/b1\.csv".*\.ndjson\.gz/);
});

test('the manifest lists every load file as mandatory, so a missing file fails the COPY', () => {
  assert.equal(
    buildManifest('events-bucket', ['load/web/tracks/b1.ndjson.gz', 'load/web/tracks/b1-2.ndjson.gz']),
    `{
  "entries": [
    {
      "url": "s3://events-bucket/load/web/tracks/b1.ndjson.gz",
      "mandatory": true
    },
    {
      "url": "s3://events-bucket/load/web/tracks/b1-2.ndjson.gz",
      "mandatory": true
    }
  ]
}`,
  );
  assert.throws(() => buildManifest('b', []), /at least one load file/);
  assert.equal(s3Url('b', 'k/x'), 's3://b/k/x');
});

test('jsonpaths lists every column, in order, in bracket notation', () => {
  const columns = ['id', 'received_at', 'context_page_url', 'größe', 'select', 'a$b'];
  const parsed = JSON.parse(buildJsonPaths(columns)) as { jsonpaths: string[] };
  assert.deepEqual(parsed.jsonpaths, [
    "$['id']",
    "$['received_at']",
    "$['context_page_url']",
    "$['größe']",
    "$['select']",
    "$['a$b']",
  ]);
});

test('a column name JSONPath cannot express is refused rather than mis-mapped', () => {
  assert.throws(() => buildJsonPaths(["it's"]), /cannot be written as a Redshift JSONPath/);
  assert.throws(() => buildJsonPaths(['a\\b']), /cannot be written/);
  assert.throws(() => buildJsonPaths([]), /at least one column/);
});
