/**
 * One envelope → draft rows for each table it lands in (pure). A draft row holds the common columns
 * by their final names and the flattened context/properties/traits by key path; the column names of
 * those are chosen per table over the whole batch (`table.ts`), because collisions between keys can
 * only be resolved knowing all the keys of the table.
 */
import type { SegmentEvent } from '@eventpipe/core';
import { ENRICHMENT_ERRORS_COLUMN, FIXED_TYPES, PROTECTED_COLUMNS, type TableKind } from './columns.js';
import { deepMerge, flatten } from './flatten.js';
import { FieldKeys } from './field-keys.js';
import { eventTableName, plainColumnName, type FieldKey, type FieldRoot } from './names.js';
import { isLosslessNumber } from './numbers.js';
import { isTimestamp, parseTimestamp } from './types-infer.js';
import type { DialectRules, EnrichedEvent } from './types.js';
import { cleanStrings, isPlainObject, jsonText, setOwn, toText, type TextRepairs } from './values.js';

export interface DraftField {
  key: FieldKey;
  /** `fieldId(key)`, computed once. */
  id: string;
  value: unknown;
  /** A leaf of a nested object: the index of that object (at its top-level key) in the row's `objects`. */
  object?: number;
}

export interface DraftRow {
  /** Common columns by column name, already in their fixed types. */
  common: Record<string, unknown>;
  /** Flattened context, properties or traits; named per table later. */
  fields: DraftField[];
  /** Enrichment output by column name, applied last; `null` clears the column (e.g. an anonymised IP). */
  enriched: [string, unknown][];
  /** Values that fit no column, by key: become the row's `_rejected` json. */
  rejected: Record<string, unknown>;
  /** `users` only: the identify's message id, which orders identifies received in the same millisecond. */
  messageId?: string;
  /**
   * The objects at the top-level keys of the flattened objects, as sent: what schema planning stores
   * whole when the column budget cannot flatten them (`NestedObject`).
   */
  objects: TopObject[];
  /** Fields `oneFieldPerColumn` moved to `rejected` (another key of the event filled their column), by key there. */
  displaced?: { field: DraftField; key: string }[];
}

/** An object at a top-level key of `context`, `properties` or `traits` (`properties.cart`). */
export interface TopObject {
  root: FieldRoot;
  /** The key as its fields' paths start (NUL removed, as `flatten` does). */
  key: string;
  value: unknown;
}

export interface Draft {
  table: string;
  kind: TableKind;
  row: DraftRow;
}

/** `0001-01-01T00:00:00Z` … `9999-12-31T23:59:59.999Z`: the range an ISO string (and both warehouses) can take. */
const MIN_TIME = -62_135_596_800_000;
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Segment's clock-skew correction: the client's clock is off by `sentAt - receivedAt`, so its
 * `timestamp` is shifted back by that much: `receivedAt - (sentAt - originalTimestamp)`. Without
 * `sentAt` the client's timestamp is taken as given, without one the receive time. Returns undefined
 * only when `receivedAt` itself is not a timestamp.
 */
export function skewCorrectedTimestamp(
  receivedAt: string,
  sentAt: unknown,
  originalTimestamp: unknown,
): string | undefined {
  const received = parseTimestamp(receivedAt);
  const sent = typeof sentAt === 'string' ? parseTimestamp(sentAt) : undefined;
  const original = typeof originalTimestamp === 'string' ? parseTimestamp(originalTimestamp) : undefined;
  if (received !== undefined && sent !== undefined && original !== undefined) {
    const corrected = received - (sent - original);
    if (corrected >= MIN_TIME && corrected <= MAX_TIME) return new Date(corrected).toISOString();
  }
  if (original !== undefined) return originalTimestamp as string;
  return received === undefined ? undefined : receivedAt;
}

/**
 * Puts `value` under `name`, honouring the fixed type of a common column (`fixed` holds the common
 * columns of the table): ids become text, and a value that is not a timestamp does not go into a
 * timestamp column but into `rejected`. Strings are cleaned (`cleanStrings`); nothing is set for null.
 */
