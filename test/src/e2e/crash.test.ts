/**
 * Exactly once across crashes: `eventpipe loader` runs as a child process and is killed with
 * SIGKILL at a test-only checkpoint (EVENTPIPE_TEST_CRASH_AT), (a) after staging to S3, before the
 * warehouse transaction, and (b) after COMMIT, before the ack. A restarted loader gets the batch
 * again after ack_wait (5 s here) and every event ends up in the warehouse exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Config } from '@eventpipe/core';
import {
  ackFloor,
  configOf,
  countRows,
  envelope,
  publish,
  s3Lines,
  settings,
  spawnLoader,
  useServers,
  stopChild,
  waitFor,
} from './harness.js';

const suite = useServers();
let sent = 0;

async function crashThenRestart(crashAt: 'after-stage' | 'after-commit') {
  const env = settings(suite.servers);
  const config: Config = configOf(env);
  const floorBefore = await ackFloor(suite.nats.jsm, config);
  const loadedBefore = (await countRows(suite.servers.postgres.url, 'web', 'tracks')).rows;
  await publish(
    suite.nats.nc,
    config,
    Array.from({ length: 25 }, (_, i) => envelope(`${crashAt}-${i}`)),
  );
  sent += 25;

  const crashing = spawnLoader({ ...env, EVENTPIPE_TEST_CRASH_AT: crashAt });
  const timer = setTimeout(() => crashing.kill('SIGKILL'), 30_000);
  assert.equal(await crashing.exited, 'SIGKILL');
  clearTimeout(timer);

  assert.equal(await ackFloor(suite.nats.jsm, config), floorBefore, 'nothing acked by the crashed loader');
  const staged = await s3Lines(config, 'raw/web/');
  assert.ok(
    staged.some((l) => l.includes(`"${crashAt}-0"`)),
    'the batch was staged before the crash',
  );
  const loaded = (await countRows(suite.servers.postgres.url, 'web', 'tracks')).rows - loadedBefore;
  assert.equal(loaded, crashAt === 'after-commit' ? 25 : 0);

  const restarted = spawnLoader(env);
  try {
    const last = (await suite.nats.jsm.streams.info(config.nats.stream)).state.last_seq;
    await waitFor(
      'the redelivered batch to be acked',
      async () => (await ackFloor(suite.nats.jsm, config)) >= last,
      30_000,
    );
  } finally {
    await stopChild(restarted);
  }
  assert.deepEqual(await countRows(suite.servers.postgres.url, 'web', 'tracks'), { rows: sent, ids: sent });
}

test('killed after staging, before COMMIT: restart loads every event once', async () => {
  await crashThenRestart('after-stage');
});

test('killed after COMMIT, before the ack: restart loads nothing twice', async () => {
  await crashThenRestart('after-commit');
});
