/**
 * Exactly once across outages: PostgreSQL and then S3 go away mid-stream. While one is down nothing
 * is acked (the consumer's ack floor stays put) and readiness says why; once it is back every event
 * is loaded exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Config } from '@eventpipe/core';
import { startLoader, type RunningLoader } from '@eventpipe/loader/internal';
import {
  ackFloor,
  configOf,
  countRows,
  envelope,
  publish,
  s3Lines,
  settings,
  useServers,
  waitFor,
} from './harness.js';
import { testLogger } from '../secrets.js';

/** Long enough for several retries with backoff; short enough to keep the suite fast. */
const OUTAGE_MS = 6_000;

let config: Config;
let loader: RunningLoader;
const suite = useServers({
  setup: async ({ servers }) => {
    config = configOf(settings(servers));
    loader = await startLoader(config, testLogger('test'));
  },
  teardown: async () => loader?.close(),
});
let sent = 0;

async function send(count: number, prefix: string): Promise<number> {
  await publish(
    suite.nats.nc,
    config,
    Array.from({ length: count }, (_, i) => envelope(`${prefix}-${i}`)),
  );
  sent += count;
  return (await suite.nats.jsm.streams.info(config.nats.stream)).state.last_seq;
}

async function ready(): Promise<{ status: number; body: { status: string; reason?: string } }> {
  const response = await fetch(`http://127.0.0.1:${loader.healthPort}/health/ready`);
  return { status: response.status, body: (await response.json()) as { status: string; reason?: string } };
}

async function assertAllLoadedOnce(lastSeq: number) {
  await waitFor('everything acked', async () => (await ackFloor(suite.nats.jsm, config)) >= lastSeq);
  assert.deepEqual(await countRows(suite.servers.postgres.url, 'web', 'tracks'), { rows: sent, ids: sent });
  assert.deepEqual(await countRows(suite.servers.postgres.url, 'web', 'order_completed'), {
    rows: sent,
    ids: sent,
  });
}

async function outage(
  what: string,
  failingStep: string,
  stop: () => Promise<void>,
  start: () => Promise<void>,
) {
  const before = await send(20, `${what}-before`);
  await assertAllLoadedOnce(before);

  await stop();
  const during = await send(30, `${what}-during`);
  await sleep(OUTAGE_MS);
  assert.equal(await ackFloor(suite.nats.jsm, config), before, `nothing acked while ${what} is down`);
  const info = await suite.nats.jsm.consumers.info(config.nats.stream, config.loader.consumer);
  assert.equal(info.num_ack_pending, during - before, 'the batch is held, not redelivered elsewhere');
  const health = await ready();
  assert.equal(health.status, 503);
  assert.equal(health.body.status, 'not ready');
  assert.ok(health.body.reason, 'readiness says why');

  await start();
  await assertAllLoadedOnce(during);
  assert.equal((await ready()).status, 200);
  const metrics = await (await fetch(`http://127.0.0.1:${loader.healthPort}/metrics`)).text();
  assert.match(metrics, new RegExp(`eventpipe_loader_batch_retries_total\\{step="${failingStep}"\\} [1-9]`));
  assert.match(metrics, /eventpipe_loader_consumer_pending_messages 0/);
}

test('PostgreSQL down mid-stream: nothing acked while down, everything loaded once after', async () => {
  await outage(
    'postgres',
    'load',
    () => suite.servers.postgres.stop(),
    () => suite.servers.postgres.start(),
  );
});

test('S3 down mid-stream: nothing loaded or acked while down, everything loaded and archived once after', async () => {
  await outage(
    's3',
    'stage-raw',
    () => suite.servers.s3.stop(),
    () => suite.servers.s3.start(),
  );
  const archived = (await s3Lines(config, 'raw/web/')).map(
    (l) => (JSON.parse(l) as { messageId: string }).messageId,
  );
  assert.equal(new Set(archived).size, sent, 'every event is in the raw archive');
});
