/**
 * The OpenTelemetry SDK of an eventpipe process. It must start before fastify is imported (the
 * `@fastify/otel` instrumentation hooks fastify's initialisation), which is why this module is a
 * separate entry (`@eventpipe/core/telemetry`) that pulls in neither NATS nor fastify: the CLI's
 * executable starts it, then imports the command that imports the app.
 *
 * Everything is configured by the standard `OTEL_*` variables (`OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_PROTOCOL` = `http/protobuf` | `http/json` | `grpc`, `OTEL_TRACES_SAMPLER`,
 * `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_BSP_*`, …), read by the SDK itself;
 * `OTEL_METRICS_EXPORTER=otlp` also pushes the Prometheus metrics over OTLP.
 */
import { NodeSDK, metrics, tracing, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtobufMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { markTracingStarted, otlpMetricsConfigured, tracesConfigured } from './enabled.js';
import { prometheusProducer } from './prometheus-bridge.js';
import { canSplitServices, exportByService, otlpTraceExporter, type ScopeServices } from './services.js';

export interface TelemetryOptions {
  /** `service.name` unless `OTEL_SERVICE_NAME` says otherwise. */
  serviceName: string;
  env?: NodeJS.ProcessEnv;
  instrumentations?: NodeSDKConfiguration['instrumentations'];
  /** Tests: export to these processors (e.g. an in-memory exporter) instead of what `OTEL_*` says. */
  spanProcessors?: tracing.SpanProcessor[];
  /**
   * A process running several components (`eventpipe dev`): the `service.name` of each tracer's
   * spans, so that each component is its own service in a trace viewer. Not applied when
   * `OTEL_SERVICE_NAME` names the service, nor to exporters other than OTLP.
   */
  scopeServices?: ScopeServices;
}

export interface Telemetry {
  /** Whether spans are recorded and exported in this process. */
  tracing: boolean;
  /** Exports what is buffered, then stops. */
  shutdown(): Promise<void>;
}

/** The OTLP metric exporter `OTEL_EXPORTER_OTLP_(METRICS_)PROTOCOL` asks for (gRPC is not bundled). */
function otlpMetricExporter(env: NodeJS.ProcessEnv) {
  const protocol = (env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? '').trim();
  return protocol === 'http/json' ? new JsonMetricExporter() : new ProtobufMetricExporter();
}

/** `OTEL_METRIC_EXPORT_INTERVAL` and `_TIMEOUT` (ms), which the SDK reads only for readers it makes itself. */
export function exportTiming(env: NodeJS.ProcessEnv): {
  exportIntervalMillis: number;
  exportTimeoutMillis: number;
} {
  const positive = (value: string | undefined, fallback: number) => {
    const number = Number(value);
    return value !== undefined && value.trim() !== '' && Number.isFinite(number) && number > 0
      ? number
      : fallback;
  };
  const exportIntervalMillis = positive(env.OTEL_METRIC_EXPORT_INTERVAL, 60_000);
  // The reader refuses a timeout longer than the interval.
  const exportTimeoutMillis = Math.min(
    positive(env.OTEL_METRIC_EXPORT_TIMEOUT, 30_000),
    exportIntervalMillis,
  );
  return { exportIntervalMillis, exportTimeoutMillis };
}

export function startTelemetry(options: TelemetryOptions): Telemetry {
  const env = options.env ?? process.env;
  const tracingOn = options.spanProcessors !== undefined || tracesConfigured(env);
  const metricsOn = otlpMetricsConfigured(env);
  if (!tracingOn && !metricsOn) return { tracing: false, shutdown: async () => {} };
  const splitServices =
    tracingOn && !options.spanProcessors && options.scopeServices && canSplitServices(env);
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ? undefined : options.serviceName,
    instrumentations: tracingOn ? (options.instrumentations ?? []) : [],
    // An empty list means no tracer provider: the API stays a no-op.
    spanProcessors: tracingOn ? options.spanProcessors : [],
    // Batched as the SDK batches its own exporter (`OTEL_BSP_*`).
    traceExporter: splitServices
      ? exportByService(otlpTraceExporter(env), options.scopeServices!)
      : undefined,
    // The series are prom-client's (the names /metrics serves), pushed by the bridge's producer.
    metricReaders: metricsOn
      ? [
          new metrics.PeriodicExportingMetricReader({
            exporter: otlpMetricExporter(env),
            metricProducers: [prometheusProducer],
            ...exportTiming(env),
          }),
        ]
      : [],
    // Logs are pino's JSON on stdout, with trace ids; not exported over OTLP.
    logRecordProcessors: [],
  });
  sdk.start();
  markTracingStarted(tracingOn);
  return {
    tracing: tracingOn,
    shutdown: async () => {
      markTracingStarted(false);
      await sdk.shutdown();
    },
  };
}
