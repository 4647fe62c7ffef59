/**
 * Requests an adversary can send with a public write key, through a real nats-server: none of them may
 * take the collector down, and whatever is accepted is stored exactly as sent.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseJson, type Envelope } from '@eventpipe/core';
import { startHarness, type Harness } from './harness.js';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

/** U+0000–U+001F, U+007F and U+2028: what broke the NATS header code or trips up line-based tools. */
const CONTROL_CHARS = [
  ...Array.from({ length: 0x20 }, (_, code) => String.fromCharCode(code)),
  '\u007f',
  '\u2028',
];

const awkwardCall = (char: string, route: string) => {
  const code = char.charCodeAt(0).toString(16);
  return {
    userId: `user${char}${code}`,
    event: `Event${char}name`,
    messageId: `${route}${char}${code}`,
    properties: { [`key${char}${code}`]: `value${char}` },
  };
};

test('control characters in ids, event names and property keys: answered, stored exactly', async () => {
  const sent = new Map<string, object>();
  for (const char of CONTROL_CHARS) {
    const call = awkwardCall(char, 'single');
    sent.set(call.messageId, call);
    const response = await harness.post('/v1/track', call);
    assert.equal(response.status, 200, `U+${char.charCodeAt(0).toString(16)}: ${await response.text()}`);
  }
  const batch = CONTROL_CHARS.map((char) => ({ type: 'track', ...awkwardCall(char, 'batch') }));
  for (const call of batch) sent.set(call.messageId, call);
  const response = await harness.post('/v1/batch', { batch });
  assert.equal(response.status, 200, await response.text());

  // Still answering: the process survived every one of them.
  assert.equal((await fetch(new URL('/health/live', harness.collector.url))).status, 200);

  const stored = (await harness.stored()).filter((s) => sent.has(s.envelope.messageId));
  assert.equal(stored.length, sent.size, 'every call stored once');
  for (const { envelope, msgId } of stored) {
    assert.deepEqual(envelope.event, sent.get(envelope.messageId));
    assert.match(msgId!, /^web:[!-~]+$/, 'the dedup header is printable ASCII');
  }
  assert.equal(new Set(stored.map((s) => s.msgId)).size, stored.length, 'distinct ids stay distinct');
});

test('a body starting with a byte-order mark is stored as the JSON that was validated', async () => {
  const single = { userId: 'u', event: 'BOM single', messageId: 'bom-single' };
  const batch = { batch: [{ type: 'track', userId: 'u', event: 'BOM batch', messageId: 'bom-batch' }] };
  for (const [path, body] of [
    ['/v1/track', single],
    ['/v1/batch', batch],
  ] as const) {
    const response = await harness.post(path, `\ufeff${JSON.stringify(body)}`);
    assert.equal(response.status, 200, await response.text());
  }
  const twice = await harness.post('/v1/track', `\ufeff\ufeff${JSON.stringify(single)}`);
  assert.equal(twice.status, 400);

  const stored = (await harness.stored()).filter((s) => s.envelope.messageId.startsWith('bom-'));
  assert.deepEqual(
    stored.map((s) => (parseJson(s.payload) as Envelope).event),
    [single, batch.batch[0]],
    'the loader can parse what was stored',
  );
});
