import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from './decode.js';
import { enrich } from './enrich.js';
import { delivery, envelope } from './test-fixtures.js';

test('enrich hands the envelopes in order to the enrichments and returns their events', async () => {
  const { messages } = decode([delivery(1, envelope('m1')), delivery(2, envelope('m2'))]);
  const events = await enrich(messages, async (envelopes) =>
    envelopes.map((e) => ({ envelope: e, enriched: { seen: e.messageId } })),
  );
  assert.deepEqual(
    events.map((e) => [e.envelope.messageId, e.enriched?.seen]),
    [
      ['m1', 'm1'],
      ['m2', 'm2'],
    ],
  );
});
