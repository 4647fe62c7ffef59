/**
 * The warehouse driver interface: one per dialect (PostgreSQL, Redshift), the same load flow.
 */
import type { Config, Logger } from '@eventpipe/core';
import type { Stager } from '../stage.js';
import type { DialectRules, SourceBatch } from '../transform/types.js';

/**
 * What a load does with an event whose `id` is already in its table.
 * - `append` (the default, and all the loader ever uses): keeps the stored row and skips the new one,
 *   so a redelivered batch or a replay only fills in what is missing.
 * - `replace` (`eventpipe replay --replace`): overwrites the stored row with the new one, so a fixed
 *   transform or a newly enabled enrichment reaches rows loaded before. The replaced row is exactly
 *   what the current transform produces: columns it no longer produces are cleared, `uuid_ts` is
 *   the new load time. `users` stays latest-wins by `received_at`; a replayed row with the same
 *   `received_at` as the stored one (the same event) replaces it.
 * Both are idempotent: loading the same events again in the same mode leaves the same rows.
 */
export type LoadMode = 'append' | 'replace';

export interface LoadBatch {
  /** Deterministic from the stream origin and sequences (`batchId`), so a redelivered batch has the same id. */
  batchId: string;
  firstSequence: number;
  lastSequence: number;
  /** Rows per source and table, as the transform step produced them. */
  sources: SourceBatch[];
  /** Default `append`. */
  mode?: LoadMode;
}

export interface LoadResult {
  /** True when `_eventpipe.loads` already held this batch id: nothing was written again. */
  alreadyLoaded: boolean;
  /**
   * Rows written per `<schema>.<table>`: newly inserted, upserted (`users`), or replaced (`replace`
   * mode); rows skipped as already loaded are not counted.
   */
  rowsByTable: Record<string, number>;
  /**
   * Values the loaded rows keep in `_rejected` per `<schema>.<table>` (tables with none left out):
   * those the transform put there and those schema planning moved (a value an existing column's type
   * cannot hold). Empty when `alreadyLoaded`.
   */
  rejectedByTable: Record<string, number>;
  /** DDL applied for this batch (create table, add column, widen type). */
  migrations: string[];
}

/**
 * A message that can never load. Identified by where it came from, never by its message id (which a
 * client chooses, and may reuse): `origin` is the stream's (`streamOrigin`: name and creation time)
 * or, for a replay, the archive object's key, and `streamSequence` its sequence there (the line
 * number in an archive object). Every such message is kept; the same one failing again counts an
 * attempt.
 */
export interface DeadLetter {
  sourceId: string;
  messageId: string;
  origin: string;
  streamSequence: number;
  reason: string;
  /** The envelope exactly as consumed. */
  envelope: unknown;
}

/** What every warehouse's constructor takes besides its configuration: the same for all of them. */
export interface WarehouseDeps {
  log: Logger;
  /**
   * The loader's S3 writer. A warehouse whose COPY reads files from S3 (Redshift) writes them through
   * it, once, rather than through an S3 client of its own.
   */
  stager: Stager;
}

/** A warehouse's constructor: `create<Name>Warehouse(config, deps)`. */
export type CreateWarehouse = (config: Pick<Config, 'warehouse' | 's3'>, deps: WarehouseDeps) => Warehouse;

export interface Warehouse {
  readonly rules: DialectRules;
  /**
   * The driver's verdict on an error `load` threw: true when loading the same rows again would fail
   * the same way (the warehouse refuses the data), so the runner isolates the message at fault and
   * dead-letters it; false for anything waiting may cure (connection lost, lock timeout, conflict).
   */
  isPermanentError(error: unknown): boolean;
  /** Creates the bookkeeping schema and tables when missing. */
  init(): Promise<void>;
  /**
   * Evolves the schema and loads every table of the batch in one transaction, recording the batch id
   * in the same transaction; loading the same batch id again is a no-op that reports `alreadyLoaded`.
   */
  load(batch: LoadBatch): Promise<LoadResult>;
  /** Stores messages that can never load, with the reason; one per origin and sequence (a repeat counts an attempt). */
  deadLetter(entries: DeadLetter[]): Promise<void>;
  close(): Promise<void>;
}
