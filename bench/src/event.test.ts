import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateEvent } from '@eventpipe/core';
import { BENCH_SOURCE, benchEnvelope, benchEvent, outgoing } from './event.js';

test('bench events are valid track calls of about 1 KB with unique ids', () => {
  const a = benchEvent('r');
  const b = benchEvent('r');
  assert.notEqual(a.messageId, b.messageId);
  const bytes = JSON.stringify(a).length;
  assert.ok(bytes > 800 && bytes < 1400, `${bytes} bytes`);
  assert.equal(validateEvent('track', a), undefined, 'the collector accepts it');
});

test('an envelope is published under its source and type with the dedup id the collector uses', () => {
  const envelope = benchEnvelope('r');
  const message = outgoing(envelope);
  assert.equal(message.subject, `events.${BENCH_SOURCE}.track`);
  assert.equal(message.msgID, `${BENCH_SOURCE}:${envelope.messageId}`);
  assert.deepEqual(JSON.parse(message.payload), envelope);
});
