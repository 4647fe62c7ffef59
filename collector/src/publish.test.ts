import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { createPublisher, withDeadline } from './publish.js';
import { HttpError } from './errors.js';

const messages = ['a', 'b', 'c'].map((id) => ({
  subject: `events.web.track`,
  msgID: `web:${id}`,
  payload: '{}',
}));
const options = { timeoutMs: 100, retryAfterSeconds: 7 };

/** A JetStream client whose publish answers as `answer` says, recording what was sent and when. */
function fakeJs(answer: (msgID: string) => Promise<PubAck>) {
  const started: string[] = [];
  const js = {
    publish: (_subject: string, _payload: unknown, opts?: { msgID?: string }) => {
      started.push(opts!.msgID!);
      return answer(opts!.msgID!);
    },
  } as unknown as JetStreamClient;
  return { js, started };
}

const ack = (duplicate: boolean): PubAck => ({ stream: 'EVENTS', seq: 1, duplicate }) as PubAck;

const unavailable = (message: RegExp) => (error: unknown) =>
  error instanceof HttpError &&
  error.statusCode === 503 &&
  error.headers['retry-after'] === '7' &&
  message.test(error.message);

test('all messages are in flight before any ack arrives; duplicates count as success', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const { js, started } = fakeJs(async (id) => {
    await gate;
    return ack(id === 'web:b');
  });
  const publishing = createPublisher(js, { ...options, timeoutMs: 5_000 })(messages);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(started, ['web:a', 'web:b', 'web:c']);
  release();
  assert.deepEqual(await publishing, { stored: 2, duplicates: 1 });
});

test('a failed or missing ack is a 503 with Retry-After, within the bound', async () => {
  const failing = fakeJs(async (id) => {
    if (id === 'web:b') throw new Error('maximum bytes exceeded');
    return ack(false);
  });
  await assert.rejects(createPublisher(failing.js, options)(messages), unavailable(/maximum bytes exceeded/));

  const silent = fakeJs(() => new Promise<PubAck>(() => {}));
  const started = Date.now();
  await assert.rejects(
    createPublisher(silent.js, options)(messages),
    unavailable(/no acknowledgement .* within 100 ms/),
  );
  assert.ok(Date.now() - started < 1_000);
});

test('withDeadline passes a timely result through', async () => {
  assert.equal(await withDeadline(Promise.resolve(3), 50, () => new Error('late')), 3);
  await assert.rejects(
    withDeadline(new Promise(() => {}), 10, () => new Error('late')),
    /late/,
  );
});
