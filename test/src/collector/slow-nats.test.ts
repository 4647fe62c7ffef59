/**
 * A slow NATS, not a dead one: nats-server stopped with SIGSTOP keeps its TCP connections open, so
 * publishes are written and never acknowledged (unlike outage.test.ts, where the connection drops).
 * The collector answers 503 + Retry-After within its publish timeout, refuses at once what would pass
 * its in-flight bound instead of queueing it, and once NATS runs again the SDK's retries are stored
 * exactly once, also those JetStream stored late from the socket after the 503 was sent.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { startHarness } from './harness.js';

const PUBLISH_TIMEOUT_MS = 1_000;

/** The pid of the nats-server (not its supervisor) whose command line names `storeDir`, unique per test server. */
function natsPid(storeDir: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmdline[0]!.endsWith('/nats-server') && cmdline.some((arg) => arg.includes(storeDir))) {
        return Number(entry);
      }
    } catch {
      // the process ended while we looked
    }
  }
  throw new Error(`no nats-server process with ${storeDir}`);
}

const batch = (ids: string[]) => ({
  batch: ids.map((id) => ({ type: 'track', userId: 'u', event: 'E', messageId: id })),
});

test('NATS stopped (SIGSTOP): 503 within the publish timeout, the in-flight bound refuses at once, retries stored once', async () => {
  const harness = await startHarness({
    publishTimeoutMs: PUBLISH_TIMEOUT_MS,
    retryAfterSeconds: 2,
    maxInflightEvents: 4,
  });
  const pid = natsPid(harness.nats.storeDir);
  let stopped = false;
  after(async () => {
    if (stopped) process.kill(pid, 'SIGCONT');
    await harness.close();
  });
  assert.equal((await harness.post('/v1/batch', batch(['before-1']))).status, 200);

  process.kill(pid, 'SIGSTOP');
  stopped = true;
  const slow = ['slow-1', 'slow-2', 'slow-3'];
  let started = Date.now();
  const slowAnswer = harness.post('/v1/batch', batch(slow));
  await new Promise((resolve) => setTimeout(resolve, 200));

  const over = ['over-1', 'over-2'];
  const overStarted = Date.now();
  const refused = await harness.post('/v1/batch', batch(over));
  const overElapsed = Date.now() - overStarted;
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get('retry-after'), '2');
  assert.ok(overElapsed < PUBLISH_TIMEOUT_MS / 2, `refused at once, not queued: ${overElapsed} ms`);

  const timedOut = await slowAnswer;
  const elapsed = Date.now() - started;
  assert.equal(timedOut.status, 503);
  assert.ok(elapsed < PUBLISH_TIMEOUT_MS + 1_000, `answered within the bound: ${elapsed} ms`);

  process.kill(pid, 'SIGCONT');
  stopped = false;
  // The SDK's retries of both refused requests, one after the other: sent together, their five events
  // would pass the in-flight bound of four and one would be refused for that, not for NATS.
  started = Date.now();
  for (const ids of [slow, over]) {
    for (;;) {
      const retry = await harness.post('/v1/batch', batch(ids));
      if (retry.status === 200) break;
      assert.ok(
        Date.now() - started < 15_000,
        `still ${retry.status} for ${ids.join(',')} after NATS resumed`,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  const ids = (await harness.stored()).map((s) => s.envelope.messageId);
  assert.deepEqual(ids.slice().sort(), ['before-1', ...slow, ...over].sort());
});
