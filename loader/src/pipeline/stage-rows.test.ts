import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadBatch } from '../load/warehouse.js';
import { stageRows } from './stage-rows.js';

test("stage rows writes the planned load's tables under its batch id, when asked", async () => {
  const planned: LoadBatch = {
    batchId: 'B1',
    firstSequence: 1,
    lastSequence: 2,
    sources: [
      {
        sourceId: 'web',
        schema: 'web',
        tables: [{ table: 'tracks', mode: 'append', columns: [], rows: [{ id: 'm1' }] }],
      },
    ],
  };
  const calls: string[] = [];
  const keys = await stageRows(
    {
      stageRows: async (batchId, sources) => {
        calls.push(`${batchId}:${sources.flatMap((s) => s.tables.map((t) => t.table)).join(',')}`);
        return { 'web.tracks': 'load/web/tracks/B1.ndjson.gz' };
      },
    },
    planned,
    true,
  );
  assert.deepEqual(calls, ['B1:tracks']);
  assert.deepEqual(keys, { 'web.tracks': 'load/web/tracks/B1.ndjson.gz' });
});

test('stage rows writes nothing unless row files are asked for', async () => {
  const planned: LoadBatch = { batchId: 'B1', firstSequence: 1, lastSequence: 1, sources: [] };
  const keys = await stageRows({ stageRows: async () => assert.fail('no file is written') }, planned, false);
  assert.deepEqual(keys, {});
});
