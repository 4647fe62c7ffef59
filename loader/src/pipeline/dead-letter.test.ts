import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeadLetter } from '../load/warehouse.js';
import {
  deadLetterReason,
  maxDeliveriesDeadLetter,
  MAX_DELIVERIES_REASON,
  storeDeadLetters,
} from './dead-letter.js';
import { createLoaderMetrics } from './metrics.js';

const ORIGIN = 'EVENTS-20240501T100000Z';
const message = (seq: number, body: string) => ({
  origin: ORIGIN,
  seq,
  subject: 'events.web.track',
  data: Buffer.from(body),
});

test('max deliveries: an envelope is kept whole under its own message id', () => {
  const envelope = {
    v: 1,
    sourceId: 'web',
    type: 'track',
    messageId: 'm1',
    receivedAt: '2024-05-01T10:20:30.000Z',
    event: { type: 'track', event: 'Clicked' },
  };
  assert.deepEqual(maxDeliveriesDeadLetter(ORIGIN, 7, message(7, JSON.stringify(envelope))), {
    sourceId: 'web',
    messageId: 'm1',
    origin: ORIGIN,
    streamSequence: 7,
    reason: MAX_DELIVERIES_REASON,
    envelope,
  });
});

test('max deliveries: a message that is no envelope keeps its text and says why', () => {
  const entry = maxDeliveriesDeadLetter(ORIGIN, 8, message(8, 'not json{'));
  assert.equal(entry.messageId, 'nats-seq-8');
  assert.equal(entry.sourceId, 'web');
  assert.equal(entry.envelope, 'not json{');
  assert.match(entry.reason, /^max deliveries exceeded; not JSON/);
});

test('max deliveries: a message the stream no longer holds is still recorded', () => {
  assert.deepEqual(maxDeliveriesDeadLetter(ORIGIN, 9, undefined), {
    sourceId: 'unknown',
    messageId: 'nats-seq-9',
    origin: ORIGIN,
    streamSequence: 9,
    reason: 'max deliveries exceeded; the stream no longer holds the message',
    envelope: null,
  });
});

test('dead letter reasons become a small fixed set of labels', () => {
  assert.equal(
    deadLetterReason({ reason: 'max deliveries exceeded; the stream no longer holds the message' }),
    'max_deliveries',
  );
  assert.equal(deadLetterReason({ reason: 'load: value too long for type character varying(5)' }), 'load');
  assert.equal(deadLetterReason({ reason: 'transform: boom' }), 'transform');
  assert.equal(deadLetterReason({ reason: 'enrich: bad' }), 'enrich');
  assert.equal(deadLetterReason({ reason: 'not JSON: Unexpected token' }), 'undecodable');
  assert.equal(deadLetterReason({ reason: 'envelope has no sourceId' }), 'undecodable');
});

test('storeDeadLetters stores them in one call and counts them by source and reason', async () => {
  const entry = (messageId: string, reason: string): DeadLetter => ({
    sourceId: 'web',
    messageId,
    origin: ORIGIN,
    streamSequence: 1,
    reason,
    envelope: null,
  });
  const stored: DeadLetter[][] = [];
  const metrics = createLoaderMetrics();
  await storeDeadLetters(
    { deadLetter: async (entries) => void stored.push(entries) },
    [entry('a', 'load: bad'), entry('b', 'load: worse'), entry('c', 'not JSON')],
    metrics,
  );
  assert.deepEqual(
    stored.map((call) => call.map((d) => d.messageId)),
    [['a', 'b', 'c']],
  );
  assert.deepEqual(
    (await metrics.deadLettered.get()).values.map((v) => [v.labels.reason, v.value]),
    [
      ['load', 2],
      ['undecodable', 1],
    ],
  );
});
