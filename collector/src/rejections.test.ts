import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, loadConfig, UNKNOWN_SOURCE, type Rejection } from '@eventpipe/core';
import { buildApp } from './app.js';
import { rejectionPublisher } from './rejections.js';

const WRITE_KEY = 'wk_rejections_test';

function appRecording(rejections: Rejection[]) {
  const config = loadConfig({}, { sources: [{ id: 'web', writeKeys: [WRITE_KEY] }] });
  return buildApp({
    config,
    log: createLogger('collector', 'silent'),
    publish: async (messages) => ({ stored: messages.length, duplicates: 0 }),
    readiness: async () => ({ ready: true }),
    recordRejection: (rejection) => rejections.push(rejection),
  });
}

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

test('a refused request is recorded with its source, route, status and the reason the client got', async () => {
  const rejections: Rejection[] = [];
  const app = appRecording(rejections);
  const answer = await app.inject({
    method: 'POST',
    url: '/v1/track',
    headers: { authorization: basic(WRITE_KEY), 'content-type': 'application/json', 'user-agent': 'ua/1' },
    payload: { userId: 'u1', properties: {} },
  });
  assert.equal(answer.statusCode, 400);
  assert.equal(rejections.length, 1);
  const [rejection] = rejections;
  assert.equal(rejection!.sourceId, 'web');
  assert.equal(rejection!.route, '/v1/track');
  assert.equal(rejection!.status, 400);
  assert.equal(rejection!.reason, answer.json().error);
  assert.equal(rejection!.userAgent, 'ua/1');
  await app.close();
});

test('a wrong write key is recorded for no source, and the key is nowhere in the record', async () => {
  const rejections: Rejection[] = [];
  const app = appRecording(rejections);
  const secret = 'wk_not_a_key_but_secret';
  await app.inject({
    method: 'POST',
    url: '/v1/track',
    headers: { 'content-type': 'application/json' },
    payload: { writeKey: secret, userId: 'u1', event: 'E' },
  });
  assert.equal(rejections.length, 1);
  assert.equal(rejections[0]!.sourceId, UNKNOWN_SOURCE);
  assert.equal(rejections[0]!.status, 401);
  assert.doesNotMatch(JSON.stringify(rejections), new RegExp(secret));
  // Accepted requests and probes are not rejections.
  await app.inject({ method: 'GET', url: '/health/live' });
  await app.inject({
    method: 'POST',
    url: '/v1/track',
    headers: { authorization: basic(WRITE_KEY), 'content-type': 'application/json' },
    payload: { userId: 'u1', event: 'Fine' },
  });
  assert.equal(rejections.length, 1);
  await app.close();
});

test('at most maxPerSecond rejections are published each second', () => {
  const published: string[] = [];
  let now = 10_000;
  const record = rejectionPublisher(
    (subject) => published.push(subject),
    'events',
    2,
    () => now,
  );
  const rejection = { sourceId: 'web' } as Rejection;
  for (let i = 0; i < 5; i++) record(rejection);
  assert.deepEqual(published, ['events-rejected.web', 'events-rejected.web']);
  now += 1000;
  record(rejection);
  assert.equal(published.length, 3);
});
