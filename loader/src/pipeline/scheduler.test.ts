import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeBatch, type Batch } from '../batch.js';
import { CommitOrder, PredecessorAbandoned, runBatches, type Outcome, type Pipeline } from './scheduler.js';
import { delivery, envelope } from './test-fixtures.js';

test('runBatches keeps at most maxInFlight batches in process and holds what it does not load', async () => {
  const batches = [1, 2, 3, 4, 5].map((seq) => makeBatch([delivery(seq, envelope(`m${seq}`))]));
  let running = 0;
  let most = 0;
  const stop = new AbortController();
  const pipeline: Pipeline = {
    async process(batch) {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 10));
      running--;
      // The third batch's load is given up at shutdown.
      if (batch.firstSequence === 3) {
        stop.abort();
        return 'abandoned';
      }
      return 'loaded';
    },
  };
  const held: number[] = [];
  const queue = [...batches];
  await runBatches(async () => queue.shift(), pipeline, {
    maxInFlight: 2,
    signal: stop.signal,
    hold: (batch: Batch) => held.push(batch.firstSequence),
  });
  assert.equal(most, 2);
  assert.equal(queue.length, 0, 'every batch was taken');
  // 3 was abandoned; 5 (and 4, if taken after the abort) were held without being processed.
  assert.ok(held.includes(3) && held.includes(5), `held ${held.join(',')}`);
  assert.ok(!held.includes(1) && !held.includes(2));
});

test('runBatches waits for the batches in flight, then reports an unexpected error', async () => {
  let finished = 0;
  const pipeline: Pipeline = {
    async process(batch) {
      await new Promise((resolve) => setTimeout(resolve, batch.firstSequence === 1 ? 30 : 5));
      if (batch.firstSequence === 2) throw new Error('bug');
      finished++;
      return 'loaded';
    },
  };
  const queue = [1, 2, 3].map((seq) => makeBatch([delivery(seq, envelope(`m${seq}`))]));
  await assert.rejects(
    runBatches(async () => queue.shift(), pipeline, {
      maxInFlight: 2,
      signal: new AbortController().signal,
      hold: () => {},
    }),
    /bug/,
  );
  assert.equal(finished, 1, 'the first batch finished; none was started after the error');
});

test('CommitOrder gives a turn after the work before it finished, and none after it was abandoned', async () => {
  const order = new CommitOrder();
  const events: string[] = [];
  let finishFirst = (_outcome: Outcome) => {};
  const first = order.run(() => new Promise<Outcome>((resolve) => (finishFirst = resolve)));
  const second = order.run(async (turn) => {
    await turn();
    events.push('second writes');
    return 'loaded';
  });
  const third = order.run(async (turn) => {
    await turn();
    return 'loaded';
  });
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(events, [], 'the second waits for the first');
  finishFirst('loaded');
  assert.equal(await first, 'loaded');
  assert.equal(await second, 'loaded');
  assert.deepEqual(events, ['second writes']);
  assert.equal(await third, 'loaded');

  const abandoned = order.run(async () => 'abandoned');
  const after = order.run(async (turn) => {
    await turn();
    return 'loaded';
  });
  assert.equal(await abandoned, 'abandoned');
  await assert.rejects(after, PredecessorAbandoned);
});
