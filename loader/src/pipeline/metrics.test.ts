import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoaderMetrics } from './metrics.js';

test('event-to-warehouse latency: one observation per event, never negative, unparsable times skipped', async () => {
  const metrics = createLoaderMetrics();
  const now = Date.now();
  metrics.observeCommitted([
    new Date(now - 2_000).toISOString(),
    new Date(now + 60_000).toISOString(),
    'not a time',
  ]);
  const [histogram] = (await metrics.registry.getMetricsAsJSON()).filter(
    (m) => m.name === 'eventpipe_loader_event_to_warehouse_seconds',
  );
  const values = histogram!.values as {
    metricName?: string;
    value: number;
    labels: { le?: number | string };
  }[];
  const count = values.find((v) => v.metricName?.endsWith('_count'))!.value;
  const sum = values.find((v) => v.metricName?.endsWith('_sum'))!.value;
  assert.equal(count, 2);
  assert.ok(sum >= 2 && sum < 3, `sum ${sum}`);
});

test('the consumer gauges read JetStream once per scrape', async () => {
  const metrics = createLoaderMetrics();
  let calls = 0;
  metrics.measurePending(async () => {
    calls++;
    return { pending: 7, ackPending: 3, redelivered: 1 };
  });
  const text = await metrics.registry.metrics();
  assert.match(text, /^eventpipe_loader_consumer_pending_messages 7$/m);
  assert.match(text, /^eventpipe_loader_consumer_ack_pending_messages 3$/m);
  assert.match(text, /^eventpipe_loader_consumer_redelivered_messages 1$/m);
  assert.equal(calls, 1);
});

test('batch age: one observation per committed batch, its oldest event, none for a batch without times', async () => {
  const metrics = createLoaderMetrics();
  const now = Date.now();
  metrics.observeCommitted([
    new Date(now - 2_000).toISOString(),
    new Date(now - 30_000).toISOString(),
    new Date(now + 60_000).toISOString(),
    'not a time',
  ]);
  metrics.observeCommitted(['not a time']);
  const text = await metrics.registry.metrics();
  assert.match(text, /^eventpipe_loader_batch_age_seconds_count 1$/m);
  const sum = Number(/^eventpipe_loader_batch_age_seconds_sum (\S+)$/m.exec(text)![1]);
  assert.ok(sum >= 30 && sum < 31, `sum ${sum}`);
  assert.match(text, /^eventpipe_loader_batch_age_seconds_bucket\{le="10"\} 0$/m);
  assert.match(text, /^eventpipe_loader_batch_age_seconds_bucket\{le="60"\} 1$/m);
});
