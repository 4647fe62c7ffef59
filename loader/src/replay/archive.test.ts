import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLosslessNumber, stringifyJson } from '@eventpipe/core';
import { daysInRange, dayPrefix, parseArchive } from './archive.js';
import { selectTables } from './replay.js';
import { rawKey } from '../stage.js';
import type { SourceBatch } from '../transform/types.js';

test('a date range lists every UTC day, both ends included, across months', () => {
  assert.deepEqual(daysInRange('2026-02-27', '2026-03-02'), [
    '2026-02-27',
    '2026-02-28',
    '2026-03-01',
    '2026-03-02',
  ]);
  assert.deepEqual(daysInRange('2026-10-05', '2026-10-05'), ['2026-10-05']);
  assert.throws(() => daysInRange('2026-10-31', '2026-10-01'), /--to 2026-10-01 is before --from 2026-10-31/);
  assert.throws(() => daysInRange('2026-13-01', '2026-12-01'), /--from: "2026-13-01" is not a date/);
  assert.throws(() => daysInRange('2026-10-01', 'yesterday'), /--to: "yesterday" is not a date/);
});

test('the day prefix matches the keys the stager writes', () => {
  const key = rawKey('archive', 'web', '2026-10-05T13:14:15Z', 's1-2-abc');
  assert.equal(dayPrefix('archive', 'web', '2026-10-05'), 'archive/raw/web/dt=2026-10-05/');
  assert.ok(key.startsWith(dayPrefix('archive', 'web', '2026-10-05')));
  assert.equal(dayPrefix('', 'web', '2026-10-05'), 'raw/web/dt=2026-10-05/');
});

test('archive lines decode to envelopes; a damaged line names the object and line', () => {
  const envelope = {
    v: 1,
    sourceId: 'web',
    type: 'track',
    messageId: 'm1',
    receivedAt: '2026-10-05T13:14:15.000Z',
    event: { type: 'track', event: 'Signed Up', userId: 'u1' },
  };
  const text = `${JSON.stringify(envelope)}\n${JSON.stringify({ ...envelope, messageId: 'm2' })}\n`;
  assert.deepEqual(
    parseArchive('k', text).map((e) => [e.envelope.messageId, e.key, e.line]),
    [
      ['m1', 'k', 1],
      ['m2', 'k', 2],
    ],
  );
  assert.throws(
    () => parseArchive('raw/web/x.ndjson.gz', `${JSON.stringify(envelope)}\n{oops\n`),
    /raw\/web\/x\.ndjson\.gz line 2/,
  );
});

test('archive lines decode losslessly: a replay loads the digits the client sent', () => {
  const line =
    '{"v":1,"sourceId":"web","type":"track","messageId":"m1","receivedAt":"2024-05-01T00:00:00Z",' +
    '"event":{"type":"track","event":"Paid","userId":1234567890123456789,"properties":{"n":1e400,"x":1.5}}}';
  const [archived] = parseArchive('k', `${line}\n`);
  const envelope = archived!.envelope;
  const event = envelope.event as { userId: unknown; properties: { n: unknown; x: unknown } };
  assert.ok(isLosslessNumber(event.userId) && event.userId.value === '1234567890123456789');
  assert.ok(isLosslessNumber(event.properties.n) && event.properties.n.value === '1e400');
  assert.equal(event.properties.x, 1.5, 'a number a double holds stays a plain number');
  assert.equal(stringifyJson(envelope), line);
});

test('--tables keeps only the named tables', () => {
  const table = (name: string) => ({
    table: name,
    mode: 'append' as const,
    columns: [],
    rows: [{ id: name }],
  });
  const sources: SourceBatch[] = [
    { sourceId: 'web', schema: 'web', tables: [table('tracks'), table('pages'), table('order_completed')] },
  ];
  assert.equal(selectTables(sources, undefined), sources);
  assert.deepEqual(
    selectTables(sources, ['tracks', 'order_completed'])[0]!.tables.map((t) => t.table),
    ['tracks', 'order_completed'],
  );
  assert.deepEqual(selectTables(sources, ['identifies']), []);
});
