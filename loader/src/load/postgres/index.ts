/**
 * The PostgreSQL warehouse: the shared load flow with the PostgreSQL dialect over a `pg` pool.
 */
import { requireSetting, type Config } from '@eventpipe/core';
import { postgresRules } from '../../schema/index.js';
import type { SqlDialect } from '../dialect.js';
import { createFlowWarehouse } from '../flow.js';
import { createWarehousePool } from '../pool.js';
import type { CreateWarehouse, Warehouse, WarehouseDeps } from '../warehouse.js';
import { isPermanentLoadError } from './errors.js';
import { postgresSql } from './sql.js';
import { copyRows } from './copy.js';

export { isPermanentLoadError } from './errors.js';

export const postgresDialect: SqlDialect = { ...postgresSql, rules: postgresRules, copy: copyRows };

/**
 * A handful of connections: one transaction per batch, and the batches in flight take turns to load
 * (plus the max-deliveries watch's dead letters).
 */
const POOL_SIZE = 4;

/**
 * A `CreateWarehouse`; rows go over COPY FROM STDIN, so it needs neither the S3 settings nor the
 * stager, and declares so.
 */
export function createPostgresWarehouse(
  { warehouse: config }: Pick<Config, 'warehouse'>,
  { log }: Pick<WarehouseDeps, 'log'>,
): Warehouse {
  const url = requireSetting(
    config.url,
    ['warehouse', 'url'],
    'the loader writes into this PostgreSQL database',
  );
  const pool = createWarehousePool(
    { connectionString: url, max: POOL_SIZE, application_name: 'eventpipe-loader' },
    log,
    'PostgreSQL',
  );
  const dialect: SqlDialect = { ...postgresDialect, rules: { ...postgresRules, arrays: config.arrays } };
  return createFlowWarehouse(pool, dialect, {
    metaSchema: config.metaSchema,
    log,
    lockTimeoutMs: config.lockTimeoutMs,
    isPermanentError: isPermanentLoadError,
  });
}
createPostgresWarehouse satisfies CreateWarehouse;
