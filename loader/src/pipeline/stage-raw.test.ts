import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Envelope } from '@eventpipe/core';
import { decode } from './decode.js';
import { rawGroups, stageRaw } from './stage-raw.js';
import { delivery, envelope } from './test-fixtures.js';

const from = (sourceId: string, messageId: string, receivedAt: string): Envelope => ({
  ...envelope(messageId),
  sourceId,
  receivedAt,
});

test('raw groups: one per source, lines as consumed in stream order, named after the first hour', async () => {
  const { messages } = decode([
    delivery(1, from('web', 'a', '2024-05-01T10:00:00.000Z')),
    delivery(2, from('app', 'b', '2024-05-01T11:00:00.000Z')),
    delivery(3, from('web', 'c', '2024-05-01T12:00:00.000Z')),
  ]);
  const groups = rawGroups(messages);
  assert.deepEqual(
    groups.map((g) => [
      g.sourceId,
      g.receivedAt,
      g.lines.map((l) => JSON.parse(Buffer.from(l).toString()).messageId),
    ]),
    [
      ['web', '2024-05-01T10:00:00.000Z', ['a', 'c']],
      ['app', '2024-05-01T11:00:00.000Z', ['b']],
    ],
  );
  const staged: string[] = [];
  const keys = await stageRaw(
    {
      stageRaw: async (batchId, written) => {
        staged.push(`${batchId}:${written.map((g) => g.sourceId).join(',')}`);
        return ['k1', 'k2'];
      },
    },
    'B1',
    messages,
  );
  assert.deepEqual(staged, ['B1:web,app']);
  assert.deepEqual(keys, ['k1', 'k2']);
});
