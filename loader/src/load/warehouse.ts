/**
 * The warehouse driver interface: one per dialect (PostgreSQL, Redshift), the same load flow.
 */
import type { DialectRules, SourceBatch } from '../transform/types.js';

export interface LoadBatch {
  /** Deterministic from the batch's first stream sequence, so a redelivered batch has the same id. */
  batchId: string;
  firstSequence: number;
  lastSequence: number;
  /** Rows per source and table, as the transform step produced them. */
  sources: SourceBatch[];
  /** S3 keys of the staged load files per `<schema>.<table>` (Redshift COPYs from them). */
  stagedFiles?: Record<string, string>;
}

export interface LoadResult {
  /** True when `_eventpipe.loads` already held this batch id: nothing was written again. */
  alreadyLoaded: boolean;
  /** Rows newly inserted or upserted per `<schema>.<table>` (duplicates skipped are not counted). */
  rowsByTable: Record<string, number>;
  /** DDL applied for this batch (create table, add column, widen type). */
  migrations: string[];
}

export interface DeadLetter {
  sourceId: string;
  messageId: string;
  streamSequence: number;
  reason: string;
  /** The envelope exactly as consumed. */
  envelope: unknown;
}

export interface Warehouse {
  readonly rules: DialectRules;
  /** Creates the bookkeeping schema and tables when missing. */
  init(): Promise<void>;
  /**
   * Evolves the schema and loads every table of the batch in one transaction, recording the batch id
   * in the same transaction; loading the same batch id again is a no-op that reports `alreadyLoaded`.
   */
  load(batch: LoadBatch): Promise<LoadResult>;
  /** Stores messages that can never load, with the reason; idempotent per message id. */
  deadLetter(entries: DeadLetter[]): Promise<void>;
  close(): Promise<void>;
}
