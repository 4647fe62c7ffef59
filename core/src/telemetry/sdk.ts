/**
 * The OpenTelemetry SDK of an eventpipe process. It must start before fastify is imported (the
 * `@fastify/otel` instrumentation hooks fastify's initialisation), which is why this module is a
 * separate entry (`@eventpipe/core/telemetry`) that pulls in neither NATS nor fastify: the CLI's
 * executable starts it, then imports the command that imports the app.
 *
 * Everything is configured by the standard `OTEL_*` variables (`OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_PROTOCOL` = `http/protobuf` | `http/json` | `grpc`, `OTEL_TRACES_SAMPLER`,
 * `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_BSP_*`, …), read by the SDK itself.
 */
import { NodeSDK, tracing, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { markTracingStarted, tracesConfigured } from './enabled.js';

export interface TelemetryOptions {
  /** `service.name` unless `OTEL_SERVICE_NAME` says otherwise. */
  serviceName: string;
  env?: NodeJS.ProcessEnv;
  instrumentations?: NodeSDKConfiguration['instrumentations'];
  /** Tests: export to these processors (e.g. an in-memory exporter) instead of what `OTEL_*` says. */
  spanProcessors?: tracing.SpanProcessor[];
}

export interface Telemetry {
  /** Whether spans are recorded and exported in this process. */
  tracing: boolean;
  /** Exports what is buffered, then stops. */
  shutdown(): Promise<void>;
}

let current: Telemetry | undefined;

/** The process's telemetry: started by the entry point, or a no-op when nothing started it. */
export function activeTelemetry(): Telemetry | undefined {
  return current;
}

export function startTelemetry(options: TelemetryOptions): Telemetry {
  const env = options.env ?? process.env;
  const tracingOn = options.spanProcessors !== undefined || tracesConfigured(env);
  if (!tracingOn) return { tracing: false, shutdown: async () => {} };
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ? undefined : options.serviceName,
    instrumentations: options.instrumentations ?? [],
    spanProcessors: options.spanProcessors,
    // Metrics are prom-client's, scraped from /metrics; the SDK's own would be a second set of names.
    metricReaders: [],
    // Logs are pino's JSON on stdout, with trace ids; not exported over OTLP.
    logRecordProcessors: [],
  });
  sdk.start();
  markTracingStarted(true);
  current = {
    tracing: true,
    shutdown: async () => {
      markTracingStarted(false);
      current = undefined;
      await sdk.shutdown();
    },
  };
  return current;
}
