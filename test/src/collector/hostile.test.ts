/**
 * Requests an adversary can send with a public write key, through a real nats-server: none of them may
 * take the collector down, and whatever is accepted is stored exactly as sent.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { parseJson, stringifyJson, type Envelope } from '@eventpipe/core';
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

/** Largest heap seen while `work` runs, above the heap at its start. */
async function heapGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const start = process.memoryUsage().heapUsed;
  let peak = start;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    return { result, growth: peak - start };
  } finally {
    clearInterval(sampler);
  }
}

test('batch context amplification: 413, nothing published, memory bounded', async () => {
  const before = (await harness.stored()).length;
  const calls = Array.from({ length: 1_000 }, () => ({ type: 'track', userId: 'u', event: 'E' }));
  const gzipped = (context: object) => gzipSync(JSON.stringify({ batch: calls, context }));
  const send = (body: Buffer) =>
    harness.post('/v1/batch', body, {
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });

  // The issue's request: a 400 KB context, 1,000 calls, under 1 KB on the wire.
  const huge = gzipped({ pad: 'x'.repeat(400_000) });
  assert.ok(huge.length < 1_024, `${huge.length} bytes`);
  const first = await heapGrowth(() => send(huge));
  assert.equal(first.result.status, 413);
  assert.match(
    ((await first.result.json()) as { error: string }).error,
    /"context" is 400\d+ bytes; it is stored with every call, so it must fit the limit of 32768 bytes per call/,
  );

  // Each call within the per-call limit with its context, the request not: 1,000 × 30 KB.
  const wide = gzipped({ pad: 'x'.repeat(30_000) });
  const second = await heapGrowth(() => send(wide));
  assert.equal(second.result.status, 413);
  assert.match(
    ((await second.result.json()) as { error: string }).error,
    /request would store more than 4194304 bytes in JetStream, the limit per request \(each call is stored with the batch's context of 30\d+ bytes\)/,
  );

  for (const { growth } of [first, second])
    assert.ok(growth < 64 * 1024 * 1024, `heap grew by ${growth} bytes`);
  assert.equal((await harness.stored()).length, before, 'nothing of either request was published');
});

test('a call over the event limit once the batch context is counted: 413 naming both', async () => {
  const response = await harness.post('/v1/batch', {
    batch: [{ type: 'track', userId: 'u', event: 'E', properties: { pad: 'y'.repeat(20_000) } }],
    context: { pad: 'x'.repeat(20_000) },
  });
  assert.equal(response.status, 413);
  assert.deepEqual(await response.json(), {
    error:
      "batch[0] (track) is 40075 bytes with the batch's context (20010 bytes of it), larger than the limit of 32768",
    field: '',
    index: 0,
  });
});

test('numbers keep the digits the client sent, on every route', async () => {
  // Text, not objects: a JavaScript number cannot hold these.
  const numbers =
    '"id19":1234567890123456789,"two70":1180591620717411303424,"big":1e400,"neg":-9007199254740993,"frac":0.12345678901234567891,"plain":12.5';
  const call = (id: string, extra = '') =>
    `{"userId":1234567890123456789,"event":"Exact","messageId":"${id}","properties":{${numbers}}${extra}}`;
  const requests: [string, string][] = [
    ['/v1/track', call('exact-single')],
    ['/v1/track', call('exact-single-key', ',"writeKey":"test-write-key-web"')],
    [
      '/v1/batch',
      `{"batch":[${call('exact-batch', ',"type":"track"')}],"context":{"n":98765432109876543210}}`,
    ],
  ];
  for (const [path, body] of requests) {
    // The key in the body is cut out of the stored call, which is then serialised again.
    const response = await harness.post(path, body, body.includes('writeKey') ? { writeKey: null } : {});
    assert.equal(response.status, 200, await response.text());
  }

  const stored = (await harness.stored()).filter((s) => s.envelope.messageId.startsWith('exact-'));
  assert.deepEqual(
    stored.map((s) => s.envelope.messageId),
    ['exact-single', 'exact-single-key', 'exact-batch'],
  );
  for (const { payload } of stored) {
    assert.ok(payload.includes(`"userId":1234567890123456789,`), payload);
    assert.ok(payload.includes(`"properties":{${numbers}}`), payload);
    // What the loader reads back: the same digits.
    const envelope = parseJson(payload) as Envelope;
    assert.ok(stringifyJson(envelope.event).includes(`"properties":{${numbers}}`));
  }
  assert.ok(stored[2]!.payload.includes('"batchContext":{"n":98765432109876543210}'));
});
