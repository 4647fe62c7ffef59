export * from './envelope/index.js';
export * from './segment.js';
export * from './rejection.js';
export * from './config/index.js';
export * from './logger.js';
export * from './json.js';
export { connectNats } from './nats/connect.js';
export {
  eventSubject,
  desiredStreamConfig,
  desiredConsumerConfig,
  ensureStream,
  isNotFound,
} from './nats/stream.js';
export * from './pipeline/index.js';
export { traceparentOf, spanContextOf } from './telemetry/trace-context.js';
export { tracingStarted } from './telemetry/enabled.js';
export { exportRegistry } from './telemetry/exported-registries.js';
export { startMetricsServer, type MetricsServer } from './telemetry/metrics-server.js';
export { startHealthServer, type HealthServer, type HealthState } from './telemetry/health-server.js';
export { liveAnswer, readyAnswer, type HealthAnswer, type HealthBody } from './telemetry/health.js';
