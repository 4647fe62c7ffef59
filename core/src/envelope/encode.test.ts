import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEnvelope } from './encode.js';
import type { Envelope, SegmentEvent } from './types.js';

const envelopeOf = (event: SegmentEvent, batchContext?: Record<string, unknown>): Envelope => ({
  v: 1,
  sourceId: 'web',
  type: 'track',
  messageId: 'm-1',
  receivedAt: '2024-05-01T10:00:00.000Z',
  ip: '203.0.113.9',
  userAgent: 'sdk/1.0',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  ...(batchContext !== undefined && { batchContext }),
  event,
});

test('the encoded envelope is the envelope as JSON, event last', () => {
  const event = { userId: 'u', event: 'E', properties: { nested: { a: [1, 'two'] }, quote: '"' } };
  const eventJson = JSON.stringify(event);
  const envelope = envelopeOf(event);
  const encoded = encodeEnvelope(envelope, eventJson);
  assert.deepEqual(JSON.parse(encoded), envelope);
  assert.ok(encoded.endsWith(`"event":${eventJson}}`));
});

test("the batch's context is spliced in from its one serialisation", () => {
  const event = { userId: 'u', event: 'E' };
  const batch = { context: { app: { name: 'a' } }, contextJson: '{"app":{"name":"a"}}' };
  const envelope = envelopeOf(event, batch.context);
  assert.deepEqual(JSON.parse(encodeEnvelope(envelope, JSON.stringify(event), batch.contextJson)), envelope);
});
