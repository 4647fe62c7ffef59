/**
 * A stream at its `max_bytes`: JetStream refuses new messages (discard `new`) instead of dropping
 * the oldest, unloaded ones; the collector answers 503 + Retry-After saying the buffer is full,
 * `/health/ready` says why, and every event that got a 200 is still in the stream.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './harness.js';

const RETRY_AFTER_SECONDS = 3;
/** Room for a handful of events: each stored envelope is a few hundred bytes. */
const MAX_BYTES = 4096;

const track = (id: string) => ({
  type: 'track',
  userId: 'u',
  event: 'Filled',
  messageId: id,
  properties: { padding: 'x'.repeat(200) },
});

test('stream full: 503 + Retry-After naming the full buffer, not ready, nothing accepted lost', async () => {
  const harness = await startHarness(
    { retryAfterSeconds: RETRY_AFTER_SECONDS, maxEventBytes: 1024 },
    { maxBytes: MAX_BYTES },
  );
  after(() => harness.close());

  const accepted: string[] = [];
  let refused: Response | undefined;
  for (let i = 0; i < 100 && !refused; i++) {
    const answer = await harness.post('/v1/track', track(`full-${i}`));
    if (answer.status === 200) accepted.push(`full-${i}`);
    else refused = answer;
  }
  assert.ok(refused, 'the stream never filled up');
  assert.ok(accepted.length > 2, `only ${accepted.length} events fitted`);
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get('retry-after'), String(RETRY_AFTER_SECONDS));
  assert.match(((await refused.json()) as { error: string }).error, /buffer .*full/i);

  const ready = await fetch(new URL('/health/ready', harness.collector.url));
  assert.equal(ready.status, 503);
  assert.match(((await ready.json()) as { reason: string }).reason, /full/i);

  // Discard `old` would have made room by deleting the first events; `new` keeps every one.
  const stored = (await harness.stored()).map((s) => s.envelope.messageId);
  assert.deepEqual(stored, accepted);
});
