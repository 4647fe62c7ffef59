/**
 * Whether this process exports traces, decided from the standard OpenTelemetry variables alone:
 * tracing is on when an OTLP endpoint or a traces exporter other than `none` is named, and
 * `OTEL_SDK_DISABLED` is not `true`. Off, the SDK is not even loaded, so tracing costs nothing.
 */
export function tracesConfigured(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (exporters.includes('none')) return false;
  if (exporters.length > 0) return true;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** `OTEL_METRICS_EXPORTER=otlp`: the Prometheus metrics are pushed over OTLP as well. */
export function otlpMetricsConfigured(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return (env.OTEL_METRICS_EXPORTER ?? '')
    .split(',')
    .map((e) => e.trim())
    .includes('otlp');
}

let started = false;

/** True once `startTelemetry` has started the SDK in this process: spans are worth building. */
export function tracingStarted(): boolean {
  return started;
}

export function markTracingStarted(value: boolean): void {
  started = value;
}
