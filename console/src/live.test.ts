import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Envelope } from '@eventpipe/core';
import { matchesFilter, parseLiveFilter, sseMessage } from './live.js';

const envelope = (type: Envelope['type'], event: Envelope['event']): Envelope => ({
  v: 1,
  sourceId: 'web',
  type,
  messageId: 'm1',
  receivedAt: '2026-01-01T00:00:00.000Z',
  event,
});

test('filters narrow by type, by part of the event or page name in any case, and by user or anonymous id', () => {
  const order = envelope('track', { event: 'Order Completed', userId: 'u1' });
  const page = envelope('page', { name: 'Home', anonymousId: 'a1' });
  const numeric = envelope('identify', { userId: 42 });
  assert.equal(matchesFilter(order, {}), true);
  assert.equal(matchesFilter(order, { type: 'track' }), true);
  assert.equal(matchesFilter(page, { type: 'track' }), false);
  assert.equal(matchesFilter(order, { event: 'order comp' }), true);
  assert.equal(matchesFilter(order, { event: 'Signed' }), false);
  assert.equal(matchesFilter(page, { event: 'home' }), true);
  assert.equal(matchesFilter(numeric, { event: 'x' }), false);
  assert.equal(matchesFilter(order, { userId: 'u1' }), true);
  assert.equal(matchesFilter(order, { userId: 'u' }), false);
  assert.equal(matchesFilter(page, { userId: 'a1' }), true);
  assert.equal(matchesFilter(numeric, { userId: '42' }), true);
  assert.equal(matchesFilter(order, { type: 'track', event: 'order', userId: 'u2' }), false);
});

test('filter values are checked: known types, bounded strings, one value each', () => {
  assert.deepEqual(parseLiveFilter({ type: 'page', event: '', userId: 'u1' }), {
    type: 'page',
    userId: 'u1',
  });
  assert.match(parseLiveFilter({ type: 'click' }) as string, /^type: one of/);
  assert.match(parseLiveFilter({ event: 'x'.repeat(201) }) as string, /^event:/);
  assert.match(parseLiveFilter({ userId: ['a', 'b'] }) as string, /^userId:/);
});

test('an SSE message puts each line of its data in its own data field', () => {
  assert.equal(sseMessage('event', '{"a":1}'), 'event: event\ndata: {"a":1}\n\n');
  assert.equal(sseMessage('x', 'a\nb\r\nc'), 'event: x\ndata: a\ndata: b\ndata: c\n\n');
});
