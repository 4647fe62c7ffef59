/**
 * The loader's pull source against a real nats-server: it keeps delivering when the reader stalls
 * for longer than the pull's heartbeat interval (a slow batch), and once aborted it ends without
 * leaving a pull request on the server, so a nak from then on reaches another loader.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamManager } from '@nats-io/jetstream';
import { ensureStream, eventSubject, loadConfig, type Config, type Logger } from '@eventpipe/core';
import { ensureConsumer, pullDeliveries, PULL_EXPIRES_MS } from '@eventpipe/loader/internal';
import { startNats, type NatsServer } from '@eventpipe/local';

let nats: NatsServer;
let nc: NatsConnection;
let jsm: JetStreamManager;
let config: Config;
const warnings: unknown[] = [];
const log = {
  warn: (...args: unknown[]) => warnings.push(args),
  error: (...args: unknown[]) => warnings.push(args),
  info: () => undefined,
  debug: () => undefined,
} as unknown as Logger;

before(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  config = loadConfig({ EVENTPIPE_NATS_URL: nats.url, EVENTPIPE_LOADER_ACK_WAIT_SECONDS: '600' });
  jsm = await ensureStream(nc, config.nats);
  await ensureConsumer(jsm, config, log);
});

after(async () => {
  await nc?.close();
  await nats?.dispose();
});

async function publish(count: number): Promise<void> {
  const js = jetstream(nc);
  for (let i = 0; i < count; i++)
    await js.publish(eventSubject(config.nats.subjectPrefix, 'web', 'track'), `{}`);
}

test('a reader that stalls longer than two heartbeats still gets every message, without errors', async () => {
  const stop = new AbortController();
  const source = pullDeliveries(jetstream(nc), jsm, config, log, stop.signal, 1_000);
  try {
    await publish(5);
    const first = await source.next();
    assert.equal(first.value?.seq, 1);
    await sleep(PULL_EXPIRES_MS + 1_500); // the pull's heartbeat is PULL_EXPIRES_MS / 2
    await publish(5);
    const seqs: number[] = [];
    while (seqs.length < 9) {
      const next = await source.next();
      assert.ok(!next.done);
      seqs.push(next.value.seq);
      next.value.ack();
    }
    first.value!.ack();
    assert.deepEqual(seqs, [2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(warnings, []);
  } finally {
    stop.abort();
    while (!(await source.next()).done);
  }
});

test('aborted, it ends within one pull period and leaves no pull request behind', async () => {
  const stop = new AbortController();
  const source = pullDeliveries(jetstream(nc), jsm, config, log, stop.signal, 1_000);
  const pending = source.next(); // nothing to deliver: the pull waits on the server
  await sleep(200);
  assert.equal((await jsm.consumers.info(config.nats.stream, config.loader.consumer)).num_waiting, 1);
  const started = Date.now();
  stop.abort();
  assert.equal((await pending).done, true);
  assert.ok(Date.now() - started <= PULL_EXPIRES_MS + 500, `ended after ${Date.now() - started} ms`);
  await publish(1);
  const info = await jsm.consumers.info(config.nats.stream, config.loader.consumer);
  assert.equal(info.num_waiting, 0, 'no pull request of ours is left');
  assert.equal(info.num_pending, 1, 'the new message was not delivered to the ended source');
});
