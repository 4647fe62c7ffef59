/**
 * `eventpipe dev` with only the standard OTEL_* variables set exports its traces over OTLP
 * http/json to a receiver on loopback: the same chain as in-process (server span → producer span,
 * batch span linking to it with its step spans). Its logs, at debug level, carry trace ids inside
 * spans and never a secret; nor do the exported spans.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { S3RVER_CREDENTIALS } from '@eventpipe/local';
import { startDev, tempDataDir, waitForQuery, type DevProcess } from '../dev/harness.js';
import { observations, scrape } from './scrape.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  links?: { traceId: string; spanId: string }[];
  /** The `service.name` of the resource it came with (set by the receiver). */
  service?: string;
}
interface OtlpMetric {
  name: string;
  sum?: { dataPoints: { asDouble?: number; asInt?: string | number }[] };
  histogram?: { dataPoints: unknown[] };
}
const KIND = { SERVER: 2, PRODUCER: 4, CONSUMER: 5 };

/** A loopback OTLP/HTTP receiver keeping every span and every request body. */
async function startReceiver(): Promise<{
  url: string;
  spans: OtlpSpan[];
  metrics: OtlpMetric[];
  bodies: string[];
  server: Server;
}> {
  const spans: OtlpSpan[] = [];
  const metrics: OtlpMetric[] = [];
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      bodies.push(body);
      if (request.url === '/v1/traces') {
        assert.match(String(request.headers['content-type']), /application\/json/);
        const parsed = JSON.parse(body) as {
          resourceSpans: {
            resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
            scopeSpans: { spans: OtlpSpan[] }[];
          }[];
        };
        for (const { resource, scopeSpans } of parsed.resourceSpans) {
          const service = resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue;
          for (const scope of scopeSpans) for (const span of scope.spans) spans.push({ ...span, service });
        }
      }
      if (request.url === '/v1/metrics') {
        const parsed = JSON.parse(body) as {
          resourceMetrics: { scopeMetrics: { metrics: OtlpMetric[] }[] }[];
        };
        for (const resource of parsed.resourceMetrics)
          for (const scope of resource.scopeMetrics) metrics.push(...scope.metrics);
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    metrics,
    bodies,
    server,
  };
}

const dataDir = tempDataDir('otlp');
let dev: DevProcess | undefined;
let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
after(async () => {
  await dev?.stop().catch(() => dev?.killGroup());
  receiver?.server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function until<T>(what: string, find: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('eventpipe dev exports the event chain over OTLP http/json, with metrics URLs and clean logs', async () => {
  receiver = await startReceiver();
  dev = await startDev(dataDir, {
    EVENTPIPE_LOG_LEVEL: 'debug',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_METRIC_EXPORT_INTERVAL: '500',
  });
  const { info } = dev;
  const response = await fetch(`${info.collectorUrl}/v1/track`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${info.writeKey}:`).toString('base64')}`,
    },
    body: JSON.stringify({ userId: 'u1', event: 'Exported', messageId: 'otlp-one' }),
  });
  assert.equal(response.status, 200);
  await waitForQuery(
    info.warehouseUrl,
    `select count(*)::int as n from ${info.warehouseSchema}.tracks where id = 'otlp-one'`,
    (rows: { n: number }[]) => rows[0]?.n === 1,
  );

  const { spans } = receiver;
  const server = await until('the server span', () =>
    spans.find((s) => s.kind === KIND.SERVER && s.name === 'POST /v1/track'),
  );
  const producer = await until('the producer span', () =>
    spans.find((s) => s.kind === KIND.PRODUCER && s.parentSpanId === server.spanId),
  );
  assert.equal(producer.traceId, server.traceId);
  assert.equal(producer.name, `send events.${info.sourceId}.track`);
  const batch = await until('the batch span', () =>
    spans.find((s) => s.kind === KIND.CONSUMER && s.links?.some((l) => l.spanId === producer.spanId)),
  );
  const steps = await until('the step spans', () => {
    const names = new Set(spans.filter((s) => s.parentSpanId === batch.spanId).map((s) => s.name));
    return ['decode', 'stage-raw', 'transform', 'load', 'ack'].every((n) => names.has(n)) ? names : undefined;
  });
  assert.ok(steps.has('enrich'));
  // Each in-process part is its own service.
  assert.equal(server.service, 'eventpipe-collector');
  assert.equal(producer.service, 'eventpipe-collector');
  assert.equal(batch.service, 'eventpipe-loader');
  assert.ok(
    spans.filter((s) => s.parentSpanId === batch.spanId).every((s) => s.service === 'eventpipe-loader'),
  );

  // Metrics of both in-process components, at the URLs the ready line gives.
  const loaderMetrics = await scrape(info.metricsUrls.loader);
  assert.ok(observations(loaderMetrics, 'eventpipe_loader_event_to_warehouse_seconds') >= 1);
  const collectorMetrics = await scrape(info.metricsUrls.collector);
  assert.ok(collectorMetrics.has('eventpipe_collector_events_accepted_total'));
  // The same series pushed over OTLP: the accepted-events sum reaches 1.
  await until('the OTLP metrics', () =>
    receiver!.metrics.find(
      (m) =>
        m.name === 'eventpipe_collector_events_accepted_total' &&
        m.sum?.dataPoints.some((p) => p.asDouble === 1 || p.asInt === '1' || p.asInt === 1),
    ),
  );
  assert.ok(
    receiver.metrics.some((m) => m.name === 'eventpipe_loader_event_to_warehouse_seconds' && m.histogram),
  );

  const stopped = dev;
  dev = undefined;
  assert.equal(await stopped.stop(), 0);
  const logs = stopped.stderr();
  const batchLines = logs.split('\n').filter((line) => line.includes(`"trace_id":"${batch.traceId}"`));
  assert.ok(
    batchLines.some((line) => line.includes(`"span_id":"${batch.spanId}"`) && line.includes('batch loaded')),
    'the "batch loaded" line carries the batch span ids',
  );

  const secrets = [
    info.writeKey,
    Buffer.from(`${info.writeKey}:`).toString('base64'),
    S3RVER_CREDENTIALS.secretAccessKey,
    decodeURIComponent(new URL(info.warehouseUrl).password),
  ].filter((secret) => secret.length >= 6);
  assert.ok(secrets.length >= 3);
  const exported = receiver.bodies.join('\n');
  for (const secret of secrets) {
    assert.ok(!logs.includes(secret), `a secret is in the logs: ${secret.slice(0, 3)}…`);
    assert.ok(!exported.includes(secret), `a secret is in the exported telemetry: ${secret.slice(0, 3)}…`);
  }
});
