import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  Msg,
  MsgHdrs,
  PublishOptions as NatsPublishOptions,
  SubscriptionOptions,
} from '@nats-io/transport-node';
import { createPublisher, readPubAck, type AckTransport } from './publish.js';
import { HttpError } from './errors.js';

const messages = ['a', 'b', 'c'].map((id) => ({
  subject: `events.web.track`,
  msgID: `web:${id}`,
  payload: '{}',
  bytes: 100,
}));
// Long enough that no ack-timeout fires on a loaded machine; the timeout test sets its own bound.
const options = {
  timeoutMs: 5_000,
  retryAfterSeconds: 7,
  maxInflightEvents: 1_000,
  maxInflightBytes: 1_000_000,
};

interface Sent {
  subject: string;
  msgID: string;
  reply: string;
}

/** A reply as the server sends it: a JSON body, or a bare status (503 = no responders). */
function reply(subject: string, body: string, code?: number): Msg {
  const data = new TextEncoder().encode(body);
  return {
    subject,
    data,
    headers: code === undefined ? undefined : ({ code } as MsgHdrs),
    string: () => body,
    json: () => JSON.parse(body) as unknown,
  } as Msg;
}

/** A NATS connection that records publishes; the test answers them through `answer`. */
function fakeNats(publishError?: Error) {
  const sent: Sent[] = [];
  const attempts = { count: 0 };
  let deliver: NonNullable<SubscriptionOptions['callback']> | undefined;
  const nc = {
    subscribe: (_subject: string, opts?: SubscriptionOptions) => {
      deliver = opts?.callback;
      return {};
    },
    publish: (subject: string, _payload: unknown, opts?: NatsPublishOptions) => {
      attempts.count++;
      if (publishError) throw publishError;
      sent.push({ subject, msgID: opts!.headers!.get('Nats-Msg-Id'), reply: opts!.reply! });
    },
  } as unknown as AckTransport;
  const answer = (message: Sent, body: string, code?: number) =>
    deliver!(null, reply(message.reply, body, code));
  const ack = (message: Sent, duplicate = false) =>
    answer(message, JSON.stringify({ stream: 'EVENTS', seq: 1, ...(duplicate && { duplicate }) }));
  return { nc, sent, attempts, answer, ack };
}

