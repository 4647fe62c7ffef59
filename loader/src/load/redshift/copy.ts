/**
 * Rows into a Redshift staging table: the planned rows are written to S3 as the table's load file,
 * with a manifest and a JSONPaths file beside it; COPY reads them into a raw staging table, and the
 * rows are deduplicated into the staging table the merge reads.
 *
 * Why the rows are written here, inside the load, and not by the pipeline before it: schema planning
 * (under the table's lock) may move values into `_rejected` (a string in a BIGINT column, text over
 * 65535 bytes, a column past the budget). COPY must read the planned rows, or it would fail on exactly
 * those values; so the planned rows are the only ones written, once, through the loader's stager.
 */
import type { ClientBase } from 'pg';
import type { Stager } from '../../stage.js';
import type { CopyTarget, TableRef } from '../dialect.js';
import { explainCopyFailure, type CopyAttempt, type Queryable } from './errors.js';
import { buildJsonPaths, buildManifest, copyObjectKeys, s3Url } from './manifest.js';
import {
  copyFromS3,
  createRawStaging,
  dedupStaging,
  dropRawStaging,
  loadedColumns,
  quoteIdent,
  rawStagingName,
  type CopySource,
} from './sql.js';

/** What the COPY of one table reads: its S3 objects, and the statement that reads them. */
export interface CopyJob {
  target: TableRef;
  /** The raw staging table COPY fills. */
  table: string;
  columns: string[];
  bucket: string;
  manifestKey: string;
  jsonpathsKey: string;
  statement: string;
}

export interface RedshiftCopyOptions {
  /** The loader's S3 writer: the load file, its manifest and its JSONPaths go through it. */
  stager: Pick<Stager, 'stageRows' | 'put'>;
  bucket: string;
  region: string;
  credentials: CopySource['credentials'];
  /** Reads the load-error views after a failed COPY: another connection, the COPY's one is aborted. */
  errorReader: Queryable;
  /** Runs the COPY; the default sends the statement. (Tests against PostgreSQL emulate it from S3.) */
  runCopy?: (client: ClientBase, job: CopyJob) => Promise<void>;
}

/**
 * The server process id of `client`'s connection, which the load-error views record as the COPY's
 * session. `pg` keeps it from the connection handshake but does not declare it in its types.
 */
function backendProcessId(client: ClientBase): number | undefined {
  const id = (client as { processID?: unknown }).processID;
  return typeof id === 'number' ? id : undefined;
}

const sendCopy = async (client: ClientBase, job: CopyJob) => {
  await client.query(job.statement);
};

export function createRedshiftCopy(options: RedshiftCopyOptions) {
  const { stager, bucket } = options;
  const runCopy = options.runCopy ?? sendCopy;

  const put = (key: string, body: string) => stager.put(key, body, 'application/json');

  return async function copy(
    client: ClientBase,
    { target, staging, table, batch, storedColumns }: CopyTarget,
  ): Promise<void> {
    const source = batch.sources.find((s) => s.schema === target.schema);
    if (!source) throw new Error(`batch ${batch.batchId} has no source for schema ${target.schema}`);
    const loaded = loadedColumns(table.columns);
    const columns = loaded.map((c) => c.name);

    const staged = await stager.stageRows(batch.batchId, [{ ...source, tables: [table] }]);
    const loadFile = staged[`${target.schema}.${target.table}`];
    if (!loadFile) throw new Error(`staging rows of ${target.schema}.${target.table} returned no load file`);
    const keys = copyObjectKeys(loadFile);
    await Promise.all([
      put(keys.manifest, buildManifest(bucket, [loadFile])),
      put(keys.jsonpaths, buildJsonPaths(columns)),
    ]);

    const raw = rawStagingName(staging);
    await client.query(createRawStaging(staging));
    const job: CopyJob = {
      target,
      table: raw,
      columns,
      bucket,
      manifestKey: keys.manifest,
      jsonpathsKey: keys.jsonpaths,
      statement: copyFromS3(raw, loaded, {
        manifestUrl: s3Url(bucket, keys.manifest),
        jsonpathsUrl: s3Url(bucket, keys.jsonpaths),
        region: options.region,
        credentials: options.credentials,
      }),
    };
    const attempt: CopyAttempt = {
      file: s3Url(bucket, loadFile),
      session: backendProcessId(client),
      startedAt: new Date(),
    };
    try {
      await runCopy(client, job);
    } catch (error) {
      throw await explainCopyFailure(
        options.errorReader,
        `${quoteIdent(target.schema)}.${quoteIdent(target.table)}`,
        error,
        attempt,
      );
    }
    const dedup = dedupStaging(target, staging, table, batch.mode, storedColumns);
    await client.query({ text: dedup.text, values: dedup.values ?? [] });
    await client.query(dropRawStaging(staging));
  };
}
