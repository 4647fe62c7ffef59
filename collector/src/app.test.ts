import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { createLogger, loadConfig, type Envelope } from '@eventpipe/core';
import { buildApp } from './app.js';
import { unavailable, type OutgoingMessage, type Publish } from './publish.js';

const WRITE_KEY = 'app-test-key';
const authorization = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;

function appWith(publish: Publish, trustedProxies: string[] = []) {
  const config = loadConfig(
    {},
    { sources: [{ id: 'web', writeKeys: [WRITE_KEY] }], collector: { trustedProxies } },
  );
  return buildApp({
    config,
    log: createLogger('collector', 'silent'),
    publish,
    readiness: async () => ({ ready: false, reason: 'not connected to NATS' }),
  });
}

function recording() {
  const sent: OutgoingMessage[] = [];
  const publish: Publish = async (messages) => {
    sent.push(...messages);
    return { stored: messages.length, duplicates: 0 };
  };
  return { sent, publish, envelopes: () => sent.map((m) => JSON.parse(m.payload) as Envelope) };
}

test('short browser paths map to their call types and subjects', async () => {
  const { sent, publish } = recording();
  const app = appWith(publish);
  const bodies: Record<string, object> = {
    t: { event: 'E' },
    i: {},
    p: {},
    s: {},
    g: { groupId: 'g' },
    a: { previousId: 'p' },
  };
  for (const [path, body] of Object.entries(bodies)) {
    const response = await app.inject({
      method: 'POST',
      url: `/v1/${path}`,
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify({ ...body, anonymousId: 'a', writeKey: WRITE_KEY }),
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { success: true });
  }
  assert.deepEqual(
    sent.map((m) => m.subject),
    ['track', 'identify', 'page', 'screen', 'group', 'alias'].map((type) => `events.web.${type}`),
  );
  await app.close();
});

test('X-Forwarded-For is believed only from a trusted proxy; traceparent is carried through', async () => {
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const send = (app: ReturnType<typeof appWith>) =>
    app.inject({
      method: 'POST',
      url: '/v1/track',
      remoteAddress: '10.0.0.5',
      headers: {
        authorization,
        'content-type': 'application/json',
        'x-forwarded-for': '203.0.113.7',
        traceparent,
      },
      payload: { userId: 'u', event: 'E' },
    });
  const direct = recording();
  await send(appWith(direct.publish));
  assert.equal(direct.envelopes()[0]!.ip, '10.0.0.5');
  assert.equal(direct.envelopes()[0]!.traceparent, traceparent);
  const proxied = recording();
  await send(appWith(proxied.publish, ['10.0.0.0/8']));
  assert.equal(proxied.envelopes()[0]!.ip, '203.0.113.7');
});

test('a publish failure is a 503 with Retry-After; readiness reports why it is not ready', async () => {
  const app = appWith(async () => {
    throw unavailable('NATS JetStream: timeout', 3);
  });
  const response = await app.inject({
    method: 'POST',
    url: '/v1/batch',
    headers: { authorization, 'content-type': 'application/json' },
    payload: { batch: [{ type: 'track', userId: 'u', event: 'E' }] },
  });
  assert.equal(response.statusCode, 503);
  assert.equal(response.headers['retry-after'], '3');
  assert.deepEqual(response.json(), { error: 'events not stored, retry later: NATS JetStream: timeout' });
  const ready = await app.inject({ method: 'GET', url: '/health/ready' });
  assert.equal(ready.statusCode, 503);
  assert.deepEqual(ready.json(), { status: 'not ready', reason: 'not connected to NATS' });
  const live = await app.inject({ method: 'GET', url: '/health/live' });
  assert.equal(live.statusCode, 200);
  assert.deepEqual(live.json(), { status: 'live' });
});

test('an unexpected failure is a 500 that says nothing was stored', async () => {
  const app = appWith(async () => {
    throw new TypeError('bug');
  });
  const response = await app.inject({
    method: 'POST',
    url: '/v1/track',
    headers: { authorization, 'content-type': 'application/json' },
    payload: { userId: 'u', event: 'E' },
  });
  assert.equal(response.statusCode, 500);
  assert.match(response.json().error, /not stored, retry/);
});

test('close waits for an in-flight request, whose answer then closes its keep-alive connection', async () => {
  let publishing!: () => void;
  const started = new Promise<void>((resolve) => (publishing = resolve));
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const app = appWith(async (messages) => {
    publishing();
    await gate;
    return { stored: messages.length, duplicates: 0 };
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const inFlight = fetch(`${url}/v1/track`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'u', event: 'E' }),
    signal: AbortSignal.timeout(5_000),
  });
  await started;
  let closed = false;
  const closing = app.close().then(() => (closed = true));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(closed, false, 'close waits for the request being published');
  release();
  const response = await inFlight;
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('connection'), 'close');
  const closeStarted = Date.now();
  await closing;
  assert.ok(Date.now() - closeStarted < 2_000, 'close does not wait for keep-alive to time out');
});

test('a body that is not UTF-8, or declares another charset, is refused; it would be stored changed', async () => {
  const { sent, publish } = recording();
  const app = appWith(publish);
  const post = (payload: Buffer | string, contentType = 'application/json', encoding?: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: {
        'content-type': contentType,
        authorization,
        ...(encoding && { 'content-encoding': encoding }),
      },
      payload,
    });
  const latin1 = Buffer.from('{"event":"Café","anonymousId":"a"}', 'latin1');
  // Read as UTF-8, the é (0xE9) would become U+FFFD: the client's text, changed, with a 200.
  const invalid = await post(latin1);
  assert.equal(invalid.statusCode, 400, invalid.body);
  assert.match(invalid.json().error, /not valid UTF-8/);
  assert.equal((await post(gzipSync(latin1), 'text/plain', 'gzip')).statusCode, 400);
  const declared = await post(latin1, 'application/json; charset=iso-8859-1');
  assert.equal(declared.statusCode, 415, declared.body);
  assert.match(declared.json().error, /charset "iso-8859-1".*UTF-8/);
  assert.equal(sent.length, 0);

  const utf8 = '{"event":"Café","anonymousId":"a"}';
  for (const contentType of ['application/json; charset=utf-8', 'text/plain;charset="UTF-8"', 'text/plain']) {
    const ok = await post(utf8, contentType);
    assert.equal(ok.statusCode, 200, `${contentType}: ${ok.body}`);
  }
  assert.equal(sent.length, 3);
  assert.equal((JSON.parse(sent[0]!.payload) as Envelope).event.event, 'Café');
  await app.close();
});
