/**
 * A message JetStream stops delivering after `max_deliver` does not vanish: the loader hears the
 * max-deliveries advisory, reads the message back from the stream and stores it as a dead letter.
 * The deliveries are used up by this test's own client (fetch, nak), so the loader only ever sees
 * the advisory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jetstream, type JsMsg } from '@nats-io/jetstream';
import { type Config } from '@eventpipe/core';
import { ensureConsumer, startLoader, type RunningLoader } from '@eventpipe/loader/internal';
import {
  configOf,
  countRows,
  envelope,
  publish,
  query,
  settings,
  useServers,
  waitFor,
} from '../e2e/harness.js';
import { testLogger } from '../secrets.js';

const log = testLogger('test');

let config: Config;
let loader: RunningLoader | undefined;
const suite = useServers({
  setup: async ({ servers }) => {
    config = configOf(
      settings(servers, { EVENTPIPE_LOADER_MAX_DELIVER: '2', EVENTPIPE_LOADER_ACK_WAIT_SECONDS: '600' }),
    );
  },
  teardown: async () => loader?.close(),
});

/** One delivery of every message the consumer has for us now. */
async function fetchAll(expected: number): Promise<JsMsg[]> {
  const consumer = await jetstream(suite.nats.nc).consumers.get(config.nats.stream, config.loader.consumer);
  const messages: JsMsg[] = [];
  for await (const message of await consumer.fetch({ max_messages: expected, expires: 2_000 })) {
    messages.push(message);
  }
  assert.equal(messages.length, expected);
  return messages;
}

test('a message past max_deliver is stored as a dead letter with the reason, never lost', async () => {
  await publish(suite.nats.nc, config, [envelope('worn-out')]);
  await suite.nats.nc.publish('events.web.track', 'not json{');
  await suite.nats.nc.flush();
  await ensureConsumer(suite.nats.jsm, config, log);

  // Deliveries 1 and 2 (max_deliver) go to this test's client and are never acked.
  for (const message of await fetchAll(2)) message.nak();
  const last = await fetchAll(2);
  assert.deepEqual(
    last.map((m) => m.info.deliveryCount),
    [2, 2],
  );

  loader = await startLoader(config, log);
  // Handing them back now would mean a third delivery: JetStream refuses it and sends the advisory.
  for (const message of last) message.nak();
  await suite.nats.nc.flush();

  type DeadLetterRow = { message_id: string; stream_sequence: string; reason: string; envelope: unknown };
  const deadLetters = async () =>
    query<DeadLetterRow>(
      suite.servers.postgres.url,
      'SELECT message_id, stream_sequence, reason, envelope FROM "_eventpipe"."dead_letters" ORDER BY stream_sequence',
    );
  await waitFor('both messages dead-lettered', async () => (await deadLetters()).length === 2, 10_000);
  const [worn, garbage] = await deadLetters();
  assert.equal(worn!.message_id, 'worn-out');
  assert.equal(worn!.stream_sequence, '1');
  assert.equal(worn!.reason, 'max deliveries exceeded');
  assert.equal((worn!.envelope as { messageId: string }).messageId, 'worn-out', 'the envelope is kept whole');
  assert.equal(garbage!.message_id, 'nats-seq-2');
  assert.match(garbage!.reason, /^max deliveries exceeded; not JSON/);
  assert.equal(garbage!.envelope, 'not json{');

  const metrics = await (await fetch(`http://127.0.0.1:${loader.healthPort}/metrics`)).text();
  assert.match(metrics, /eventpipe_loader_dead_lettered_total\{source="web",reason="max_deliveries"\} 2/);
});

test('the consumer goes on: a later message loads', async () => {
  await publish(suite.nats.nc, config, [envelope('fresh')]);
  await waitFor(
    'the later message loaded',
    async () => (await countRows(suite.servers.postgres.url, 'web', 'tracks')).rows === 1,
  );
  const [row] = await query<{ id: string }>(suite.servers.postgres.url, 'SELECT id FROM web.tracks');
  assert.equal(row!.id, 'fresh', 'only the later message: the dead-lettered one was not loaded');
});
