import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLosslessNumber } from '../json.js';
import { decodeEnvelope } from './decode.js';
import { encodeEnvelope } from './encode.js';
import type { Envelope } from './types.js';

const valid = {
  v: 1,
  sourceId: 'web',
  type: 'track',
  messageId: 'm-1',
  receivedAt: '2024-05-01T10:00:00.000Z',
  event: { type: 'track', event: 'E' },
};

const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

test('what the collector encodes decodes to the same envelope, numbers as the client wrote them', () => {
  const eventJson = '{"type":"track","event":"E","userId":12345678901234567890,"properties":{"n":1.5}}';
  const envelope: Envelope = { ...(valid as Envelope), batchContext: { app: { name: 'a' } } };
  const decoded = decodeEnvelope(bytes(encodeEnvelope(envelope, eventJson, '{"app":{"name":"a"}}')));
  assert.ok(decoded.ok);
  const { event, ...fields } = decoded.envelope;
  const { event: _sent, ...sentFields } = envelope;
  assert.deepEqual(fields, sentFields);
  assert.ok(isLosslessNumber(event.userId) && event.userId.value === '12345678901234567890');
  assert.deepEqual(event.properties, { n: 1.5 });
});

test('a view of a larger buffer decodes only its own bytes', () => {
  const text = JSON.stringify(valid);
  const buffer = Buffer.from(`xx${text}yy`);
  const decoded = decodeEnvelope(buffer.subarray(2, 2 + text.length));
  assert.ok(decoded.ok);
  assert.equal(decoded.envelope.messageId, 'm-1');
});

test('anything else is refused with the reason a dead letter keeps', () => {
  const cases: [unknown, RegExp][] = [
    ['{"v":1,', /^not JSON: /],
    [[valid], /^not an envelope: not an object$/],
    ['null', /^not an envelope: not an object$/],
    [{ ...valid, v: 2 }, /^not an envelope: unknown version 2$/],
    [{ ...valid, sourceId: '' }, /^not an envelope: sourceId missing$/],
    [{ ...valid, messageId: 7 }, /^not an envelope: messageId missing$/],
    [{ ...valid, receivedAt: undefined }, /^not an envelope: receivedAt missing$/],
    [{ ...valid, receivedAt: 'yesterday' }, /^not an envelope: receivedAt is not a date$/],
    [{ ...valid, type: 'click' }, /^not an envelope: unknown type "click"$/],
    [{ ...valid, event: ['E'] }, /^not an envelope: event missing$/],
    [{ ...valid, event: null }, /^not an envelope: event missing$/],
  ];
  for (const [value, reason] of cases) {
    const decoded = decodeEnvelope(bytes(value));
    assert.equal(decoded.ok, false, JSON.stringify(value));
    assert.match(decoded.ok ? '' : decoded.reason, reason);
  }
});
