import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Batcher,
  batchId,
  isFull,
  keepWorking,
  makeBatch,
  wouldOverflow,
  type BatchLimits,
} from './batch.js';
import type { Delivery } from './consume.js';

function delivery(seq: number, bytes = 10, origin = 'EVENTS-1'): Delivery & { calls: string[] } {
  const calls: string[] = [];
  return {
    origin,
    seq,
    subject: 'events.web.track',
    data: new Uint8Array(bytes),
    info: { deliveryCount: 1 },
    calls,
    ack: () => calls.push('ack'),
    nak: () => calls.push('nak'),
    working: () => calls.push('working'),
  };
}

/** An async source the test feeds by hand, like a JetStream consumer delivering over time. */
function feed() {
  const queue: Delivery[] = [];
  const waiting: ((r: IteratorResult<Delivery>) => void)[] = [];
  let ended = false;
  const source: AsyncIterator<Delivery> = {
    next: () => {
      const value = queue.shift();
      if (value) return Promise.resolve({ value, done: false });
      if (ended) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
  return {
    source,
    push(...items: Delivery[]) {
      for (const item of items) {
        const waiter = waiting.shift();
        if (waiter) waiter({ value: item, done: false });
        else queue.push(item);
      }
    },
    end() {
      ended = true;
      for (const waiter of waiting.splice(0)) waiter({ value: undefined, done: true });
    },
  };
}

const limits: BatchLimits = { maxEvents: 3, maxBytes: 100, maxAgeMs: 50 };

test('batch ids name the stream origin and zero-padded ranges that sort in stream order and name the exact set', () => {
  const id = batchId('EVENTS-20240501', [7, 8, 12]);
  assert.match(id, /^EVENTS-20240501-s000000000007-000000000012-[0-9a-f]{16}$/);
  assert.equal(batchId('EVENTS-20240501', [7, 8, 12]), id, 'same set, same id (a redelivered batch)');
  assert.notEqual(batchId('EVENTS-20240501', [7, 9, 12]), id, 'same range, other messages: another id');
  assert.ok(batchId('EVENTS-20240501', [9, 10]) < batchId('EVENTS-20240501', [100, 101]));
  assert.throws(() => batchId('EVENTS-20240501', []), /at least one/);
});

test('the same sequences of a re-created stream (another origin) get another batch id', () => {
  assert.notEqual(batchId('EVENTS-20240501', [1, 2, 3]), batchId('EVENTS-20240601', [1, 2, 3]));
  assert.notEqual(makeBatch([delivery(1, 10, 'A-1')]).id, makeBatch([delivery(1, 10, 'A-2')]).id);
  assert.throws(() => makeBatch([delivery(1, 10, 'A-1'), delivery(2, 10, 'A-2')]), /one stream origin/);
});

test('a message of another stream origin closes the open batch and opens the next', async () => {
  const f = feed();
  f.push(delivery(1, 10, 'A-1'), delivery(2, 10, 'A-1'), delivery(1, 10, 'A-2'));
  const batcher = new Batcher(f.source, { ...limits, maxAgeMs: 20 });
  const first = await batcher.next();
  assert.deepEqual(
    first?.deliveries.map((d) => [d.origin, d.seq]),
    [
      ['A-1', 1],
      ['A-1', 2],
    ],
  );
  const second = await batcher.next();
  assert.deepEqual(
    second?.deliveries.map((d) => [d.origin, d.seq]),
    [['A-2', 1]],
  );
});

test('limits: count and bytes close a batch; an empty batch always takes a message', () => {
  assert.equal(isFull(3, 0, limits), true);
  assert.equal(isFull(2, 100, limits), true);
  assert.equal(isFull(2, 99, limits), false);
  assert.equal(wouldOverflow(2, 50, 51, limits), true);
  assert.equal(wouldOverflow(2, 50, 50, limits), false);
  assert.equal(wouldOverflow(0, 0, 500, limits), false, 'an oversized message still gets a batch');
});

test('makeBatch sorts by sequence and keeps a redelivered message once (its newest delivery)', () => {
  const older = delivery(5);
  const newer = delivery(5);
  const batch = makeBatch([delivery(6), older, delivery(4), newer]);
  assert.deepEqual(
    batch.deliveries.map((d) => d.seq),
    [4, 5, 6],
  );
  assert.equal(batch.deliveries[1], newer);
  assert.equal(batch.firstSequence, 4);
  assert.equal(batch.lastSequence, 6);
  assert.equal(batch.bytes, 30);
  assert.equal(batch.id, batchId('EVENTS-1', [4, 5, 6]));
});

test('a batch closes at max events without waiting for its age', async () => {
  const f = feed();
  f.push(delivery(1), delivery(2), delivery(3), delivery(4));
  const batcher = new Batcher(f.source, { ...limits, maxAgeMs: 60_000 });
  const started = Date.now();
  const batch = await batcher.next();
  assert.deepEqual(
    batch?.deliveries.map((d) => d.seq),
    [1, 2, 3],
  );
  assert.ok(Date.now() - started < 1000);
});

test('a batch closes before it would pass max bytes; the message that did not fit opens the next', async () => {
  const f = feed();
  f.push(delivery(1, 60), delivery(2, 60), delivery(3, 10));
  f.end();
  const batcher = new Batcher(f.source, limits);
  assert.deepEqual((await batcher.next())?.bytes, 60);
  const second = await batcher.next();
  assert.deepEqual(
    second?.deliveries.map((d) => d.seq),
    [2, 3],
  );
  assert.equal(await batcher.next(), undefined);
});

test('a batch closes at max age after its first message, and the next read is not lost', async () => {
  const f = feed();
  const batcher = new Batcher(f.source, limits);
  const pending = batcher.next();
  await new Promise((r) => setTimeout(r, 100)); // idle time before the first message does not count
  const opened = Date.now();
  f.push(delivery(1));
  const first = await pending;
  const age = Date.now() - opened;
  assert.deepEqual(
    first?.deliveries.map((d) => d.seq),
    [1],
  );
  assert.ok(age >= 40 && age < 1000, `closed after ${age} ms, max age 50 ms`);
  // The read left pending by the age timeout delivers into the next batch.
  const second = batcher.next();
  f.push(delivery(2));
  f.end();
  assert.deepEqual(
    (await second)?.deliveries.map((d) => d.seq),
    [2],
  );
});

test('keepWorking extends the ack deadline of every message until stopped', async () => {
  const deliveries = [delivery(1), delivery(2)];
  const stop = keepWorking(deliveries, 10);
  await new Promise((r) => setTimeout(r, 35));
  stop();
  const counted = deliveries.map((d) => d.calls.filter((c) => c === 'working').length);
  await new Promise((r) => setTimeout(r, 30));
  assert.ok(counted.every((n) => n >= 2));
  assert.deepEqual(
    deliveries.map((d) => d.calls.filter((c) => c === 'working').length),
    counted,
    'no working() after stop',
  );
});
