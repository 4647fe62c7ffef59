import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ndjsonBody, ndjsonLine, ndjsonRows } from './stage.js';

test('a raw line is the message bytes themselves, unless they hold a line break', () => {
  const plain = Buffer.from('{"a":"x\\ny"}');
  assert.equal(ndjsonLine(plain), plain, 'no copy for the common case');
  // A line break is whitespace between tokens: a space keeps the JSON and every digit as sent.
  const pretty = Buffer.from('{\n  "a": 1234567890123456789,\n "b": 1e400\n}');
  assert.equal(Buffer.from(ndjsonLine(pretty)).toString(), '{   "a": 1234567890123456789,  "b": 1e400 }');
});

test('ndjson bodies end every line with a newline', () => {
  const body = ndjsonBody([Buffer.from('{"a":1}'), Buffer.from('{"ü":"é"}')]);
  assert.equal(body.toString('utf8'), '{"a":1}\n{"ü":"é"}\n');
  assert.equal(ndjsonBody([]).length, 0);
  assert.equal(ndjsonRows([{ id: 'a', n: 1 }, { id: 'b\n' }]), '{"id":"a","n":1}\n{"id":"b\\n"}\n');
  assert.equal(ndjsonRows([]), '');
});
