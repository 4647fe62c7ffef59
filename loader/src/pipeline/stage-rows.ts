/**
 * Step 6, stage rows: the planned rows of each table as an NDJSON file in S3, named after the load's
 * batch id (a retried load rewrites its own files).
 */
import type { Stager } from '../stage.js';
import type { LoadBatch } from '../load/warehouse.js';

/** Writes one rows file per table; returns the keys by `<schema>.<table>`. */
export function stageRows(
  stager: Pick<Stager, 'stageRows'>,
  planned: LoadBatch,
): Promise<Record<string, string>> {
  return stager.stageRows(planned.batchId, planned.sources);
}
