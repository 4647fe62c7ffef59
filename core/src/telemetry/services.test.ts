import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resources, tracing } from '@opentelemetry/sdk-node';
import { canSplitServices, exportByService } from './services.js';

test('spans are exported under the service of their tracer; other tracers keep the process resource', () => {
  const memory = new tracing.InMemorySpanExporter();
  const provider = new tracing.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': 'eventpipe-dev', 'host.name': 'h1' }),
    spanProcessors: [
      new tracing.SimpleSpanProcessor(
        exportByService(memory, {
          'eventpipe-loader': 'eventpipe-loader',
          '@fastify/otel': 'eventpipe-collector',
        }),
      ),
    ],
  });
  const loader = provider.getTracer('eventpipe-loader');
  const parent = loader.startSpan('process EVENTS');
  parent.end();
  loader.startSpan('decode').end();
  provider.getTracer('@fastify/otel').startSpan('POST /v1/track').end();
  provider.getTracer('something-else').startSpan('other').end();

  const spans = memory.getFinishedSpans();
  const service = (name: string) => spans.find((s) => s.name === name)!.resource.attributes['service.name'];
  assert.equal(service('process EVENTS'), 'eventpipe-loader');
  assert.equal(service('decode'), 'eventpipe-loader');
  assert.equal(service('POST /v1/track'), 'eventpipe-collector');
  assert.equal(service('other'), 'eventpipe-dev');
  const [batch, decode] = spans;
  // One resource object per service (OTLP groups spans by it); the rest of the resource kept.
  assert.equal(batch!.resource, decode!.resource);
  assert.equal(batch!.resource.attributes['host.name'], 'h1');
  // The span itself is unchanged.
  assert.equal(batch!.spanContext().spanId, parent.spanContext().spanId);
  assert.equal(batch!.instrumentationScope.name, 'eventpipe-loader');
});

test('services are split only when the user named none and the traces go to OTLP', () => {
  assert.equal(canSplitServices({}), true);
  assert.equal(canSplitServices({ OTEL_TRACES_EXPORTER: 'otlp' }), true);
  assert.equal(canSplitServices({ OTEL_SERVICE_NAME: 'mine' }), false);
  assert.equal(canSplitServices({ OTEL_TRACES_EXPORTER: 'console' }), false);
  assert.equal(canSplitServices({ OTEL_TRACES_EXPORTER: 'otlp,console' }), false);
});
