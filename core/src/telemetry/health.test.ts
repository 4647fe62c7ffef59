import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveAnswer, readyAnswer } from './health.js';

test('live: 200 {status:"live"}, or 503 with the reason', () => {
  assert.deepEqual(liveAnswer(undefined), { statusCode: 200, body: { status: 'live' } });
  assert.deepEqual(liveAnswer('the batch loop stopped'), {
    statusCode: 503,
    body: { status: 'not live', reason: 'the batch loop stopped' },
  });
});

test('ready: 200 {status:"ready"}, or 503 {status:"not ready", reason}', () => {
  assert.deepEqual(readyAnswer(undefined), { statusCode: 200, body: { status: 'ready' } });
  assert.deepEqual(readyAnswer('not connected to NATS'), {
    statusCode: 503,
    body: { status: 'not ready', reason: 'not connected to NATS' },
  });
});
