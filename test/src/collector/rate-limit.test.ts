/**
 * Rate limits, per client IP and per source: past the burst, 429 with `Retry-After` and
 * `x-ratelimit-reset` (readable by browser SDKs through CORS), a message naming the limit, and
 * nothing of the refused request stored. Off by default.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './harness.js';

const track = (id: string) => ({ type: 'track', userId: 'u', event: 'E', messageId: id });

test('per IP: the burst is accepted, then 429 with the wait; probes are not limited', async () => {
  const harness = await startHarness({ rateLimitPerIp: 0.5, rateLimitPerIpBurst: 2 });
  after(() => harness.close());

  assert.equal((await harness.post('/v1/track', track('ip-1'))).status, 200);
  assert.equal((await harness.post('/v1/track', track('ip-2'))).status, 200);
  const refused = await harness.post('/v1/track', track('ip-3'), {
    headers: { origin: 'https://shop.example' },
  });
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get('retry-after'), '2');
  assert.equal(refused.headers.get('x-ratelimit-reset'), '2');
  assert.match(refused.headers.get('access-control-expose-headers') ?? '', /x-ratelimit-reset/);
  assert.match(((await refused.json()) as { error: string }).error, /for IP 127\.0\.0\.1 exceeded/);
  // Even a request without a valid key counts against its IP: it is refused before anything else.
  assert.equal((await harness.post('/v1/track', track('ip-4'), { writeKey: 'wrong-key-123' })).status, 429);
  assert.equal((await fetch(new URL('/health/live', harness.collector.url))).status, 200);

  const stored = (await harness.stored()).map((s) => s.envelope.messageId);
  assert.deepEqual(stored, ['ip-1', 'ip-2']);
});

test('per source: counted after the write key is checked', async () => {
  const harness = await startHarness({ rateLimitPerSource: 0.2, rateLimitPerSourceBurst: 2 });
  after(() => harness.close());

  // Refused keys do not spend the source's tokens.
  for (let i = 0; i < 5; i++) {
    assert.equal(
      (await harness.post('/v1/track', track(`bad-${i}`), { writeKey: 'wrong-key-123' })).status,
      401,
    );
  }
  assert.equal((await harness.post('/v1/track', track('src-1'))).status, 200);
  assert.equal((await harness.post('/v1/batch', { batch: [track('src-2')] })).status, 200);
  const refused = await harness.post('/v1/track', track('src-3'));
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get('x-ratelimit-reset'), '5');
  assert.equal(refused.headers.get('retry-after'), '5');
  assert.match(((await refused.json()) as { error: string }).error, /for source web exceeded/);

  const stored = (await harness.stored()).map((s) => s.envelope.messageId);
  assert.deepEqual(stored, ['src-1', 'src-2']);
});

test('off by default', async () => {
  const harness = await startHarness();
  after(() => harness.close());
  const answers = await Promise.all(
    Array.from({ length: 200 }, (_, i) => harness.post('/v1/track', track(`free-${i}`))),
  );
  assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200]));
});
