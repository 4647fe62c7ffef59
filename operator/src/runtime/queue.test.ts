import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@eventpipe/core';
import { backoffDelay, WorkQueue } from './queue.js';

const log = createLogger('test', 'silent');

test('backoff doubles per failure and is capped', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 10, 100].map((n) => backoffDelay(n, 100, 1000)),
    [0, 100, 200, 400, 800, 1000, 1000],
  );
});

test('one key never runs twice at once, and an add during its work runs it again after', async () => {
  const runs: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const queue = new WorkQueue(async (key) => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    runs.push(key);
    await sleep(20);
    running--;
  }, log);
  queue.add('a');
  await sleep(5);
  queue.add('a'); // during the work: remembered
  queue.add('a'); // and collapsed with the one before
  await sleep(80);
  assert.deepEqual(runs, ['a', 'a']);
  assert.equal(maxRunning, 1);
  await queue.stop();
});

test('different keys run concurrently; queued duplicates collapse', async () => {
  const runs: string[] = [];
  const queue = new WorkQueue(
    async (key) => {
      runs.push(key);
      await sleep(20);
    },
    log,
    { concurrency: 2 },
  );
  for (const key of ['a', 'b', 'c', 'c', 'c']) queue.add(key);
  await sleep(10);
  assert.deepEqual(runs, ['a', 'b'], 'two at a time');
  await sleep(60);
  assert.deepEqual(runs, ['a', 'b', 'c']);
  await queue.stop();
});

test('a failing key is retried with growing delays, and the count resets on success', async () => {
  const at: number[] = [];
  const start = Date.now();
  const queue = new WorkQueue(
    async () => {
      at.push(Date.now() - start);
      if (at.length < 4) throw new Error('not yet');
    },
    log,
    { baseDelayMs: 20, maxDelayMs: 1000 },
  );
  queue.add('k');
  await sleep(300);
  assert.equal(at.length, 4);
  const gaps = at.slice(1).map((t, i) => t - at[i]!);
  assert.ok(gaps[0]! >= 18 && gaps[1]! >= 38 && gaps[2]! >= 78, `gaps ${gaps.join(',')}`);
  await queue.stop();
});
