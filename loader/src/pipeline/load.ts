/**
 * Step 7, load: the planned batch into the warehouse in one transaction (schema changes, COPY,
 * merge without duplicates, the batch recorded in `loads`), and what it loaded into the metrics.
 */
import type { LoadBatch, LoadResult, Warehouse } from '../load/warehouse.js';
import type { Message } from './decode.js';
import type { LoaderMetrics } from './metrics.js';

export function load(warehouse: Pick<Warehouse, 'load'>, planned: LoadBatch): Promise<LoadResult> {
  return warehouse.load(planned);
}

/**
 * The metric labels of a load's `rejectedByTable` (`<schema>.<table>` → values kept in `_rejected`,
 * counted after schema planning, so values an existing column's type refused are in it too).
 */
export function rejectedValueCounts(
  rejectedByTable: Readonly<Record<string, number>>,
): { schema: string; table: string; values: number }[] {
  return Object.entries(rejectedByTable).map(([key, values]) => {
    const dot = key.indexOf('.');
    return { schema: key.slice(0, dot), table: key.slice(dot + 1), values };
  });
}

/** Counts what a load wrote: rows per table, and (first load only) latency, rejected values, surrogates. */
export function countLoaded(
  metrics: Pick<LoaderMetrics, 'rowsLoaded' | 'observeCommitted' | 'rejectedValues' | 'surrogatesReplaced'>,
  result: LoadResult,
  planned: LoadBatch,
  messages: readonly Message[],
): void {
  for (const [table, rows] of Object.entries(result.rowsByTable)) metrics.rowsLoaded.inc({ table }, rows);
  // A batch loaded before (redelivery) did not load its values again: count them once.
  if (result.alreadyLoaded) return;
  metrics.observeCommitted(messages.map((m) => m.envelope.receivedAt));
  for (const { values, ...labels } of rejectedValueCounts(result.rejectedByTable))
    metrics.rejectedValues.inc(labels, values);
  for (const { sourceId, surrogatesReplaced } of planned.sources)
    if (surrogatesReplaced) metrics.surrogatesReplaced.inc({ source: sourceId }, surrogatesReplaced);
}
