import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ackAll, HandBack } from './ack.js';
import type { Delivery } from '../consume.js';

function delivery(seq: number, calls: string[]): Delivery {
  return {
    origin: 'EVENTS-1',
    seq,
    subject: 'events.web.track',
    data: Buffer.from('{}'),
    info: { deliveryCount: 1 },
    ack: () => calls.push(`ack ${seq}`),
    nak: () => calls.push(`nak ${seq}`),
    working: () => calls.push(`working ${seq}`),
  };
}

test('HandBack naks nothing while holding, then each sequence once with its latest handle, then flushes', async () => {
  const calls: string[] = [];
  const handBack = new HandBack();
  handBack.hold([delivery(1, calls), delivery(2, calls)]);
  const redelivered: string[] = [];
  handBack.hold([delivery(2, redelivered), delivery(3, calls)]);
  assert.equal(calls.length, 0, 'held, not yet handed back');
  assert.equal(await handBack.nakAll(async () => void calls.push('flush')), 3);
  assert.deepEqual(calls, ['nak 1', 'nak 3', 'flush']);
  assert.deepEqual(redelivered, ['nak 2']);
  assert.equal(await handBack.nakAll(async () => undefined), 0, 'emptied');
});

test('ackAll acks every message, then waits for the flush round trip', async () => {
  const calls: string[] = [];
  await ackAll([delivery(1, calls), delivery(2, calls)], async () => {
    calls.push('flush');
  });
  assert.deepEqual(calls, ['ack 1', 'ack 2', 'flush']);
});
