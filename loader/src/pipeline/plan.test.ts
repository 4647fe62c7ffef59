import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchId } from '../batch.js';
import type { SourceBatch } from '../transform/types.js';
import { decode } from './decode.js';
import { plan } from './plan.js';
import { delivery, envelope } from './test-fixtures.js';

test('plan names the load after its origin and sequences, so a redelivery gets the same id', () => {
  const { messages } = decode([delivery(7, envelope('a')), delivery(9, envelope('b'))]);
  const sources: SourceBatch[] = [{ sourceId: 'web', schema: 'web', tables: [] }];
  const planned = plan('EVENTS-1', messages, sources);
  assert.deepEqual(planned, {
    batchId: batchId('EVENTS-1', [7, 9]),
    firstSequence: 7,
    lastSequence: 9,
    sources,
  });
  assert.equal(plan('EVENTS-1', messages, sources).batchId, planned.batchId);
  assert.notEqual(plan('EVENTS-1', messages.slice(1), sources).batchId, planned.batchId);
});
