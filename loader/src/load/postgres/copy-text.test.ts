import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Column } from '../../transform/types.js';
import { copyChunks, copyField, copyLine, escapeCopyText } from './copy-text.js';

test('escapes exactly the characters COPY text format gives a meaning', () => {
  assert.equal(escapeCopyText('a\tb\nc\rd\\e'), 'a\\tb\\nc\\rd\\\\e');
  assert.equal(
    escapeCopyText('plain "quoted" ; DROP TABLE x; ünïcödé 🎉'),
    'plain "quoted" ; DROP TABLE x; ünïcödé 🎉',
  );
  assert.equal(escapeCopyText('\\N'), '\\\\N', 'a literal \\N string is not NULL');
});

test('fields follow the column type', () => {
  assert.equal(copyField(null, 'text'), '\\N');
  assert.equal(copyField(undefined, 'bigint'), '\\N');
  assert.equal(copyField(true, 'boolean'), 't');
  assert.equal(copyField(false, 'boolean'), 'f');
  assert.equal(copyField(42, 'bigint'), '42');
  assert.equal(copyField(1.5, 'double'), '1.5');
  assert.equal(copyField('2024-05-01T10:00:00.000Z', 'timestamp'), '2024-05-01T10:00:00.000Z');
  assert.equal(copyField(new Date('2024-05-01T10:00:00Z'), 'timestamp'), '2024-05-01T10:00:00.000Z');
  // Widened columns: earlier scalar types read as text the way PostgreSQL's casts print them.
  assert.equal(copyField(true, 'text'), 'true');
  assert.equal(copyField(7, 'text'), '7');
  assert.equal(copyField({ a: 1 }, 'text'), '{"a":1}');
  // json: always serialised (a string too), escapes applied to the serialised text.
  assert.equal(copyField({ a: 'x\ty', b: [1, null] }, 'json'), '{"a":"x\\\\ty","b":[1,null]}');
  assert.equal(copyField('s', 'json'), '"s"');
  assert.equal(copyField([], 'json'), '[]');
});

const columns: Column[] = [
  { name: 'id', type: 'text' },
  { name: 'n', type: 'bigint' },
  { name: 'p', type: 'json' },
];

test('a line is the tab-joined fields in column order, missing columns as NULL', () => {
  assert.equal(copyLine({ p: { k: 1 }, id: 'm1' }, columns), 'm1\t\\N\t{"k":1}\n');
});

test('a row without a property named like an Object method has NULL there, not the method', () => {
  // Found by the collector-to-warehouse property: a batch where one event had `constructor` and the
  // next did not loaded "function Object() { [native code] }" into the next row.
  const inherited: Column[] = ['constructor', 'toString', '__proto__', 'hasOwnProperty'].map((name) => ({
    name,
    type: 'text',
  }));
  assert.equal(copyLine({}, inherited), '\\N\t\\N\t\\N\t\\N\n');
});

test('chunks hold whole lines, about the requested size, and lose nothing', () => {
  const rows = Array.from({ length: 1000 }, (_, i) => ({
    id: `m${i}`,
    n: i,
    p: { text: 'x'.repeat(i % 50) },
  }));
  const chunks = [...copyChunks(rows, columns, 4096)];
  assert.ok(chunks.length > 5, `expected several chunks, got ${chunks.length}`);
  for (const chunk of chunks.slice(0, -1)) {
    assert.ok(chunk.endsWith('\n'));
    assert.ok(chunk.length >= 4096 && chunk.length < 4096 + 200, `chunk of ${chunk.length}`);
  }
  assert.equal(chunks.join(''), rows.map((r) => copyLine(r, columns)).join(''));
  assert.deepEqual([...copyChunks([], columns)], []);
});
