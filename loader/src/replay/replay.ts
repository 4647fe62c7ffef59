/**
 * Replays raw archive objects through the loader's own steps: enrich → transform → stage rows →
 * load (the functions are injected from the loader's wiring, never re-implemented here). Envelopes
 * are gathered from consecutive objects into batches of up to `batchMaxEvents`.
 *
 * Two modes (the `LoadMode` of the warehouse contract):
 * - `append` (default): ids already in a table are skipped, so a replay fills gaps (rows deleted,
 *   tables added with `--tables`, a range the loader never reached) and never changes a stored row;
 * - `replace`: stored rows of the replayed ids are overwritten with what the current transform and
 *   enrichments produce, so a fix reaches old data.
 * A message the warehouse rejects, or an enrichment or the transform fails on, is isolated exactly as
 * the loader does it (`loadIsolating`, shared with the loader's pipeline): its batch is split until it
 * stands alone, everything else loads, and it is stored as a dead letter keyed by its archive object
 * and line. A failure that is not permanent (warehouse or S3 down) stops the replay, as before.
 *
 * Both are idempotent: each replay batch gets a fresh id (a replay is a new load, never mistaken for
 * one already recorded in `_eventpipe.loads`), and running the same replay twice leaves the same rows.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@eventpipe/core';
import { poisonDeadLetter } from '../pipeline/dead-letter.js';
import { inStep, loadIsolating } from '../pipeline/retry.js';
import type { PipelineDeps } from '../pipeline/runner.js';
import type { SourceBatch } from '../transform/types.js';
import type { LoadBatch, LoadMode, Warehouse } from '../load/warehouse.js';
import { load } from '../pipeline/load.js';
import { stageRows } from '../pipeline/stage-rows.js';
import { listArchive, readArchiveObject, type ArchiveObject, type ArchivedEnvelope } from './archive.js';

export interface ReplayRequest {
  sourceId: string;
  /** `YYYY-MM-DD`, both days included (UTC, the archive's `dt=` partitions). */
  from: string;
  to: string;
  /** Only these tables (warehouse table names, e.g. `tracks`, `order_completed`); default all. */
  tables?: string[];
  /** Transform only, and report the rows per table instead of loading them. */
  dryRun: boolean;
  /** What happens to rows already in the warehouse: kept (`append`) or overwritten (`replace`). */
  mode: LoadMode;
  batchMaxEvents: number;
}

export interface ReplayProgress {
  objectsDone: number;
  objectsTotal: number;
  events: number;
}

export interface ReplayDeps {
  s3: S3Client;
  bucket: string;
  /** `s3.prefix` of the config, as the stager used it. */
  prefix: string;
  enrich: PipelineDeps['enrich'];
  transform: PipelineDeps['transform'];
  /** Its `isPermanentError` decides, as in the loader, whether a failed load is split. */
  warehouse: Pick<Warehouse, 'rules' | 'load' | 'deadLetter' | 'isPermanentError'>;
  log: Logger;
  stager: Pick<PipelineDeps['stager'], 'stageRows'>;
  /** `loader.stageRowFiles`, as the loader uses it; default off. */
  stageRowFiles?: boolean;
  /** Replay batch ids start with it; default: the start time, so every run's ids are new. */
  runId?: string;
  onObjects?(objects: ArchiveObject[]): void;
  onProgress?(progress: ReplayProgress): void;
}

export interface ReplaySummary {
  mode: LoadMode;
  objects: number;
  events: number;
  batches: number;
  /**
   * `<schema>.<table>` → rows. Loading: rows written, i.e. newly inserted (`append`: rows already
   * there are skipped) or inserted and replaced (`replace`). Dry run: rows the transform produced,
   * that a load would merge.
   */
  rowsByTable: Record<string, number>;
  /** Messages isolated as poison: stored in the dead letters (dry run: only counted). */
  deadLetters: number;
}

