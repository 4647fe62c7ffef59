import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@eventpipe/core';
import { backoffDelay, decide, halves, loadIsolating, retryUntilStopped, StepFailure } from './retry.js';
import { isPermanent, Rejected } from './test-fixtures.js';

test('decide: only permanent failures split, a single permanent failure is dead-lettered', () => {
  const load = (cause: unknown) => new StepFailure('load', cause);
  assert.equal(decide(load(new Error('connection refused')), 10, isPermanent), 'retry');
  assert.equal(decide(load(new Rejected('invalid input')), 10, isPermanent), 'split');
  assert.equal(decide(load(new Rejected('invalid input')), 1, isPermanent), 'dead-letter');
  assert.equal(decide(new StepFailure('transform', new TypeError('bug')), 2, isPermanent), 'split');
  assert.equal(decide(new StepFailure('enrich', new TypeError('bug')), 1, isPermanent), 'dead-letter');
  assert.equal(decide(new StepFailure('stage-rows', new Rejected('s3')), 10, isPermanent), 'retry');
  assert.equal(decide(new Error('anything else'), 10, isPermanent), 'retry');
});

test('backoff doubles from the base, is capped, and jitters within ±20 %', () => {
  const policy = { baseMs: 100, maxMs: 1000 };
  const mid = () => 0.5;
  assert.deepEqual(
    [1, 2, 3, 4, 5, 10].map((a) => backoffDelay(a, policy, mid)),
    [100, 200, 400, 800, 1000, 1000],
  );
  assert.equal(
    backoffDelay(1, policy, () => 0),
    80,
  );
  assert.equal(
    backoffDelay(1, policy, () => 1),
    120,
  );
});

test('halves split in stream order', () => {
  assert.deepEqual(halves([1, 2, 3, 4, 5]), [
    [1, 2, 3],
    [4, 5],
  ]);
});

test('loadIsolating splits down to the items at fault and returns them as dead letters', async () => {
  const attempts: number[][] = [];
  const deadLetters = await loadIsolating(
    [1, 2, 3, 4, 5],
    async (part) => {
      attempts.push(part);
      if (part.includes(4)) throw new StepFailure('load', new Rejected('bad row'));
    },
    {
      isPermanentLoadError: isPermanent,
      deadLetter: (item, reason) => ({
        sourceId: 'web',
        messageId: `m${item}`,
        origin: 'EVENTS-1',
        streamSequence: item,
        reason,
        envelope: null,
      }),
      log: createLogger('test', 'silent'),
      context: () => ({}),
      describe: (item) => ({ seq: item }),
    },
  );
  assert.deepEqual(
    deadLetters.map((d) => [d.streamSequence, d.reason]),
    [[4, 'load: bad row']],
  );
  assert.deepEqual(attempts, [[1, 2, 3, 4, 5], [1, 2, 3], [4, 5], [4], [5]]);
});

test('loadIsolating rethrows a transient failure for the caller to retry', async () => {
  await assert.rejects(
    loadIsolating(
      [1, 2],
      async () => {
        throw new StepFailure('load', new Error('ECONNREFUSED'));
      },
      {
        isPermanentLoadError: isPermanent,
        deadLetter: () => assert.fail('nothing is dead-lettered'),
        log: createLogger('test', 'silent'),
        context: () => ({}),
        describe: () => ({}),
      },
    ),
    /ECONNREFUSED/,
  );
});

test('retryUntilStopped retries with backoff until the work succeeds', async () => {
  const retries: number[] = [];
  let calls = 0;
  const outcome = await retryUntilStopped(
    async (attempt) => {
      calls++;
      if (attempt < 3) throw new Error(`failure ${attempt}`);
      return 'done';
    },
    {
      policy: { baseMs: 1, maxMs: 2 },
      signal: new AbortController().signal,
      onRetry: (_error, attempt) => retries.push(attempt),
    },
  );
  assert.deepEqual(outcome, { ok: true, value: 'done' });
  assert.equal(calls, 3);
  assert.deepEqual(retries, [1, 2]);
});

test('retryUntilStopped gives up when the signal aborts, and at once on a final failure', async () => {
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 30);
  const stopped = await retryUntilStopped(
    async () => {
      throw new Error('down');
    },
    { policy: { baseMs: 5, maxMs: 5 }, signal: stop.signal, onRetry: () => {} },
  );
  assert.equal(stopped.ok, false);
  assert.match((stopped as { error: Error }).error.message, /down/);

  let calls = 0;
  const final = await retryUntilStopped(
    async () => {
      calls++;
      throw new Rejected('never');
    },
    {
      policy: { baseMs: 5, maxMs: 5 },
      signal: new AbortController().signal,
      isFinal: isPermanent,
      onRetry: () => assert.fail('a final failure is not retried'),
    },
  );
  assert.equal(final.ok, false);
  assert.equal(calls, 1);
});
