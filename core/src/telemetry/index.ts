export { startTelemetry, type Telemetry, type TelemetryOptions } from './sdk.js';
export { tracesConfigured, otlpMetricsConfigured, tracingStarted } from './enabled.js';
