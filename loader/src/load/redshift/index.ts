/**
 * The Amazon Redshift warehouse: the shared load flow with the Redshift dialect over a `pg` pool
 * (Redshift speaks the PostgreSQL protocol), TLS with certificate verification, and COPY from the
 * batch's files in S3, written through the loader's stager.
 */
import { ConfigError, envName, requireSetting, type Config } from '@eventpipe/core';
import { redshiftRules } from '../../schema/index.js';
import type { SqlDialect } from '../dialect.js';
import { createFlowWarehouse } from '../flow.js';
import { createWarehousePool } from '../pool.js';
import type { CreateWarehouse } from '../warehouse.js';
import { withStoredEnvelopes } from './dead-letters.js';
import { isPermanentRedshiftError } from './errors.js';
import { createRedshiftCopy } from './copy.js';
import { redshiftSql, type CopySource } from './sql.js';

export { isPermanentRedshiftError, RedshiftLoadError, explainCopyFailure } from './errors.js';
export { redshiftSql } from './sql.js';
export { createRedshiftCopy, type CopyJob, type RedshiftCopyOptions } from './copy.js';
export { withStoredEnvelopes, MAX_ENVELOPE_JSON_BYTES } from './dead-letters.js';

/** One transaction per batch and one loader per table (see docs/warehouses/redshift.md): few connections. */
const POOL_SIZE = 4;

/** COPY reads S3 with the cluster's IAM role, or else with the loader's S3 access keys. */
export function copyCredentials(config: Pick<Config, 'warehouse' | 's3'>): CopySource['credentials'] {
  if (config.warehouse.iamRole) return { iamRole: config.warehouse.iamRole };
  const { accessKeyId, secretAccessKey } = config.s3;
  if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey };
  throw new ConfigError(
    `${envName(['warehouse', 'iamRole'])} is required: Redshift's COPY reads the load files from S3 with this IAM role` +
      ` (or set ${envName(['s3', 'accessKeyId'])} and ${envName(['s3', 'secretAccessKey'])})`,
  );
}

export const createRedshiftWarehouse: CreateWarehouse = (config, { log, stager }) => {
  const url = requireSetting(
    config.warehouse.url,
    ['warehouse', 'url'],
    'the loader writes into this Redshift database',
  );
  const credentials = copyCredentials(config);
  const pool = createWarehousePool(
    {
      connectionString: url,
      // TLS verifying the server certificate against Node's CA list.
      ssl: { rejectUnauthorized: true },
      max: POOL_SIZE,
      application_name: 'eventpipe-loader',
    },
    log,
    'Redshift',
  );

  const dialect: SqlDialect = {
    ...redshiftSql,
    rules: { ...redshiftRules, arrays: config.warehouse.arrays },
    copy: createRedshiftCopy({
      stager,
      bucket: config.s3.bucket,
      region: config.s3.region,
      credentials,
      errorReader: { query: (text, values) => pool.query(text, values) },
    }),
  };
  return withStoredEnvelopes(
    createFlowWarehouse(pool, dialect, {
      metaSchema: config.warehouse.metaSchema,
      log,
      isPermanentError: isPermanentRedshiftError,
    }),
    stager,
    { bucket: config.s3.bucket, prefix: config.s3.prefix },
  );
};
