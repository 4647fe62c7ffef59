export type * from './load/warehouse.js';
export * from './enrich/index.js';
export { startLoader, type RunningLoader, type LoaderOptions } from './loader.js';
export { createPipeline, type PipelineDeps, type Checkpoint } from './pipeline/runner.js';
export { decide, backoffDelay } from './pipeline/retry.js';
export type { Pipeline } from './pipeline/scheduler.js';
export { Batcher, batchId, makeBatch, type Batch, type BatchLimits } from './batch.js';
export {
  ensureConsumer,
  decodeEnvelope,
  pullDeliveries,
  streamOrigin,
  PULL_EXPIRES_MS,
  type Delivery,
} from './consume.js';
export { createStager, rawKey, rowsKey, s3ClientConfig, type Stager } from './stage.js';
export { runReplay, type ReplayHooks } from './replay/run.js';
export {
  replayArchive,
  type ReplaySummary,
  type ReplayRequest,
  type ReplayProgress,
} from './replay/replay.js';
export * from './transform/index.js';
export * from './schema/index.js';
export { createFlowWarehouse } from './load/flow.js';
export type * from './load/dialect.js';
export { createPostgresWarehouse, isPermanentLoadError, postgresDialect } from './load/postgres/index.js';
export {
  createRedshiftWarehouse,
  createRedshiftCopy,
  isPermanentRedshiftError,
  RedshiftLoadError,
  explainCopyFailure,
  redshiftSql,
  withStoredEnvelopes,
  MAX_ENVELOPE_JSON_BYTES,
  type CopyJob,
} from './load/redshift/index.js';