export function assignColumn(
  values: Record<string, unknown>,
  rejected: Record<string, unknown>,
  name: string,
  value: unknown,
  fixed: ReadonlySet<string>,
  repairs?: TextRepairs,
): void {
  const stored = columnValue(rejected, name, value, fixed, repairs);
  if (stored !== undefined) values[name] = stored;
}

/** What `assignColumn` would set under `name`: undefined when it sets nothing (null, or rejected). */
export function columnValue(
  rejected: Record<string, unknown>,
  name: string,
  value: unknown,
  fixed: ReadonlySet<string>,
  repairs?: TextRepairs,
): unknown {
  if (value === null || value === undefined) return undefined;
  value = cleanStrings(value, repairs);
  const type = fixed.has(name) ? FIXED_TYPES[name] : undefined;
  if (type === 'text') return toText(value);
  if (type === 'timestamp' && !isTimestamp(value)) {
    setOwn(rejected, name, value);
    return undefined;
  }
  return value;
}

/** Every column with a fixed type: the common columns the rows of all table kinds start from. */
const ALL_FIXED: ReadonlySet<string> = new Set(Object.keys(FIXED_TYPES));

function emptyRow(): DraftRow {
  return { common: {}, fields: [], enriched: [], rejected: {}, objects: [] };
}

function copyRow(row: DraftRow): DraftRow {
  return {
    common: { ...row.common },
    fields: [...row.fields],
    enriched: row.enriched,
    rejected: { ...row.rejected },
    objects: [...row.objects],
  };
}

/** What the draft rows of one batch share: interned field keys, the rules, and the repairs counted. */
export interface DraftContext {
  keys: FieldKeys;
  rules: DialectRules;
  repairs: TextRepairs;
}

/**
 * Flattened fields of `object` under `root`; a non-object where an object belongs is kept in
 * `_rejected`. An array, or an object nested past what can be flattened, is one field: its JSON text
 * unless the pipeline stores such values natively (`rules.arrays`).
 */
function addFields(
  row: DraftRow,
  root: FieldRoot,
  sourceKey: string,
  object: unknown,
  ctx: DraftContext,
): void {
  if (object === null || object === undefined) return;
  if (!isPlainObject(object)) {
    setOwn(row.rejected, sourceKey, cleanStrings(object, ctx.repairs));
    return;
  }
  let top: string | undefined;
  let index = -1;
  flatten(object, ctx.keys, root, ({ key, id }, value, topKey) => {
    const cleaned = cleanStrings(value, ctx.repairs);
    const stored =
      ctx.rules.arrays === 'text' && typeof cleaned === 'object' && !isLosslessNumber(cleaned)
        ? jsonText(cleaned)
        : cleaned;
    if (key.path.length === 1) {
      row.fields.push({ key, id, value: stored });
      return;
    }
    if (topKey !== top) {
      top = topKey;
      index = row.objects.push({ root, key: key.path[0]!, value: object[topKey] }) - 1;
    }
    row.fields.push({ key, id, value: stored, object: index });
  });
}

