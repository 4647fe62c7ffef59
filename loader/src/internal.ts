/**
 * `@eventpipe/loader/internal`: the loader's parts that this repository's integration tests (test/)
 * and benchmarks (bench/) exercise one by one. Not an API: other workspaces use the public entry
 * (`@eventpipe/loader`, index.ts), which this one includes.
 */
export * from './index.js';
export type { Column, DialectRules, SourceBatch, TableBatch } from './transform/types.js';
export { transform } from './transform/index.js';
export { planTable } from './schema/index.js';
export { ensureConsumer, pullDeliveries, PULL_EXPIRES_MS } from './consume.js';
export { createStager, rawKey, s3ClientConfig, type Stager } from './stage.js';
export { replayArchive } from './replay/replay.js';
export type { LoadBatch, Warehouse } from './load/warehouse.js';
export type { SqlDialect } from './load/dialect.js';
export { createFlowWarehouse } from './load/flow.js';
export { createWarehousePool } from './load/pool.js';
export { createPostgresWarehouse, isPermanentLoadError, postgresDialect } from './load/postgres/index.js';
export { copyLine } from './load/postgres/copy-text.js';
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
