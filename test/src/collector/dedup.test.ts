/**
 * Exactly once at the edge: the same messageId sent as a single call, inside a batch, and again as a
 * client retry (gzip, the way RudderStack retries) is answered 200 each time and stored once.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { startHarness } from './harness.js';

test('one messageId sent three ways is stored once', async () => {
  const harness = await startHarness();
  after(() => harness.close());
  const event = { userId: 'u-1', event: 'Signed Up', messageId: 'dup-1', properties: { plan: 'pro' } };
  const other = { type: 'identify', userId: 'u-1', messageId: 'other-1' };

  const single = await harness.post('/v1/track', event);
  const batch = await harness.post('/v1/batch', { batch: [{ ...event, type: 'track' }, other] });
  const retry = await harness.post(
    '/v1/batch',
    gzipSync(JSON.stringify({ batch: [{ ...event, type: 'track' }] })),
    {
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' },
    },
  );
  assert.deepEqual(await Promise.all([single, batch, retry].map(async (r) => [r.status, await r.json()])), [
    [200, { success: true }],
    [200, { success: true }],
    [200, { success: true }],
  ]);

  const stored = await harness.stored();
  assert.deepEqual(
    stored.map((s) => [s.subject, s.msgId]),
    [
      ['events.web.track', 'web:dup-1'],
      ['events.web.identify', 'web:other-1'],
    ],
  );
  assert.deepEqual(stored[0]!.envelope.event, event);
});