/** Messages go out once the current turn of the event loop has run. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

const unavailable = (message: RegExp) => (error: unknown) =>
  error instanceof HttpError &&
  error.statusCode === 503 &&
  error.headers['retry-after'] === '7' &&
  message.test(error.message);

test('all messages are in flight before any ack arrives; duplicates count as success', async () => {
  const nats = fakeNats();
  const publisher = createPublisher(nats.nc, options);
  const publishing = publisher.publish(messages);
  const second = publisher.publish(messages.slice(0, 1));
  assert.equal(nats.sent.length, 0, 'nothing is written before the turn ends');
  await nextTurn();
  assert.deepEqual(
    nats.sent.map((m) => m.msgID),
    ['web:a', 'web:b', 'web:c', 'web:a'],
    'both requests were published in one go',
  );
  assert.equal(new Set(nats.sent.map((m) => m.reply)).size, 4, 'each message has its own reply subject');
  assert.equal(publisher.inflight(), 4);
  // Acks may arrive in any order.
  nats.ack(nats.sent[2]!);
  nats.ack(nats.sent[0]!);
  nats.ack(nats.sent[1]!, true);
  assert.deepEqual(await publishing, { stored: 2, duplicates: 1 });
  assert.equal(publisher.inflight(), 1);
  nats.ack(nats.sent[3]!, true);
  assert.deepEqual(await second, { stored: 0, duplicates: 1 });
  assert.equal(publisher.inflight(), 0);
});

test('a refused message fails its request with a 503 naming the reason', async () => {
  const nats = fakeNats();
  const publisher = createPublisher(nats.nc, options);
  const publishing = publisher.publish(messages);
  await nextTurn();
  nats.ack(nats.sent[0]!);
  nats.answer(
    nats.sent[1]!,
    JSON.stringify({ error: { code: 503, err_code: 10077, description: 'maximum messages exceeded' } }),
  );
  await assert.rejects(publishing, unavailable(/maximum messages exceeded/));
  assert.equal(publisher.inflight(), 0, 'the failed request no longer counts as in flight');
  // The remaining ack arrives late: ignored, nothing thrown.
  nats.ack(nats.sent[2]!);
  assert.equal(publisher.inflight(), 0);
});

test('no stream for the subject (no responders) is a 503 naming the subject', async () => {
  const nats = fakeNats();
  const publishing = createPublisher(nats.nc, options).publish(messages.slice(0, 1));
  await nextTurn();
  nats.answer(nats.sent[0]!, '', 503);
  await assert.rejects(publishing, unavailable(/no JetStream stream stores subject events\.web\.track/));
});

test('no ack within the bound is a 503 with Retry-After, in time', async () => {
  const nats = fakeNats();
  const publisher = createPublisher(nats.nc, { ...options, timeoutMs: 100 });
  const started = Date.now();
  await assert.rejects(publisher.publish(messages), unavailable(/no acknowledgement .* within 100 ms/));
  assert.ok(Date.now() - started < 1_000);
  assert.equal(publisher.inflight(), 0);
});

test('a connection that cannot publish is a 503', async () => {
  const nats = fakeNats(new Error('connection draining'));
  await assert.rejects(
    createPublisher(nats.nc, options).publish(messages),
    unavailable(/NATS: connection draining/),
  );
  assert.equal(nats.attempts.count, 1, 'the rest of the failed request is not attempted');
});

test('a message NATS refuses to send fails only its own request, never the process', async () => {
  const nats = fakeNats();
  const publisher = createPublisher(nats.nc, options);
  // The NATS client throws while building this header: the flush must catch it.
  const refused = publisher.publish([{ ...messages[0]!, msgID: 'web:x\ny' }]);
  const fine = publisher.publish(messages.slice(1, 2));
  await assert.rejects(refused, unavailable(/NATS: .*cannot contain/));
  assert.deepEqual(
    nats.sent.map((m) => m.msgID),
    ['web:b'],
    'the other request of the same flush went out',
  );
  nats.ack(nats.sent[0]!);
  assert.deepEqual(await fine, { stored: 1, duplicates: 0 });
});

test('beyond maxInflightEvents requests are refused at once; a lone large request still goes', async () => {
  const nats = fakeNats();
  const publisher = createPublisher(nats.nc, { ...options, maxInflightEvents: 4 });
  // Nothing in flight: a request larger than the cap is accepted rather than refused forever.
  const large = publisher.publish([...messages, ...messages]);
  assert.equal(publisher.inflight(), 6);
  await assert.rejects(publisher.publish(messages.slice(0, 1)), unavailable(/limit of 4 events awaiting/));
  await nextTurn();
  assert.equal(nats.sent.length, 6, 'the refused request published nothing');
  for (const message of nats.sent) nats.ack(message);
  assert.deepEqual(await large, { stored: 6, duplicates: 0 });

  const first = publisher.publish(messages);
  await assert.rejects(publisher.publish(messages.slice(0, 2)), unavailable(/limit of 4/));
  const fits = publisher.publish(messages.slice(0, 1));
  await nextTurn();
  for (const message of nats.sent.slice(6)) nats.ack(message);
  assert.deepEqual(await first, { stored: 3, duplicates: 0 });
  assert.deepEqual(await fits, { stored: 1, duplicates: 0 });
});

test('beyond maxInflightBytes requests are refused at once, whatever their count of events', async () => {
  const nats = fakeNats();
  const publisher = createPublisher(nats.nc, { ...options, maxInflightBytes: 250 });
  const large = publisher.publish(messages.map((m) => ({ ...m, bytes: 300 })));
  assert.equal(publisher.inflightBytes(), 900, 'nothing was in flight: a lone large request goes');
  await assert.rejects(
    publisher.publish(messages.slice(0, 1)),
    unavailable(/limit of 250 bytes of events awaiting/),
  );
  await nextTurn();
  for (const message of nats.sent) nats.ack(message);
  await large;
  assert.equal(publisher.inflightBytes(), 0);
  const first = publisher.publish(messages.slice(0, 2));
  await assert.rejects(publisher.publish(messages.slice(0, 1)), unavailable(/limit of 250 bytes/));
  await nextTurn();
  for (const message of nats.sent.slice(3)) nats.ack(message);
  assert.deepEqual(await first, { stored: 2, duplicates: 0 });
});

test('readPubAck tells a PubAck from an error, garbage or a missing stream', () => {
  const read = (body: string) => readPubAck(reply('_INBOX.x.1', body), 'events.web.track');
  assert.deepEqual(read('{"stream":"EVENTS","seq":5}'), { duplicate: false });
  assert.deepEqual(read('{"stream":"EVENTS","seq":5,"duplicate":true}'), { duplicate: true });
  assert.match(read('{"error":{"code":503,"err_code":10077}}').problem!, /error 10077/);
  assert.match(read('not json').problem!, /non-JSON acknowledgement for events\.web\.track/);
  assert.match(read('{"seq":1}').problem!, /without a stream name/);
});

test('idle() waits until every published event is acknowledged or abandoned', async () => {
  const nats = fakeNats();
  const publisher = createPublisher(nats.nc, options);
  await publisher.idle();
  const publishing = publisher.publish(messages.slice(0, 2));
  let idle = false;
  void publisher.idle().then(() => (idle = true));
  await nextTurn();
  nats.ack(nats.sent[0]!);
  await nextTurn();
  assert.equal(idle, false, 'one event still awaits its ack');
  nats.ack(nats.sent[1]!);
  await publishing;
  await nextTurn();
  assert.equal(idle, true);
});
