/**
 * Recovery after kill -9, with the default `ack_wait`: a loader killed while holding messages (a
 * batch in flight and its pull buffer) leaves them pending on the consumer until `ack_wait` expires.
 * With the short default (30 s, kept alive by `working()` while a loader is alive) a restarted loader
 * has every accepted event in the warehouse within 60 s. The consumer was created with the old
 * default (300 s), as an existing installation has it: start-up must bring it to the new one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { ensureStream } from '@eventpipe/core';
import {
  ackFloor,
  configOf,
  countRows,
  envelope,
  publish,
  settings,
  spawnLoader,
  stopChild,
  useServers,
  waitFor,
} from './harness.js';

const suite = useServers();
const EVENTS = 4000;
const TARGET_MS = 60_000;

test('kill -9 of a loader holding messages: after a restart every event is loaded within 60 s', async (t) => {
  // The configuration's default ack_wait, not the suites' short one.
  const { EVENTPIPE_LOADER_ACK_WAIT_SECONDS: _short, ...env } = settings(suite.servers, {
    EVENTPIPE_LOADER_BATCH_MAX_EVENTS: '1000',
  });
  const config = configOf(env);
  await ensureStream(suite.nats.nc, config.nats);
  await suite.nats.jsm.consumers.add(config.nats.stream, {
    durable_name: config.loader.consumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: 300 * 1e9,
  });
  await publish(
    suite.nats.nc,
    config,
    Array.from({ length: EVENTS }, (_, i) => envelope(`recovery-${i}`)),
  );

  // Dies (SIGKILL) after staging its first batch: it holds that batch, the next one and a pull buffer.
  const crashing = spawnLoader({ ...env, EVENTPIPE_TEST_CRASH_AT: 'after-stage' });
  assert.equal(await crashing.exited, 'SIGKILL');
  const consumer = await suite.nats.jsm.consumers.info(config.nats.stream, config.loader.consumer);
  assert.equal(consumer.config.ack_wait, 30 * 1e9, 'start-up updated the old ack_wait');
  assert.ok(consumer.num_ack_pending > 0, 'the killed loader held messages');

  const restartedAt = Date.now();
  const restarted = spawnLoader(env);
  try {
    await waitFor(
      'every event in the warehouse',
      async () => (await countRows(suite.servers.postgres.url, 'web', 'tracks')).ids === EVENTS,
      TARGET_MS,
    );
    const recoveryMs = Date.now() - restartedAt;
    t.diagnostic(`recovery after kill -9: ${EVENTS} events loaded ${recoveryMs} ms after the restart`);
    const last = (await suite.nats.jsm.streams.info(config.nats.stream)).state.last_seq;
    await waitFor('every message acked', async () => (await ackFloor(suite.nats.jsm, config)) >= last);
  } finally {
    await stopChild(restarted);
  }
  assert.deepEqual(await countRows(suite.servers.postgres.url, 'web', 'tracks'), {
    rows: EVENTS,
    ids: EVENTS,
  });
});
