import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventsInBody, rejectionReason, unavailableCause } from './metrics.js';
import { unavailable } from './publish.js';
import { streamFullReason } from './stream-limits.js';

test('a 503 is labelled with its cause, read from the refusal the publisher makes', () => {
  const cause = (reason: string) => unavailableCause(unavailable(reason, 1).message);
  assert.equal(
    cause('the collector is at its limit of 10 events awaiting acknowledgement from NATS JetStream'),
    'inflight_limit',
  );
  assert.equal(cause('no acknowledgement from NATS JetStream within 2000 ms'), 'publish_timeout');
  assert.equal(cause('no JetStream stream stores subject events.web.track (stream missing?)'), 'no_stream');
  assert.equal(cause(streamFullReason('maximum bytes exceeded')), 'stream_full');
  assert.equal(cause('NATS: connection closed'), 'nats');
});

test('refusals are labelled by a fixed reason set and count the events of the body', () => {
  assert.deepEqual([400, 401, 404, 413, 415, 503, 500, 429, 418].map(rejectionReason), [
    'invalid',
    'unauthorized',
    'not_found',
    'too_large',
    'unsupported_media_type',
    'unavailable',
    'internal_error',
    'rate_limited',
    'other',
  ]);
  assert.equal(eventsInBody({ value: { batch: [{}, {}, {}] } }), 3);
  assert.equal(eventsInBody({ value: { batch: [] } }), 1);
  assert.equal(eventsInBody({ value: { event: 'x' } }), 1);
  assert.equal(eventsInBody(undefined), 1);
  assert.equal(eventsInBody({ value: null }), 1);
});