/** Keeps only the requested tables; sources left without tables are dropped. */
export function selectTables(sources: SourceBatch[], tables: string[] | undefined): SourceBatch[] {
  if (!tables || tables.length === 0) return sources;
  const wanted = new Set(tables);
  return sources
    .map((s) => ({ ...s, tables: s.tables.filter((t) => wanted.has(t.table)) }))
    .filter((s) => s.tables.length > 0);
}

function addCounts(into: Record<string, number>, counts: Record<string, number>): void {
  for (const [table, rows] of Object.entries(counts)) into[table] = (into[table] ?? 0) + rows;
}

export async function replayArchive(request: ReplayRequest, deps: ReplayDeps): Promise<ReplaySummary> {
  const runId = deps.runId ?? new Date().toISOString().replace(/[-:.]/g, '');
  const objects = await listArchive(
    deps.s3,
    deps.bucket,
    deps.prefix,
    request.sourceId,
    request.from,
    request.to,
  );
  deps.onObjects?.(objects);
  const summary: ReplaySummary = {
    mode: request.mode,
    objects: 0,
    events: 0,
    batches: 0,
    rowsByTable: {},
    deadLetters: 0,
  };
  let pending: ArchivedEnvelope[] = [];

  /** One batch, or a part of it being tried alone: enrich → transform → stage rows → load. */
  const loadPart = async (batchId: string, items: ArchivedEnvelope[]) => {
    const enriched = await inStep('enrich', () => deps.enrich(items.map((i) => i.envelope)));
    const transformed = await inStep('transform', () => deps.transform(enriched, deps.warehouse.rules));
    const sources = selectTables(transformed, request.tables);
    if (request.dryRun) {
      for (const source of sources) {
        for (const table of source.tables) {
          addCounts(summary.rowsByTable, { [`${source.schema}.${table.table}`]: table.rows.length });
        }
      }
      return;
    }
    if (sources.length === 0) return;
    // Replays have no stream sequences; 0 marks them in `_eventpipe.loads`, next to the `replay-` id.
    const planned: LoadBatch = { batchId, firstSequence: 0, lastSequence: 0, sources, mode: request.mode };
    await inStep('stage-rows', () => stageRows(deps.stager, planned, deps.stageRowFiles ?? false));
    const result = await inStep('load', () => load(deps.warehouse, planned));
    addCounts(summary.rowsByTable, result.rowsByTable);
  };

  const flush = async () => {
    if (pending.length === 0) return;
    const items = pending;
    pending = [];
    summary.batches += 1;
    // The mode is in the id, so `_eventpipe.loads` shows which replays overwrote rows.
    const batchId = `replay-${request.mode}-${runId}-${String(summary.batches).padStart(6, '0')}`;
    // A part (after a split) is named by its first and last position in the batch.
    const partId = (part: readonly ArchivedEnvelope[]) =>
      part.length === items.length
        ? batchId
        : `${batchId}-p${items.indexOf(part[0]!)}-${items.indexOf(part[part.length - 1]!)}`;
    const deadLetters = await loadIsolating(items, (part) => loadPart(partId(part), part), {
      isPermanentLoadError: (error) => deps.warehouse.isPermanentError(error),
      deadLetter: ({ envelope, key, line }, reason) =>
        poisonDeadLetter(envelope, { origin: key, seq: line }, reason),
      log: deps.log,
      context: (part) => ({ batch: batchId, part: partId(part), events: part.length }),
      describe: ({ envelope, key, line }) => ({ key, line, messageId: envelope.messageId }),
    });
    summary.deadLetters += deadLetters.length;
    if (deadLetters.length > 0 && !request.dryRun) await deps.warehouse.deadLetter(deadLetters);
  };

  for (const object of objects) {
    const archived = await readArchiveObject(deps.s3, deps.bucket, object.key);
    // An object belongs to one source by its key; the check guards against a misplaced file.
    pending.push(...archived.filter((a) => a.envelope.sourceId === request.sourceId));
    summary.objects += 1;
    summary.events += archived.length;
    if (pending.length >= request.batchMaxEvents) await flush();
    deps.onProgress?.({ objectsDone: summary.objects, objectsTotal: objects.length, events: summary.events });
  }
  await flush();
  return summary;
}
