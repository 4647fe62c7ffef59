/**
 * One trace per event, from the HTTP request to the warehouse commit, with the real collector and
 * loader (NATS, PostgreSQL, S3 on loopback) and the OpenTelemetry SDK exporting to memory; and the
 * Prometheus metrics of both moving by exactly the events sent.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import { startTelemetry, type Telemetry } from '@eventpipe/core/telemetry';
import { collectorInstrumentations } from '@eventpipe/collector/instrumentation';
import type { RunningCollector } from '@eventpipe/collector';
import type { RunningLoader } from '@eventpipe/loader/internal';
import { createOperatorMetrics } from '@eventpipe/operator';
import { configOf, query, settings, startServers, waitFor, WRITE_KEY, type Servers } from '../e2e/harness.js';
import { basicAuth } from '../collector/harness.js';
import { buckets, observations, scrape, value, type Families } from './scrape.js';
import { allQueries, documentedMetrics, exposedSeries, metricNames, ownFamilies } from './monitoring.js';
import { testLogger } from '../secrets.js';

const exporter = new tracing.InMemorySpanExporter();
let telemetry: Telemetry;
let servers: Servers;
let collector: RunningCollector;
let loader: RunningLoader;
const log = testLogger('test');

before(async () => {
  telemetry = startTelemetry({
    serviceName: 'eventpipe-test',
    env: {},
    instrumentations: collectorInstrumentations(),
    spanProcessors: [new tracing.SimpleSpanProcessor(exporter)],
  });
  // Imported once the SDK runs, as the executable does.
  const { startCollector } = await import('@eventpipe/collector');
  const { startLoader } = await import('@eventpipe/loader/internal');
  servers = await startServers();
  const config = configOf(settings(servers, { EVENTPIPE_LOADER_ENRICHMENTS: '[]' }));
  loader = await startLoader(config, log);
  collector = await startCollector(config, log);
});

after(async () => {
  await collector?.close();
  await loader?.close();
  await servers?.dispose();
  await telemetry?.shutdown();
});

const post = (path: string, body: unknown) =>
  fetch(new URL(path, collector.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basicAuth(WRITE_KEY) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });

const loadedIds = async (ids: string[]) =>
  (
    await query<{ n: number }>(
      servers.postgres.url,
      'select count(*)::int as n from web.tracks where id = any($1)',
      [ids],
    )
  )[0]!.n;

type ReadableSpan = tracing.ReadableSpan;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** The batch span that links to `spanId`, once it has ended (it ends after the ack). */
async function batchSpanLinking(spanId: string): Promise<ReadableSpan> {
  let found: ReadableSpan | undefined;
  await waitFor('the batch span', async () => {
    found = exporter
      .getFinishedSpans()
      .find((s) => s.kind === SpanKind.CONSUMER && s.links.some((l) => l.context.spanId === spanId));
    return found !== undefined;
  });
  return found!;
}

