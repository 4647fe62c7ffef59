import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LruCache } from './lru.js';

test('LruCache computes once per key, stays bounded and evicts the least recently used', () => {
  const computed: string[] = [];
  const cache = new LruCache<string, string>(2);
  const get = (key: string): string =>
    cache.getOrCompute(key, (k) => {
      computed.push(k);
      return k.toUpperCase();
    });
  assert.equal(get('a'), 'A');
  assert.equal(get('b'), 'B');
  assert.equal(get('a'), 'A'); // hit: a is now the most recent
  assert.equal(get('c'), 'C'); // evicts b
  assert.equal(cache.size, 2);
  get('a');
  get('b');
  assert.deepEqual(computed, ['a', 'b', 'c', 'b']);
});

test('LruCache of capacity 0 caches nothing', () => {
  let calls = 0;
  const cache = new LruCache<string, number>(0);
  cache.getOrCompute('x', () => ++calls);
  cache.getOrCompute('x', () => ++calls);
  assert.equal(calls, 2);
  assert.equal(cache.size, 0);
});
