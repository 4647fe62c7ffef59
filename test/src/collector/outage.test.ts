/**
 * NATS goes away mid-traffic: the collector answers 503 + Retry-After within its bound, stays up
 * (live, not ready), and once NATS is back the SDK's retries are stored exactly once.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './harness.js';

const PUBLISH_TIMEOUT_MS = 500;
const RETRY_AFTER_SECONDS = 1;

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} within ${timeoutMs} ms`);
}

const getStatus = async (harness: Harness, path: string) =>
  (await fetch(new URL(path, harness.collector.url), { signal: AbortSignal.timeout(5_000) })).status;

test('NATS down: 503 with Retry-After within the bound; after NATS returns, retries are stored once', async () => {
  const harness = await startHarness({
    publishTimeoutMs: PUBLISH_TIMEOUT_MS,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
  });
  after(() => harness.close());
  const batch = (ids: string[]) => ({
    batch: ids.map((id) => ({ type: 'track', userId: 'u', event: 'E', messageId: id })),
  });

  assert.equal((await harness.post('/v1/batch', batch(['before-1']))).status, 200);

  await harness.nats.stop({ kill: true });
  const pending = ['during-1', 'during-2', 'during-3'];
  for (const request of [batch(pending), batch(pending.slice(0, 1))]) {
    const started = Date.now();
    const response = await harness.post('/v1/batch', request);
    const elapsed = Date.now() - started;
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('retry-after'), String(RETRY_AFTER_SECONDS));
    assert.match(((await response.json()) as { error: string }).error, /events not stored, retry later/);
    assert.ok(elapsed < PUBLISH_TIMEOUT_MS + 1_000, `answered after ${elapsed} ms`);
  }
  assert.equal(await getStatus(harness, '/health/live'), 200, 'the process is up');
  await waitFor(
    'not ready while NATS is down',
    async () => (await getStatus(harness, '/health/ready')) === 503,
  );

  await harness.nats.start();
  await waitFor(
    'ready again after NATS returned',
    async () => (await getStatus(harness, '/health/ready')) === 200,
  );
  // The SDK's retry of the refused request, and a second retry of part of it.
  assert.equal((await harness.post('/v1/batch', batch(pending))).status, 200);
  assert.equal((await harness.post('/v1/batch', batch(pending.slice(1)))).status, 200);

  const ids = (await harness.stored()).map((s) => s.envelope.messageId);
  assert.deepEqual(ids.slice().sort(), ['before-1', ...pending].sort());
});
