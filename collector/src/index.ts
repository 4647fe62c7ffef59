export { buildApp, type AppOptions } from './app.js';
export { startCollector, type RunningCollector } from './server.js';
export {
  createPublisher,
  type Publish,
  type Publisher,
  type OutgoingMessage,
  type PublishResult,
} from './publish.js';
export type { Readiness, ReadyState } from './readiness.js';
export type { ErrorBody } from './errors.js';
