/**
 * Step 6, stage rows: the planned rows of each table as an NDJSON file in S3, named after the load's
 * batch id (a retried load rewrites its own files), when `loader.stageRowFiles` asks for them.
 *
 * Off by default: PostgreSQL loads over COPY FROM STDIN and reads no file, and Redshift's COPY reads
 * the files its load writes itself, after schema planning under the table's lock has decided the
 * rows (see load/redshift/stage.ts). Written here as well, they would be written twice.
 */
import type { Stager } from '../stage.js';
import type { LoadBatch } from '../load/warehouse.js';

/** Writes one rows file per table when `wanted`; returns the keys written by `<schema>.<table>`. */
export async function stageRows(
  stager: Pick<Stager, 'stageRows'>,
  planned: LoadBatch,
  wanted: boolean,
): Promise<Record<string, string>> {
  if (!wanted) return {};
  return stager.stageRows(planned.batchId, planned.sources);
}
