/**
 * The real server SDKs against a real collector and nats-server: every call type of
 * `@segment/analytics-node` (JSON, Basic auth, batch sentAt) and `@rudderstack/rudder-sdk-node`
 * (gzip body labelled application/x-www-form-urlencoded, per-event sentAt) is stored exactly once,
 * with its envelope.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { EVENT_TYPES, type EventType } from '@eventpipe/core';
import { startHarness, SOURCE_ID, WRITE_KEY, type Harness, type StoredEvent } from './harness.js';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;

/** One call of each type, each with its own messageId and userId so it can be found again. */
function calls(sdk: string) {
  return EVENT_TYPES.map((type) => {
    const messageId = `${sdk}-${type}-${randomUUID()}`;
    const common = { userId: `${sdk}-user`, messageId };
    const params = {
      track: { ...common, event: 'Order Completed', properties: { total: 12.5 } },
      identify: { ...common, traits: { plan: 'pro' } },
      page: { ...common, name: 'Home', properties: { path: '/' } },
      screen: { ...common, name: 'Settings' },
      group: { ...common, groupId: 'g-1', traits: { size: 3 } },
      alias: { ...common, previousId: 'anon-1' },
    }[type];
    return { type, messageId, params };
  });
}

function assertStoredOnce(
  stored: StoredEvent[],
  sent: { type: EventType; messageId: string }[],
  userAgent: RegExp,
  window: { from: number; to: number },
) {
  for (const { type, messageId } of sent) {
    const found = stored.filter((s) => s.envelope.messageId === messageId);
    assert.equal(found.length, 1, `${type} ${messageId} stored ${found.length} times`);
    const { subject, msgId, envelope } = found[0]!;
    assert.equal(subject, `events.${SOURCE_ID}.${type}`);
    assert.equal(msgId, `${SOURCE_ID}:${messageId}`);
    assert.equal(envelope.v, 1);
    assert.equal(envelope.sourceId, SOURCE_ID);
    assert.equal(envelope.type, type);
    assert.equal(envelope.messageIdAssigned, undefined);
    assert.equal(envelope.event.type, type);
    assert.equal(envelope.event.messageId, messageId);
    assert.equal('writeKey' in envelope.event, false, 'the write key is not stored');
    assert.equal(envelope.ip, '127.0.0.1');
    assert.match(envelope.userAgent ?? '', userAgent);
    assert.match(envelope.traceparent ?? '', TRACEPARENT);
    const receivedAt = Date.parse(envelope.receivedAt);
    assert.ok(receivedAt >= window.from && receivedAt <= window.to, `receivedAt ${envelope.receivedAt}`);
    assert.ok(envelope.sentAt && !Number.isNaN(Date.parse(envelope.sentAt)), `sentAt ${envelope.sentAt}`);
  }
}

test('@segment/analytics-node: every call type is stored once with its envelope', async () => {
  const from = Date.now();
  const errors: unknown[] = [];
  const analytics = new SegmentAnalytics({
    writeKey: WRITE_KEY,
    host: harness.collector.url,
    flushAt: 3,
    maxRetries: 0,
  });
  analytics.on('error', (error) => errors.push(error));
  const sent = calls('segment');
  for (const { type, params } of sent) {
    // Each call type has its own parameter shape; the table above builds the right one per type.
    (analytics[type] as (p: typeof params) => void).call(analytics, params);
  }
  await analytics.closeAndFlush({ timeout: 10_000 });
  assert.deepEqual(errors, []);
  const stored = (await harness.stored()).filter((s) => s.envelope.event.userId === 'segment-user');
  assert.equal(stored.length, sent.length);
  assertStoredOnce(stored, sent, /analytics-node/, { from, to: Date.now() });
});

test('@rudderstack/rudder-sdk-node: every call type is stored once with its envelope', async () => {
  const from = Date.now();
  const errors: unknown[] = [];
  const client = new RudderAnalytics(WRITE_KEY, {
    dataPlaneUrl: harness.collector.url,
    flushAt: 100,
    flushInterval: 60_000,
    retryCount: 0,
    logLevel: 'error',
    errorHandler: (error: unknown) => errors.push(error),
  });
  const sent = calls('rudder');
  for (const { type, params } of sent) {
    (client[type] as (p: typeof params) => void).call(client, params);
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('rudder flush did not finish within 10 s')), 10_000);
    client.flush((error?: Error) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    });
  });
  assert.deepEqual(errors, []);
  const stored = (await harness.stored()).filter((s) => s.envelope.event.userId === 'rudder-user');
  assert.equal(stored.length, sent.length);
  assertStoredOnce(stored, sent, /analytics-node/, { from, to: Date.now() });
  // RudderStack stamps sentAt on each event: the event's own value wins over the batch's.
  for (const s of stored) assert.equal(s.envelope.sentAt, s.envelope.event.sentAt);
});
