import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadBatch, LoadResult } from '../load/warehouse.js';
import { decode } from './decode.js';
import { countLoaded, load, rejectedValueCounts } from './load.js';
import { createLoaderMetrics } from './metrics.js';
import { delivery, envelope } from './test-fixtures.js';

test("rejectedValueCounts labels a load's rejected values by schema and table", () => {
  assert.deepEqual(rejectedValueCounts({ 'web.tracks': 3, 'app.order.v2': 1 }), [
    { schema: 'web', table: 'tracks', values: 3 },
    { schema: 'app', table: 'order.v2', values: 1 },
  ]);
});

test('load hands the planned batch to the warehouse; its rows are counted, its values once', async () => {
  const planned: LoadBatch = {
    batchId: 'B1',
    firstSequence: 1,
    lastSequence: 1,
    sources: [{ sourceId: 'web', schema: 'web', tables: [], surrogatesReplaced: 2 }],
  };
  const first: LoadResult = {
    alreadyLoaded: false,
    rowsByTable: { 'web.tracks': 1 },
    rejectedByTable: { 'web.tracks': 3 },
    migrations: [],
  };
  const loaded: LoadBatch[] = [];
  const result = await load({ load: async (b) => (loaded.push(b), first) }, planned);
  assert.deepEqual(loaded, [planned]);
  const metrics = createLoaderMetrics();
  const { messages } = decode([delivery(1, envelope('m1'))]);
  countLoaded(metrics, result, planned, messages);
  countLoaded(metrics, { ...first, alreadyLoaded: true, rejectedByTable: {} }, planned, messages);
  const values = async (name: 'rowsLoaded' | 'rejectedValues' | 'surrogatesReplaced') =>
    (await metrics[name].get()).values.map((v) => v.value);
  assert.deepEqual(await values('rowsLoaded'), [2]);
  assert.deepEqual(await values('rejectedValues'), [3]);
  assert.deepEqual(await values('surrogatesReplaced'), [2]);
  assert.equal(
    (await metrics.eventToWarehouseSeconds.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value,
    1,
  );
});
