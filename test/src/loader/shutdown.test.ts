/**
 * A clean `close()` hands back every message the loader holds but has not loaded: a half-filled
 * batch, the batch it could not load, and what it had pulled beyond them. The next loader gets them
 * at once, not after `ack_wait` (set very long here, so that waiting for it would fail the test).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Config } from '@eventpipe/core';
import { startLoader } from '@eventpipe/loader/internal';
import {
  ackFloor,
  configOf,
  countRows,
  envelope,
  publish,
  settings,
  useServers,
  waitFor,
} from '../e2e/harness.js';
import { testLogger } from '../secrets.js';

const log = testLogger('test');
const ACK_WAIT_SECONDS = '600';

const suite = useServers();
let sent = 0;

function loaderConfig(extra: Record<string, string>): Config {
  return configOf(settings(suite.servers, { EVENTPIPE_LOADER_ACK_WAIT_SECONDS: ACK_WAIT_SECONDS, ...extra }));
}

/** Publishes `count` events and waits until the consumer has delivered them all, unacked. */
async function sendAndHold(config: Config, count: number, prefix: string): Promise<number> {
  const held = (await suite.nats.jsm.consumers.info(config.nats.stream, config.loader.consumer))
    .num_ack_pending;
  await publish(
    suite.nats.nc,
    config,
    Array.from({ length: count }, (_, i) => envelope(`${prefix}-${i}`)),
  );
  sent += count;
  await waitFor(`the loader holds all ${count} messages`, async () => {
    const info = await suite.nats.jsm.consumers.info(config.nats.stream, config.loader.consumer);
    return info.num_ack_pending === held + count && info.num_pending === 0;
  });
  return (await suite.nats.jsm.streams.info(config.nats.stream)).state.last_seq;
}

/** A fresh loader with a short batch age must load everything within seconds. */
async function assertNextLoaderLoadsAll(lastSeq: number) {
  const config = loaderConfig({ EVENTPIPE_LOADER_BATCH_MAX_AGE_MS: '200' });
  const next = await startLoader(config, log);
  try {
    await waitFor(
      'the next loader loaded everything',
      async () => (await ackFloor(suite.nats.jsm, config)) >= lastSeq,
      5_000,
    );
    assert.deepEqual(await countRows(suite.servers.postgres.url, 'web', 'tracks'), { rows: sent, ids: sent });
  } finally {
    await next.close();
  }
}

test('close() hands back a half-filled batch: the next loader loads it within seconds', async () => {
  // This loader would wait a minute before closing its batch of 5.
  const config = loaderConfig({ EVENTPIPE_LOADER_BATCH_MAX_AGE_MS: '60000' });
  const loader = await startLoader(config, log);
  let lastSeq: number;
  try {
    lastSeq = await sendAndHold(config, 5, 'half-filled');
  } finally {
    await loader.close();
  }
  assert.equal(await ackFloor(suite.nats.jsm, config), 0, 'the closed loader acked nothing');
  await assertNextLoaderLoadsAll(lastSeq);
});

test('close() while a batch cannot load hands back that batch and every message pulled after it', async () => {
  // Small batches by bytes (the pull is not limited by them): one is retried against the stopped
  // warehouse, the other messages wait behind it in the pull buffer.
  const config = loaderConfig({
    EVENTPIPE_LOADER_BATCH_MAX_BYTES: '1024',
    EVENTPIPE_LOADER_BATCH_MAX_AGE_MS: '100',
  });
  const floor = await ackFloor(suite.nats.jsm, config);
  const loader = await startLoader(config, log);
  let lastSeq: number;
  try {
    await suite.servers.postgres.stop();
    lastSeq = await sendAndHold(config, 6, 'behind-a-failing-batch');
  } finally {
    await loader.close();
    await suite.servers.postgres.start();
  }
  assert.equal(await ackFloor(suite.nats.jsm, config), floor, 'the closed loader acked nothing');
  await assertNextLoaderLoadsAll(lastSeq);
});
