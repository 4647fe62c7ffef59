import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evenSample, eventLinks } from './tracing.js';

test('links are capped by an even sample that keeps the first and last event, in order', () => {
  const items = Array.from({ length: 100 }, (_, i) => i);
  assert.deepEqual(evenSample(items, 1000), items);
  assert.deepEqual(evenSample(items, 100), items);
  assert.deepEqual(evenSample(items, 5), [0, 25, 50, 74, 99]);
  assert.deepEqual(evenSample(items, 1), [0]);
  assert.deepEqual(evenSample(items, 0), []);
  const sampled = evenSample(items, 37);
  assert.equal(sampled.length, 37);
  assert.equal(new Set(sampled).size, 37, 'no event linked twice');
});

test('only events with a valid traceparent are linked', () => {
  const valid = (i: number) => `00-${'a'.repeat(31)}${i}-${'b'.repeat(15)}${i}-01`;
  const links = eventLinks([valid(1), undefined, 'garbage', valid(2)], 10);
  assert.deepEqual(
    links.map((l) => l.context.spanId),
    [`${'b'.repeat(15)}1`, `${'b'.repeat(15)}2`],
  );
  assert.equal(eventLinks([valid(1), valid(2), valid(3)], 2).length, 2);
});
