import { test } from 'node:test';
import assert from 'node:assert/strict';
import { advisorySequence, maxDeliveriesSubject } from './max-deliveries.js';

test('the advisory subject names the stream and the consumer', () => {
  assert.equal(
    maxDeliveriesSubject('EVENTS', 'loader'),
    '$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.EVENTS.loader',
  );
});

test('advisorySequence reads stream_seq, and refuses what is not a sequence', () => {
  const advisory = (body: unknown) => Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  assert.equal(
    advisorySequence(
      advisory({
        type: 'io.nats.jetstream.advisory.v1.max_deliver',
        stream: 'EVENTS',
        consumer: 'loader',
        stream_seq: 42,
        deliveries: 20,
      }),
    ),
    42,
  );
  for (const bad of ['not json', { stream_seq: '42' }, { stream_seq: 0 }, { stream_seq: 1.5 }, null, {}]) {
    assert.equal(advisorySequence(advisory(bad)), undefined, JSON.stringify(bad));
  }
});