test('one /v1/track: server span → producer span in one trace, and the batch span links to it', async () => {
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const response = await fetch(new URL('/v1/track', collector.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basicAuth(WRITE_KEY), traceparent },
    body: JSON.stringify({ userId: 'u1', event: 'Traced', messageId: 'trace-one' }),
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(response.status, 200);
  await waitFor('the event in the warehouse', async () => (await loadedIds(['trace-one'])) === 1);

  const spans = exporter.getFinishedSpans();
  const server = spans.find((s) => s.kind === SpanKind.SERVER && s.name === 'POST /v1/track');
  assert.ok(server, `no server span among ${spans.map((s) => s.name).join(', ')}`);
  // The caller's trace is continued.
  assert.equal(server.spanContext().traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  const producer = spans.find(
    (s) => s.kind === SpanKind.PRODUCER && parentOf(s) === server.spanContext().spanId,
  );
  assert.ok(producer, 'no producer span under the server span');
  assert.equal(producer.name, 'send events.web.track');
  assert.equal(producer.spanContext().traceId, server.spanContext().traceId);
  assert.deepEqual(
    {
      system: producer.attributes['messaging.system'],
      destination: producer.attributes['messaging.destination.name'],
      operation: producer.attributes['messaging.operation.type'],
      id: producer.attributes['messaging.message.id'],
    },
    { system: 'nats', destination: 'events.web.track', operation: 'send', id: 'web:trace-one' },
  );

  const batch = await batchSpanLinking(producer.spanContext().spanId);
  assert.equal(batch.name, 'process EVENTS');
  assert.equal(batch.attributes['messaging.consumer.group.name'], 'loader');
  assert.equal(batch.links[0]!.context.traceId, server.spanContext().traceId);
  const children = exporter
    .getFinishedSpans()
    .filter((s) => s.spanContext().traceId === batch.spanContext().traceId);
  const direct = new Set(
    children.filter((s) => parentOf(s) === batch.spanContext().spanId).map((s) => s.name),
  );
  for (const step of ['decode', 'stage-raw', 'enrich', 'transform', 'stage-rows', 'load', 'ack']) {
    assert.ok(direct.has(step), `no ${step} span under the batch span (has ${[...direct].join(', ')})`);
  }
  const load = children.find((s) => s.name === 'load' && parentOf(s) === batch.spanContext().spanId)!;
  const inLoad = new Set(
    children.filter((s) => parentOf(s) === load.spanContext().spanId).map((s) => s.name),
  );
  for (const step of ['copy', 'merge', 'commit']) assert.ok(inLoad.has(step), `no ${step} span under load`);
});

test('a /v1/batch of 100 events: one batch span with 100 links; metrics move by exactly 100', async () => {
  const collectorBefore = await scrape(collector.metricsUrl);
  const loaderMetricsUrl = `http://127.0.0.1:${loader.healthPort}/metrics`;
  const loaderBefore = await scrape(loaderMetricsUrl);

  const ids = Array.from({ length: 100 }, (_, i) => `trace-batch-${i}`);
  const response = await post('/v1/batch', {
    batch: ids.map((messageId) => ({ type: 'track', userId: 'u2', event: 'Batched', messageId })),
  });
  assert.equal(response.status, 200);
  await waitFor('the batch in the warehouse', async () => (await loadedIds(ids)) === 100);

  const producers = exporter
    .getFinishedSpans()
    .filter(
      (s) =>
        s.kind === SpanKind.PRODUCER &&
        String(s.attributes['messaging.message.id']).startsWith('web:trace-batch-'),
    );
  assert.equal(producers.length, 100);
  assert.equal(new Set(producers.map((p) => p.spanContext().traceId)).size, 1, 'one trace for the request');
  const batch = await batchSpanLinking(producers[0]!.spanContext().spanId);
  const linked = new Set(batch.links.map((l) => l.context.spanId));
  assert.equal(batch.links.length, 100);
  for (const producer of producers) assert.ok(linked.has(producer.spanContext().spanId));

  const delta = (after: Families, before: Families, name: string, labels = {}) =>
    value(after, name, labels) - value(before, name, labels);
  const collectorAfter = await scrape(collector.metricsUrl);
  assert.equal(
    delta(collectorAfter, collectorBefore, 'eventpipe_collector_events_accepted_total', { source: 'web' }),
    100,
  );
  assert.equal(
    delta(collectorAfter, collectorBefore, 'eventpipe_collector_requests_total', {
      route: '/v1/batch',
      status: '200',
    }),
    1,
  );
  assert.equal(
    observations(collectorAfter, 'eventpipe_collector_event_bytes') -
      observations(collectorBefore, 'eventpipe_collector_event_bytes'),
    100,
  );
  // The request latency histogram, per route: one more /v1/batch request, in every bucket at least
  // as wide as its duration and in /v1/batch's series only.
  const latency = 'eventpipe_collector_request_duration_seconds';
  const batchRoute = { route: '/v1/batch' };
  assert.equal(
    observations(collectorAfter, latency, batchRoute) - observations(collectorBefore, latency, batchRoute),
    1,
  );
  const bucketsBefore = buckets(collectorBefore, latency, batchRoute);
  const bucketsAfter = buckets(collectorAfter, latency, batchRoute);
  assert.ok(bucketsAfter.size > 2, 'the /v1/batch series has its buckets');
  const moved = [...bucketsAfter].map(([le, n]) => [le, n - (bucketsBefore.get(le) ?? 0)] as const);
  assert.equal(moved.at(-1)![0], '+Inf');
  assert.equal(moved.at(-1)![1], 1);
  for (let i = 1; i < moved.length; i++) assert.ok(moved[i]![1] >= moved[i - 1]![1], 'cumulative');
  const trackRoute = { route: '/v1/track' };
  assert.equal(
    observations(collectorAfter, latency, trackRoute),
    observations(collectorBefore, latency, trackRoute),
  );
  // The loader counts after the ack's COMMIT, which may trail the rows' visibility by a moment.
  let loaderAfter = await scrape(loaderMetricsUrl);
  await waitFor('the loader metrics', async () => {
    loaderAfter = await scrape(loaderMetricsUrl);
    return (
      observations(loaderAfter, 'eventpipe_loader_event_to_warehouse_seconds') -
        observations(loaderBefore, 'eventpipe_loader_event_to_warehouse_seconds') >=
      100
    );
  });
  assert.equal(
    observations(loaderAfter, 'eventpipe_loader_event_to_warehouse_seconds') -
      observations(loaderBefore, 'eventpipe_loader_event_to_warehouse_seconds'),
    100,
  );
  assert.equal(
    delta(loaderAfter, loaderBefore, 'eventpipe_loader_rows_loaded_total', { table: 'web.tracks' }),
    100,
  );
  // One batch age per committed batch (or part), each no older than the slowest event of the lot.
  const age = 'eventpipe_loader_batch_age_seconds';
  const ages = observations(loaderAfter, age) - observations(loaderBefore, age);
  assert.ok(ages >= 1 && ages <= 100, `${ages} batch ages`);
  const latencySum = (f: Families) => sumOf(f, 'eventpipe_loader_event_to_warehouse_seconds');
  assert.ok(
    sumOf(loaderAfter, age) - sumOf(loaderBefore, age) <= latencySum(loaderAfter) - latencySum(loaderBefore),
  );
});

/** A histogram's `_sum` over all its series. */
const sumOf = (f: Families, name: string) =>
  (f.get(name)?.samples ?? []).filter((s) => s.name === `${name}_sum`).reduce((n, s) => n + s.value, 0);

test('a refused request is counted by reason and source', async () => {
  const before = await scrape(collector.metricsUrl);
  const response = await post('/v1/batch', { batch: [{ type: 'track', userId: 'u3' }, { type: 'track' }] });
  assert.equal(response.status, 400);
  const after = await scrape(collector.metricsUrl);
  const rejected = (f: Families) =>
    value(f, 'eventpipe_collector_events_rejected_total', { reason: 'invalid', source: 'web' });
  assert.equal(rejected(after) - rejected(before), 2);
});

test('every metric the dashboard and the alerts query is exposed by the collector, loader or operator', async () => {
  const pages = await Promise.all(
    [collector.metricsUrl, `http://127.0.0.1:${loader.healthPort}/metrics`].map(async (url) =>
      (await fetch(url)).text(),
    ),
  );
  // The operator's page as it serves it (its metrics against a real API server: test/src/k8s).
  pages.push(await createOperatorMetrics().registry.metrics());
  const exposed = new Set(pages.flatMap((text) => [...exposedSeries(text)]));
  const missing = [...new Set(allQueries().flatMap(metricNames))].filter((name) => !exposed.has(name));
  assert.deepEqual(missing, []);
  // docs/operations.md's table names exactly the metrics the processes expose.
  const documented = documentedMetrics();
  const own = new Set(pages.flatMap(ownFamilies));
  assert.deepEqual(
    [...documented].filter((name) => !own.has(name)),
    [],
    'documented but not exposed',
  );
  assert.deepEqual(
    [...own].filter((name) => !documented.has(name)),
    [],
    'exposed but not documented',
  );
});
