import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendEvents, retryDelayMs, readRejections } from './sender.js';
import { demoEvents } from './demo-events.js';

async function withServer(
  handler: (req: IncomingMessage, body: { batch: unknown[] }, res: ServerResponse) => void,
  body: (url: string) => Promise<void>,
) {
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => handler(req, JSON.parse(text) as { batch: unknown[] }, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await body(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

test('Retry-After is read as seconds or a date, else backoff', () => {
  assert.equal(retryDelayMs('2', 0), 2000);
  assert.equal(retryDelayMs(null, 0), 200);
  assert.equal(retryDelayMs(null, 3), 1600);
  const inOneSecond = new Date(Date.now() + 1500).toUTCString();
  assert.ok(retryDelayMs(inOneSecond, 0) > 0 && retryDelayMs(inOneSecond, 0) <= 1500);
});

test('rejections are read from a listed answer or from the error message', () => {
  assert.deepEqual(
    readRejections(200, { rejected: [{ index: 1, reason: 'userId or anonymousId is required' }] }, 3),
    {
      accepted: 2,
      rejected: [{ reason: 'userId or anonymousId is required', count: 1 }],
    },
  );
  assert.deepEqual(readRejections(401, { message: 'unknown write key' }, 4), {
    accepted: 0,
    rejected: [{ reason: 'HTTP 401: unknown write key', count: 4 }],
  });
});

test('sends every event with Basic auth, retries a 503 after Retry-After, and counts outcomes', async () => {
  let requests = 0;
  const received: unknown[] = [];
  await withServer(
    (req, body, res) => {
      requests += 1;
      assert.equal(req.url, '/v1/batch');
      assert.equal(req.headers.authorization, `Basic ${Buffer.from('key-12345678:').toString('base64')}`);
      if (requests === 2) {
        res.writeHead(503, { 'retry-after': '0' }).end('{"message":"try later"}');
        return;
      }
      received.push(...body.batch);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}');
    },
    async (url) => {
      const generator = demoEvents({ seed: 1 });
      const batches: number[] = [];
      const summary = await sendEvents({
        url,
        writeKey: 'key-12345678',
        count: 25,
        rate: 0,
        batchSize: 10,
        concurrency: 1,
        next: () => generator.next(),
        onBatch: (n) => batches.push(n),
      });
      assert.deepEqual(batches, [10, 10, 5]);
      assert.equal(received.length, 25);
      assert.deepEqual(
        {
          sent: summary.sent,
          accepted: summary.accepted,
          rejected: summary.rejected,
          retries: summary.retries,
        },
        { sent: 25, accepted: 25, rejected: 0, retries: 1 },
      );
    },
  );
});

test('the rate limit spaces the batches', async () => {
  await withServer(
    (_req, _body, res) => res.writeHead(200).end('{}'),
    async (url) => {
      const generator = demoEvents({ seed: 2 });
      const summary = await sendEvents({
        url,
        writeKey: 'key-12345678',
        count: 40,
        rate: 100,
        batchSize: 10,
        concurrency: 2,
        next: () => generator.next(),
      });
      // 40 events at 100/s: the last batch may start at 300 ms.
      assert.ok(summary.elapsedMs >= 280, `took ${summary.elapsedMs} ms`);
      assert.equal(summary.accepted, 40);
    },
  );
});

test('a collector that keeps failing is reported, not hidden', async () => {
  await withServer(
    (_req, _body, res) => res.writeHead(503, { 'retry-after': '0' }).end(),
    async (url) => {
      const generator = demoEvents({ seed: 3 });
      const summary = await sendEvents({
        url,
        writeKey: 'key-12345678',
        count: 5,
        rate: 0,
        batchSize: 5,
        concurrency: 1,
        maxAttempts: 3,
        next: () => generator.next(),
      });
      assert.equal(summary.rejected, 5);
      assert.deepEqual(summary.reasons, { 'gave up after 3 attempts: HTTP 503': 5 });
    },
  );
});
