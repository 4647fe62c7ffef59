/**
 * Every way a request can be wrong gets its status and a message saying what is wrong (with field and
 * batch index where they apply), and nothing of it reaches the stream. Also: CORS preflight lets the
 * browser SDK send `Authorization` with its JSON.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { startHarness, type Harness, type PostOptions } from './harness.js';

const LIMITS = { maxEventBytes: 2048, maxRequestBytes: 16 * 1024, maxBatchEvents: 5 };

let harness: Harness;
before(async () => {
  harness = await startHarness(LIMITS);
});
after(async () => {
  await harness?.close();
});

const track = { userId: 'u', event: 'E' };
const inBatch = (...events: object[]) => ({ batch: events.map((e) => ({ type: 'track', ...track, ...e })) });

interface BadRequest {
  name: string;
  path: string;
  body: unknown;
  options?: PostOptions;
  status: number;
  error: RegExp;
  field?: string;
  index?: number;
}

const cases: BadRequest[] = [
  {
    name: 'neither userId nor anonymousId',
    path: '/v1/track',
    body: { event: 'E' },
    status: 400,
    error: /userId or anonymousId is required/,
    field: '/userId',
  },
  {
    name: 'track without event',
    path: '/v1/track',
    body: { userId: 'u' },
    status: 400,
    error: /invalid track call at \/event/,
    field: '/event',
  },
  {
    name: 'properties not an object',
    path: '/v1/page',
    body: { userId: 'u', properties: 'x' },
    status: 400,
    error: /at \/properties/,
    field: '/properties',
  },
  {
    name: 'traits not an object',
    path: '/v1/i',
    body: { userId: 'u', traits: [1] },
    status: 400,
    error: /at \/traits/,
    field: '/traits',
  },
  {
    name: 'context not an object',
    path: '/v1/screen',
    body: { userId: 'u', context: 5 },
    status: 400,
    error: /at \/context/,
    field: '/context',
  },
  {
    name: 'group without groupId',
    path: '/v1/group',
    body: { userId: 'u' },
    status: 400,
    error: /at \/groupId/,
    field: '/groupId',
  },
  {
    name: 'alias without previousId',
    path: '/v1/alias',
    body: { userId: 'u' },
    status: 400,
    error: /at \/previousId/,
    field: '/previousId',
  },
  {
    name: 'messageId over 100 characters',
    path: '/v1/track',
    body: { ...track, messageId: 'm'.repeat(101) },
    status: 400,
    error: /at \/messageId/,
    field: '/messageId',
  },
  {
    name: 'invalid event in a batch names its index',
    path: '/v1/batch',
    body: inBatch({}, {}, { properties: 'x' }),
    status: 400,
    error: /batch\[2\] \(track\) at \/properties/,
    field: '/properties',
    index: 2,
  },
  {
    name: 'unknown type in a batch',
    path: '/v1/batch',
    body: inBatch({}, { type: 'purchase' }),
    status: 400,
    error: /batch\[1\] has type "purchase"/,
    field: '/type',
    index: 1,
  },
  {
    name: 'batch is not an array',
    path: '/v1/import',
    body: { batch: { type: 'track' } },
    status: 400,
    error: /"batch" must be an array/,
    field: '/batch',
  },
  {
    name: 'body is not an object',
    path: '/v1/track',
    body: [track],
    status: 400,
    error: /must be the track call as a JSON object/,
  },
  {
    name: 'malformed JSON',
    path: '/v1/track',
    body: '{"userId": "u", "event": ',
    status: 400,
    error: /not valid JSON/,
  },
  {
    name: 'deeply nested JSON',
    path: '/v1/track',
    body: `{"userId":"u","event":"E","properties":{"a":${'['.repeat(1_000)}${']'.repeat(1_000)}}}`,
    status: 400,
    error: /deeper than 64 levels/,
  },
  { name: 'empty body', path: '/v1/track', body: '', status: 400, error: /empty/ },
  {
    name: 'oversize event',
    path: '/v1/track',
    body: { ...track, properties: { text: 'x'.repeat(3000) } },
    status: 413,
    error: /larger than the limit of 2048/,
    field: '',
  },
  {
    name: 'oversize event in a batch',
    path: '/v1/batch',
    body: inBatch({}, { properties: { text: 'x'.repeat(3000) } }),
    status: 413,
    error: /batch\[1\] \(track\) is \d+ bytes/,
    field: '',
    index: 1,
  },
  {
    name: 'oversize request',
    path: '/v1/batch',
    body: inBatch(...Array.from({ length: 5 }, () => ({ properties: { text: 'x'.repeat(4000) } }))),
    status: 413,
    error: /request body is larger than the limit of 16384 bytes/,
  },
  {
    name: 'oversize request once decompressed (gzip bomb)',
    path: '/v1/batch',
    body: gzipSync(JSON.stringify(inBatch({ properties: { text: ' '.repeat(100_000) } }))),
    options: { headers: { 'content-encoding': 'gzip' } },
    status: 413,
    error: /larger than the limit of 16384 bytes/,
  },
  {
    name: 'too many events in a batch',
    path: '/v1/batch',
    body: inBatch({}, {}, {}, {}, {}, {}),
    status: 413,
    error: /6 calls, more than the limit of 5/,
    field: '/batch',
  },
  {
    name: 'unknown write key',
    path: '/v1/track',
    body: track,
    options: { writeKey: 'not-a-configured-key' },
    status: 401,
    error: /unknown write key/,
  },
  {
    name: 'unknown write key in the body',
    path: '/v1/t',
    body: { ...track, writeKey: 'not-a-configured-key' },
    options: { writeKey: null, headers: { 'content-type': 'text/plain' } },
    status: 401,
    error: /unknown write key/,
  },
  {
    name: 'no write key',
    path: '/v1/track',
    body: track,
    options: { writeKey: null },
    status: 401,
    error: /missing write key/,
  },
  {
    name: 'unknown path',
    path: '/v1/purchase',
    body: track,
    status: 404,
    error: /no endpoint POST \/v1\/purchase; events are POSTed to \/v1\/track/,
  },
  {
    name: 'unsupported content type',
    path: '/v1/track',
    body: track,
    options: { headers: { 'content-type': 'application/xml' } },
    status: 415,
    error: /unsupported Content-Type "application\/xml"/,
  },
  {
    name: 'unsupported content encoding',
    path: '/v1/track',
    body: track,
    options: { headers: { 'content-encoding': 'zstd' } },
    status: 415,
    error: /unsupported Content-Encoding "zstd"/,
  },
];

test('bad requests: status, message, field and index; nothing published', async () => {
  for (const c of cases) {
    const response = await harness.post(c.path, c.body, c.options);
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(response.status, c.status, `${c.name}: ${JSON.stringify(body)}`);
    assert.match(String(body.error), c.error, c.name);
    assert.equal(body.field, c.field, `${c.name}: field`);
    assert.equal(body.index, c.index, `${c.name}: index`);
  }
  assert.deepEqual(await harness.stored(), []);
  // The collector is still healthy and accepts a good request after all that.
  assert.equal((await harness.post('/v1/track', track)).status, 200);
  assert.equal((await harness.stored()).length, 1);
});

test('CORS preflight allows Authorization and Content-Type from a browser origin', async () => {
  const response = await fetch(new URL('/v1/t', harness.collector.url), {
    method: 'OPTIONS',
    headers: {
      origin: 'https://shop.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    },
  });
  assert.equal(response.status, 204);
  assert.equal(response.headers.get('access-control-allow-origin'), '*');
  assert.match(response.headers.get('access-control-allow-methods') ?? '', /POST/);
  const allowed = (response.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/,\s*/);
  assert.ok(allowed.includes('authorization') && allowed.includes('content-type'), allowed.join(','));
});
