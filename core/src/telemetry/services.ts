/**
 * One process, several services: `eventpipe dev` runs the collector and the loader in one process
 * with one SDK, yet each should show as its own service in a trace viewer. Spans are exported with
 * the `service.name` of the component whose tracer (instrumentation scope) made them.
 */
import { resources, tracing } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

type ReadableSpan = tracing.ReadableSpan;
type Resource = resources.Resource;

/** Instrumentation scope name → the `service.name` its spans are exported under. */
export type ScopeServices = Readonly<Record<string, string>>;

/** The OTLP trace exporter the standard variables ask for (the SDK's own choice, made here too). */
export function otlpTraceExporter(env: NodeJS.ProcessEnv): tracing.SpanExporter {
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? '').trim();
  if (protocol === 'grpc') return new GrpcTraceExporter();
  return protocol === 'http/json' ? new JsonTraceExporter() : new ProtobufTraceExporter();
}

/**
 * Whether the spans of this process can be split by service: the user named no service of their own
 * (`OTEL_SERVICE_NAME`), and the traces go to OTLP only (the exporter this wraps).
 */
export function canSplitServices(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SERVICE_NAME?.trim()) return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  return exporters.every((e) => e === 'otlp');
}

/** `exporter`, exporting each span under the service its scope belongs to (others as they are). */
export function exportByService(
  exporter: tracing.SpanExporter,
  services: ScopeServices,
): tracing.SpanExporter {
  // One resource per (process resource, service): the OTLP payload groups spans by resource object.
  const resourcesOf = new Map<Resource, Map<string, Resource>>();
  const resourceFor = (base: Resource, service: string): Resource => {
    let byService = resourcesOf.get(base);
    if (!byService) resourcesOf.set(base, (byService = new Map()));
    let resource = byService.get(service);
    if (!resource) {
      resource = base.merge(resources.resourceFromAttributes({ 'service.name': service }));
      byService.set(service, resource);
    }
    return resource;
  };
  const asService = (span: ReadableSpan): ReadableSpan => {
    const service = Object.hasOwn(services, span.instrumentationScope.name)
      ? services[span.instrumentationScope.name]!
      : undefined;
    if (service === undefined) return span;
    return {
      name: span.name,
      kind: span.kind,
      spanContext: () => span.spanContext(),
      parentSpanContext: span.parentSpanContext,
      startTime: span.startTime,
      endTime: span.endTime,
      status: span.status,
      attributes: span.attributes,
      links: span.links,
      events: span.events,
      duration: span.duration,
      ended: span.ended,
      resource: resourceFor(span.resource, service),
      instrumentationScope: span.instrumentationScope,
      droppedAttributesCount: span.droppedAttributesCount,
      droppedEventsCount: span.droppedEventsCount,
      droppedLinksCount: span.droppedLinksCount,
    };
  };
  return {
    export: (spans, done) => exporter.export(spans.map(asService), done),
    shutdown: () => exporter.shutdown(),
    forceFlush: exporter.forceFlush ? () => exporter.forceFlush!() : undefined,
  };
}
