/**
 * Graceful close against real NATS: closing while a batch is being published still stores the whole
 * batch and answers 200, close does not wait for the client's keep-alive connection to time out, and
 * afterwards the port no longer accepts requests. (The exact in-flight ordering is pinned down with a
 * gated publisher in collector/src/app.test.ts.)
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { startHarness } from './harness.js';

test('close() during a batch: the batch is stored and answered, then the port is closed', async () => {
  const harness = await startHarness();
  after(() => harness.close());
  const batch = Array.from({ length: 2_500 }, (_, i) => ({
    type: 'track',
    userId: 'u',
    event: 'E',
    messageId: `m-${i}`,
  }));
  const nc = await connect({ servers: harness.nats.url });
  after(() => nc.close());
  const jsm = await jetstreamManager(nc);

  const inFlight = harness.post('/v1/batch', { batch });
  // Close as soon as the collector has begun publishing the batch.
  const deadline = Date.now() + 5_000;
  while ((await jsm.streams.info(harness.config.nats.stream)).state.messages === 0) {
    assert.ok(Date.now() < deadline, 'the batch was not being published within 5 s');
  }
  const closeStarted = Date.now();
  const closed = harness.collector.close();

  assert.equal((await inFlight).status, 200);
  await closed;
  assert.ok(Date.now() - closeStarted < 5_000, `close took ${Date.now() - closeStarted} ms`);
  assert.equal((await harness.stored()).length, batch.length);
  await assert.rejects(harness.post('/v1/track', { userId: 'u', event: 'E' }), /fetch failed/);
});
