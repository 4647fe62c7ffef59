import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEnvelope, encodeMessages, type RequestFacts } from './envelope.js';
import { HttpError } from './errors.js';
import type { Call } from './events.js';

const facts: RequestFacts = {
  sourceId: 'web',
  receivedAt: '2024-05-01T10:00:00.000Z',
  ip: '203.0.113.9',
  userAgent: 'sdk/1.0',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
};

const call = (event: Call['event']): Call => ({ type: 'track', event, eventJson: JSON.stringify(event) });

test('the envelope keeps the client messageId and the event own sentAt', () => {
  const event = { userId: 'u', event: 'E', messageId: 'm-1', sentAt: '2024-05-01T09:59:59.000Z' };
  const envelope = buildEnvelope(call(event), facts, {
    sentAt: '2000-01-01T00:00:00.000Z',
    context: { ip: '1.2.3.4' },
  });
  assert.deepEqual(envelope, {
    v: 1,
    sourceId: 'web',
    type: 'track',
    messageId: 'm-1',
    receivedAt: facts.receivedAt,
    sentAt: '2024-05-01T09:59:59.000Z',
    ip: facts.ip,
    userAgent: facts.userAgent,
    traceparent: facts.traceparent,
    batchContext: { ip: '1.2.3.4' },
    event,
  });
});

test('without a messageId one is assigned and marked; the batch sentAt fills in', () => {
  const envelope = buildEnvelope(
    call({ userId: 'u', event: 'E' }),
    { ...facts, ip: undefined },
    { sentAt: '2024-05-01T09:00:00.000Z' },
    () => 'assigned-1',
  );
  assert.equal(envelope.messageId, 'assigned-1');
  assert.equal(envelope.messageIdAssigned, true);
  assert.equal(envelope.sentAt, '2024-05-01T09:00:00.000Z');
  assert.equal('ip' in envelope, false);
  assert.equal('batchContext' in envelope, false);
});

test('what a request publishes is bounded in bytes, counted as the messages are built', () => {
  const calls = { calls: [0, 1, 2].map((index) => ({ ...call({ userId: 'u', event: 'E' }), index })) };
  const messages = encodeMessages(calls, facts, 'events', 10_000);
  assert.deepEqual(
    messages.map((m) => [m.subject, m.bytes === Buffer.byteLength(m.payload)]),
    [
      ['events.web.track', true],
      ['events.web.track', true],
      ['events.web.track', true],
    ],
  );
  const limit = messages[0]!.bytes * 2;
  assert.equal(encodeMessages(calls, facts, 'events', limit + messages[0]!.bytes).length, 3);
  assert.throws(
    () => encodeMessages(calls, facts, 'events', limit + messages[0]!.bytes - 1),
    (error: unknown) =>
      error instanceof HttpError &&
      error.statusCode === 413 &&
      /more than \d+ bytes in JetStream, the limit per request$/.test(error.message),
  );
});
