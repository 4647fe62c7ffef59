/**
 * The common columns of the Segment-shaped tables: their names, fixed types and order (pure data).
 */
import type { ColumnType } from './types.js';

/** The column where values that fit no column are kept, `{column: value}` per row (json). */
export const REJECTED_COLUMN = '_rejected';
/** Names of the enrichments that threw on the event (json array). */
export const ENRICHMENT_ERRORS_COLUMN = '_enrichment_errors';
/** Set by the database at load time (never by the transform, so replays produce identical rows). */
export const UUID_TS_COLUMN = 'uuid_ts';
/**
 * `users` only: per column, the version of the identify its value came from, `{column: version}`
 * (json). The merge keeps each column's newest version, so the table does not depend on batching or
 * commit order (see `traitVersion`).
 */
export const TRAIT_VERSIONS_COLUMN = '_trait_versions';

/**
 * Columns whose type does not depend on the value: ids are text even when a client sends a number
 * or something that looks like a date, and the four times are timestamps (a value that is not one
 * goes to `_rejected` instead of turning the column into text).
 */
export const FIXED_TYPES: Readonly<Record<string, ColumnType>> = {
  id: 'text',
  anonymous_id: 'text',
  user_id: 'text',
  event: 'text',
  event_text: 'text',
  name: 'text',
  category: 'text',
  group_id: 'text',
  previous_id: 'text',
  received_at: 'timestamp',
  sent_at: 'timestamp',
  original_timestamp: 'timestamp',
  timestamp: 'timestamp',
  [ENRICHMENT_ERRORS_COLUMN]: 'json',
  [REJECTED_COLUMN]: 'json',
  [TRAIT_VERSIONS_COLUMN]: 'json',
};

/** Common columns come first in every table, in this order; all others follow sorted by name. */
export const COMMON_ORDER: readonly string[] = Object.keys(FIXED_TYPES);

/** The kinds of tables a source has; each event name's table is of kind `event`. */
export type TableKind =
  'tracks' | 'event' | 'identifies' | 'users' | 'pages' | 'screens' | 'groups' | 'aliases';

const EVENT_COMMON = [
  'id',
  'anonymous_id',
  'user_id',
  'received_at',
  'sent_at',
  'original_timestamp',
  'timestamp',
  UUID_TS_COLUMN,
  REJECTED_COLUMN,
  ENRICHMENT_ERRORS_COLUMN,
];

/**
 * Names a property or trait may not take in a table of this kind (it gets a `property_`/`trait_`
 * prefix instead). `users` reserves what `identifies` does, so a trait has the same column name in both.
 */
export const COMMON_COLUMNS: Readonly<Record<TableKind, ReadonlySet<string>>> = {
  tracks: new Set([...EVENT_COMMON, 'event', 'event_text']),
  event: new Set([...EVENT_COMMON, 'event', 'event_text']),
  identifies: new Set(EVENT_COMMON),
  users: new Set([...EVENT_COMMON, TRAIT_VERSIONS_COLUMN]),
  pages: new Set([...EVENT_COMMON, 'name', 'category']),
  screens: new Set([...EVENT_COMMON, 'name', 'category']),
  groups: new Set([...EVENT_COMMON, 'group_id']),
  aliases: new Set([...EVENT_COMMON, 'previous_id']),
};

/**
 * Common columns an enrichment may not override: the merge key, the load time, and the
 * bookkeeping columns. Such a field is kept in `_rejected` instead.
 */
export const PROTECTED_COLUMNS: ReadonlySet<string> = new Set([
  'id',
  UUID_TS_COLUMN,
  REJECTED_COLUMN,
  ENRICHMENT_ERRORS_COLUMN,
  TRAIT_VERSIONS_COLUMN,
]);
