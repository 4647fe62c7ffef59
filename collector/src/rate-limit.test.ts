import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpError } from './errors.js';
import { createRateLimiter } from './rate-limit.js';

const refusal = (fn: () => void): HttpError => {
  try {
    fn();
  } catch (error) {
    return error as HttpError;
  }
  assert.fail('not refused');
};

test('a burst, then one request per 1/perSecond; 429 with the wait in Retry-After and x-ratelimit-reset', () => {
  let now = 0;
  const limiter = createRateLimiter({ perSecond: 2, burst: 3, maxKeys: 10 }, () => now);
  for (let i = 0; i < 3; i++) limiter.take('a', 'source a');
  const error = refusal(() => limiter.take('a', 'source a'));
  assert.equal(error.statusCode, 429);
  assert.match(error.message, /2 requests per second \(burst 3\) for source a exceeded/);
  assert.deepEqual(error.headers, { 'retry-after': '1', 'x-ratelimit-reset': '1' });
  // Other keys have their own bucket.
  limiter.take('b', 'source b');
  now = 500; // one token back
  limiter.take('a', 'source a');
  refusal(() => limiter.take('a', 'source a'));
  now = 10_000; // refilled to the burst, not beyond
  for (let i = 0; i < 3; i++) limiter.take('a', 'source a');
  refusal(() => limiter.take('a', 'source a'));
});

test('Retry-After rounds a slow refill up to whole seconds', () => {
  const limiter = createRateLimiter({ perSecond: 0.1, burst: 1, maxKeys: 10 }, () => 0);
  limiter.take('ip', 'IP 192.0.2.1');
  assert.equal(refusal(() => limiter.take('ip', 'IP 192.0.2.1')).headers['retry-after'], '10');
});

test('perSecond 0 is off and holds nothing', () => {
  const limiter = createRateLimiter({ perSecond: 0, burst: 1, maxKeys: 10 });
  for (let i = 0; i < 100; i++) limiter.take(`k${i}`, 'x');
  assert.equal(limiter.size(), 0);
});

test('memory stays bounded under many distinct keys; the least recently used are evicted', () => {
  let now = 0;
  const limiter = createRateLimiter({ perSecond: 1, burst: 1, maxKeys: 1_000 }, () => now);
  limiter.take('busy', 'IP busy');
  for (let i = 0; i < 100_000; i++) {
    limiter.take(`10.0.${i >> 8}.${i & 255}`, 'IP');
    if (i % 500 === 0) refusal(() => limiter.take('busy', 'IP busy')); // keeps it recently used
  }
  assert.equal(limiter.size(), 1_000);
  // The busy key, used throughout, kept its (empty) bucket rather than being evicted.
  refusal(() => limiter.take('busy', 'IP busy'));
  now = 1_000;
  limiter.take('busy', 'IP busy');
});
