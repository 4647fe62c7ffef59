import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { decodeBody, nestingExceeds, parseJsonBody, MAX_NESTING_DEPTH } from './parse.js';
import { stringifyJson } from '@eventpipe/core';
import { HttpError } from './errors.js';

const status = (code: number, message?: RegExp) => (error: unknown) =>
  error instanceof HttpError && error.statusCode === code && (!message || message.test(error.message));

test('nesting depth counts brackets outside strings only', () => {
  assert.equal(nestingExceeds('{"a":{"b":[1,{"c":2}]}}', 4), false);
  assert.equal(nestingExceeds('{"a":{"b":[1,{"c":2}]}}', 3), true);
  assert.equal(nestingExceeds(JSON.stringify({ s: '[[[[[[{{{{\\"[[[' }), 1), false);
  assert.equal(
    nestingExceeds('['.repeat(MAX_NESTING_DEPTH) + ']'.repeat(MAX_NESTING_DEPTH), MAX_NESTING_DEPTH),
    false,
  );
  assert.equal(nestingExceeds('['.repeat(100_000), MAX_NESTING_DEPTH), true);
  // Many brackets, shallow: the count alone must not refuse it.
  assert.equal(nestingExceeds(`[${'{"a":[]},'.repeat(100)}1]`, 3), false);
  assert.equal(nestingExceeds(`[${'{"a":[]},'.repeat(100)}1]`, 2), true);
});

test('JSON bodies: empty, malformed and absurdly nested ones are 400s naming the problem', () => {
  assert.deepEqual(parseJsonBody(' {"a":1} '), { value: { a: 1 }, text: ' {"a":1} ', lossless: false });
  assert.throws(() => parseJsonBody('  '), status(400, /empty/));
  assert.throws(() => parseJsonBody('{"a":'), status(400, /not valid JSON/));
  assert.throws(
    () => parseJsonBody('{"a":' + '['.repeat(65) + ']'.repeat(65) + '}'),
    status(400, /deeper than 64/),
  );
});

test('a leading byte-order mark is cut from the text kept, not only from what is parsed', () => {
  assert.deepEqual(parseJsonBody('\ufeff{"a":1}'), { value: { a: 1 }, text: '{"a":1}', lossless: false });
  assert.throws(() => parseJsonBody('\ufeff'), status(400, /empty/));
  assert.throws(() => parseJsonBody('\ufeff\ufeff{"a":1}'), status(400, /two byte-order marks/));
});

test('a body with a number a double cannot hold keeps its digits', () => {
  const text = '{"userId":1234567890123456789,"n":[1e400,12.5]}';
  const body = parseJsonBody(text);
  assert.equal(body.lossless, true);
  assert.equal(stringifyJson(body.value), text);
  assert.throws(
    () => parseJsonBody('{"n":12345678901234567890,"__proto__":{"x":1}}'),
    status(400, /__proto__/),
  );
});

test('content encodings are undone within the size limit', async () => {
  const json = Buffer.from(JSON.stringify({ batch: [{ type: 'track' }] }));
  assert.deepEqual(await decodeBody(json, undefined, 1024), json);
  assert.deepEqual(await decodeBody(gzipSync(json), 'gzip', 1024), json);
  assert.deepEqual(await decodeBody(brotliCompressSync(json), 'BR', 1024), json);
  // A gzip bomb: 64 KB of zeros shrinks to a few dozen bytes but must not expand past the limit.
  const bomb = gzipSync(Buffer.alloc(64 * 1024));
  assert.ok(bomb.length < 1024);
  await assert.rejects(decodeBody(bomb, 'gzip', 1024), status(413, /larger than the limit of 1024 bytes/));
  await assert.rejects(decodeBody(json, 'gzip', 1024), status(400, /not valid gzip/));
  await assert.rejects(decodeBody(json, 'zstd', 1024), status(415, /Content-Encoding "zstd"/));
});
