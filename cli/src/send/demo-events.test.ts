import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_TYPES, validateEvent } from '@eventpipe/core';
import { demoEvents } from './demo-events.js';

const take = (n: number, seed: number) => {
  const generator = demoEvents({ seed, start: new Date('2026-03-01T12:00:00Z') });
  return Array.from({ length: n }, () => generator.next());
};

test('every demo event is a valid Segment call', () => {
  for (const event of take(2000, 7)) {
    assert.equal(validateEvent(event.type, event), undefined, JSON.stringify(event));
  }
});

test('the same seed gives the same events, another seed other events', () => {
  assert.deepEqual(take(200, 42), take(200, 42));
  assert.notDeepEqual(take(200, 42), take(200, 43));
});

test('the traffic covers every call type, several event names and property shapes', () => {
  const events = take(2000, 3);
  assert.deepEqual(new Set(events.map((e) => e.type)), new Set(EVENT_TYPES));
  const names = new Set(events.filter((e) => e.type === 'track').map((e) => e.event));
  for (const name of ['Order Completed', 'Product Viewed', 'Signed Up']) assert.ok(names.has(name), name);

  const order = events.find((e) => e.event === 'Order Completed')!;
  const props = order.properties as Record<string, unknown>;
  assert.ok(Array.isArray(props.products), 'arrays');
  assert.equal(typeof (props.shipping as Record<string, unknown>).address, 'object', 'nested objects');
  assert.equal(typeof props.revenue, 'number');
  assert.ok(!Number.isNaN(Date.parse(String(props.delivered_by))), 'ISO timestamps');

  const users = new Set(events.map((e) => e.userId).filter(Boolean));
  const anonymous = new Set(events.map((e) => e.anonymousId));
  assert.ok(users.size >= 3 && anonymous.size >= 5);
  const urls = events.map((e) => (e.context?.page as { url?: string } | undefined)?.url ?? '');
  assert.ok(
    urls.some((u) => u.includes('utm_source=')),
    'UTM parameters',
  );
  assert.ok(events.every((e) => /^Mozilla\/5\.0/.test(String(e.context?.userAgent))));
});

test('message ids are unique and timestamps move forward', () => {
  const events = take(1000, 5);
  assert.equal(new Set(events.map((e) => e.messageId)).size, events.length);
  const times = events.map((e) => Date.parse(e.timestamp!));
  assert.ok(times.every((t, i) => i === 0 || t > times[i - 1]!));
});
