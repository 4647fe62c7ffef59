export { startTelemetry, activeTelemetry, type Telemetry, type TelemetryOptions } from './sdk.js';
export { tracesConfigured, tracingStarted } from './enabled.js';