/** Columns every event table shares: ids, the four times, context, enrichments. */
function commonRow(event: EnrichedEvent, raw: SegmentEvent, ctx: DraftContext): DraftRow {
  const { envelope } = event;
  const { rules } = ctx;
  const row = emptyRow();
  const set = (name: string, value: unknown): void =>
    assignColumn(row.common, row.rejected, name, value, ALL_FIXED, ctx.repairs);
  const sentAt = envelope.sentAt ?? raw.sentAt;
  const originalTimestamp = raw.timestamp ?? raw.originalTimestamp;
  set('id', envelope.messageId);
  set('anonymous_id', raw.anonymousId);
  set('user_id', raw.userId);
  set('received_at', envelope.receivedAt);
  set('sent_at', sentAt);
  set('original_timestamp', originalTimestamp);
  set('timestamp', skewCorrectedTimestamp(envelope.receivedAt, sentAt, originalTimestamp));

  let ownContext: Record<string, unknown> = {};
  if (isPlainObject(raw.context)) ownContext = raw.context;
  else addFields(row, 'context', 'context', raw.context, ctx); // not an object: kept in `_rejected`
  const context = deepMerge(envelope.batchContext ?? {}, ownContext);
  // What the collector saw fills in only what the client did not say itself.
  if (context.ip === null || context.ip === undefined) context.ip = envelope.ip;
  if (context.userAgent === null || context.userAgent === undefined) context.userAgent = envelope.userAgent;
  addFields(row, 'context', 'context', context, ctx);

  for (const [key, value] of Object.entries(event.enriched ?? {})) {
    const name = plainColumnName(key, rules.maxIdentifierBytes);
    if (PROTECTED_COLUMNS.has(name)) setOwn(row.rejected, key, cleanStrings(value, ctx.repairs));
    else row.enriched.push([name, value]);
  }
  if (event.enrichmentErrors && event.enrichmentErrors.length > 0) {
    row.common[ENRICHMENT_ERRORS_COLUMN] = cleanStrings(event.enrichmentErrors, ctx.repairs);
  }
  return row;
}

/**
 * The draft rows of one event: one per table it lands in. `ctx` is shared by the events of one batch:
 * its keys intern field keys across them, its repairs count what cleaning strings changed.
 */
export function eventDrafts(
  event: EnrichedEvent,
  rules: DialectRules,
  ctx: DraftContext = { keys: new FieldKeys(), rules, repairs: { surrogates: 0 } },
): Draft[] {
  const raw = event.envelope.event;
  const base = commonRow(event, raw, ctx);
  const set = (row: DraftRow, name: string, value: unknown): void =>
    assignColumn(row.common, row.rejected, name, value, ALL_FIXED, ctx.repairs);

  switch (event.envelope.type) {
    case 'track': {
      const eventText =
        raw.event === null || raw.event === undefined ? '' : toText(cleanStrings(raw.event, ctx.repairs));
      // A track without an event name still counts as a track; it only has no table of its own.
      if (eventText === '') return [{ table: 'tracks', kind: 'tracks', row: base }];
      const table = eventTableName(eventText, rules.maxIdentifierBytes);
      set(base, 'event', table);
      set(base, 'event_text', eventText);
      const own = copyRow(base);
      addFields(own, 'property', 'properties', raw.properties, ctx);
      return [
        { table: 'tracks', kind: 'tracks', row: base },
        { table, kind: 'event', row: own },
      ];
    }
    case 'identify': {
      const drafts: Draft[] = [];
      addFields(base, 'trait', 'traits', raw.traits, ctx);
      drafts.push({ table: 'identifies', kind: 'identifies', row: base });
      const userId = base.common.user_id;
      if (userId !== undefined) {
        const user = emptyRow();
        user.common.id = userId;
        user.messageId = event.envelope.messageId;
        set(user, 'received_at', base.common.received_at);
        addFields(user, 'trait', 'traits', raw.traits, ctx);
        drafts.push({ table: 'users', kind: 'users', row: user });
      }
      return drafts;
    }
    case 'page':
    case 'screen': {
      set(base, 'name', raw.name);
      set(base, 'category', raw.category);
      addFields(base, 'property', 'properties', raw.properties, ctx);
      const table = event.envelope.type === 'page' ? 'pages' : 'screens';
      return [{ table, kind: table, row: base }];
    }
    case 'group':
      set(base, 'group_id', raw.groupId);
      addFields(base, 'trait', 'traits', raw.traits, ctx);
      return [{ table: 'groups', kind: 'groups', row: base }];
    case 'alias':
      set(base, 'previous_id', raw.previousId);
      // Segment's aliases table has the traits an alias call carries as columns (`aliases.email`).
      addFields(base, 'trait', 'traits', raw.traits, ctx);
      return [{ table: 'aliases', kind: 'aliases', row: base }];
  }
}
