/**
 * More events awaiting their PubAck than `collector.maxInflightEvents`: further requests are refused
 * at once with 503 + Retry-After (not after the publish timeout, and without queueing their payloads),
 * and once JetStream answers again the SDK's retries are stored exactly once.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './harness.js';

const PUBLISH_TIMEOUT_MS = 1_500;
const RETRY_AFTER_SECONDS = 3;

const batch = (ids: string[]) => ({
  batch: ids.map((id) => ({ type: 'track', userId: 'u', event: 'E', messageId: id })),
});

test('over maxInflightEvents: 503 + Retry-After at once; the retries are stored once', async () => {
  const harness = await startHarness({
    publishTimeoutMs: PUBLISH_TIMEOUT_MS,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    maxInflightEvents: 4,
  });
  after(() => harness.close());

  // No acks while NATS is away: the first request's events stay in flight until its deadline.
  await harness.nats.stop({ kill: true });
  const first = ['first-1', 'first-2', 'first-3'];
  const firstAnswer = harness.post('/v1/batch', batch(first));
  await new Promise((resolve) => setTimeout(resolve, 300));

  const second = ['second-1', 'second-2'];
  const started = Date.now();
  const refused = await harness.post('/v1/batch', batch(second));
  const elapsed = Date.now() - started;
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get('retry-after'), String(RETRY_AFTER_SECONDS));
  assert.match(
    ((await refused.json()) as { error: string }).error,
    /limit of 4 events awaiting acknowledgement/,
  );
  assert.ok(elapsed < PUBLISH_TIMEOUT_MS / 2, `refused after ${elapsed} ms, not at once`);

  // The first request meets its deadline: also a 503, so its SDK retries it too.
  assert.equal((await firstAnswer).status, 503);

  await harness.nats.start();
  const deadline = Date.now() + 10_000;
  let retried = await harness.post('/v1/batch', batch(first));
  while (retried.status !== 200 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    retried = await harness.post('/v1/batch', batch(first));
  }
  assert.equal(retried.status, 200, 'the first request is accepted once NATS is back');
  assert.equal((await harness.post('/v1/batch', batch(second))).status, 200);

  const ids = (await harness.stored()).map((s) => s.envelope.messageId);
  assert.deepEqual(ids.slice().sort(), [...first, ...second].sort());
});
