/**
 * What the transform step produces and the load step consumes: rows per warehouse table, with the
 * columns (and their inferred types) that the rows need. Pure data, no I/O.
 */
import type { Config, Envelope } from '@eventpipe/core';

/**
 * Warehouse-neutral column types; each dialect maps them to its own SQL types. `numeric` is an exact
 * decimal (PostgreSQL `numeric`, Redshift `DECIMAL(38,0)`): integers past int64 and numbers a double
 * would round.
 */
export type ColumnType = 'boolean' | 'bigint' | 'numeric' | 'double' | 'timestamp' | 'text' | 'json';

export interface Column {
  name: string;
  type: ColumnType;
  /** Longest UTF-8 byte length of a text value in this batch (Redshift sizes VARCHAR by it). */
  maxBytes?: number;
  /**
   * Values of another type family met this column in the batch (a string among numbers): the column
   * keeps the type it was first seen with, and schema planning moves those values to `_rejected`.
   */
  mixed?: boolean;
}

/** Column name → value. Values are JS scalars, ISO strings for timestamps, objects/arrays for json. */
export type Row = Record<string, unknown>;

export interface TableBatch {
  table: string;
  /**
   * `append`: insert rows whose `id` is not in the table yet (every event table).
   * `latest`: upsert by `id`, the row with the newest `received_at` wins (`users`).
   */
  mode: 'append' | 'latest';
  /** Union of the columns of all rows, in a stable order (common columns first). */
  columns: Column[];
  rows: Row[];
  /**
   * The nested objects of the rows, for schema planning to store one whole in a single column when
   * the column budget cannot give each of its leaves a column; absent when no row has one.
   */
  nested?: NestedObjects;
}

/**
 * An object under a top-level key of `context`, `properties` or `traits` whose leaves a row holds in
 * flattened columns (`properties.cart` for `cart_total`, `cart_items`, …).
 */
export interface NestedObject {
  /** The column that holds the object whole: the column of its top-level key alone (`cart`). */
  column: string;
  /** The object as the client sent it (strings not yet cleaned). */
  value: Record<string, unknown>;
  /** The columns holding its leaves in the row. */
  leaves: readonly string[];
  /** Keys of the row's `_rejected` holding its leaves (two of its keys shared a column). */
  rejected: readonly string[];
}

export interface NestedObjects {
  /** The table's common columns (their types are fixed), to type the columns again after a change. */
  common: ReadonlySet<string>;
  /** Per row, at the row's index in `rows`: its nested objects, in the row's key order (listed on the first call). */
  objects(): readonly (readonly NestedObject[] | undefined)[];
}

/** Everything one source contributes to a batch, in the warehouse schema named after the source. */
export interface SourceBatch {
  sourceId: string;
  schema: string;
  tables: TableBatch[];
  /** Strings of this source's events whose lone UTF-16 surrogates were replaced by U+FFFD. */
  surrogatesReplaced?: number;
}

/** An envelope with the fields the enrichments computed for it (flat, already column names). */
export interface EnrichedEvent {
  envelope: Envelope;
  /** e.g. `context_user_agent_browser_name`; a key that equals a raw column overrides it (IP anonymisation). */
  enriched?: Record<string, unknown>;
  /** Names of the enrichments that threw on this event; loaded as the `_enrichment_errors` column. */
  enrichmentErrors?: string[];
}

/** What differs between warehouses for naming and typing. */
export interface DialectRules {
  /** The `warehouse.kind` these rules are for. */
  name: Config['warehouse']['kind'];
  /** PostgreSQL 63, Redshift 127 (UTF-8 bytes). */
  maxIdentifierBytes: number;
  /** Redshift 1,600; PostgreSQL 1,600 too. */
  maxColumns: number;
  /** Can an existing column of type `from` be altered to `to` in place? */
  canWiden(from: ColumnType, to: ColumnType): boolean;
  /**
   * Largest row in bytes once the warehouse has moved what it can out of line (PostgreSQL: a heap
   * tuple of 8,160 bytes, in which every number, boolean and timestamp stays); undefined = no limit.
   */
  maxRowBytes?: number;
  /** Largest text value in bytes a column can hold (Redshift VARCHAR 65535); undefined = no limit. */
  maxTextBytes?: number;
  /** What a `numeric` column holds: digits before and after the decimal point. */
  numeric: { maxIntegerDigits: number; maxFractionDigits: number };
  /**
   * How arrays are stored: `text` (the default, as Segment) as JSON text in a text column, so `LIKE`
   * and `JSON_EXTRACT_PATH_TEXT` work; `native` in a jsonb / SUPER column.
   */
  arrays: 'text' | 'native';
}
