/**
 * Warehouse names from event data (pure): Segment's snake_case (go-snakecase's spelling), so `[a-z0-9_]`
 * only, at most `maxBytes` bytes, and never the name of a common column or a reserved word.
 * Every name these functions return is ASCII, so its length in characters is its length in bytes.
 *
 * Names from events are always emitted quoted by the SQL generators (a name may start with a digit,
 * as in Segment); the rules here are for analysts' existing Segment SQL and the identifier limits.
 */
import { createHash } from 'node:crypto';
import { RESERVED_WORDS } from './reserved.js';

/** Hex characters of the stable suffix added to a truncated or colliding name. */
export const HASH_CHARS = 8;

/** Event names that would clash with the standard tables of a source. */
export const STANDARD_TABLES: ReadonlySet<string> = new Set([
  'tracks',
  'identifies',
  'users',
  'pages',
  'screens',
  'groups',
  'aliases',
]);

/** A short, stable hash of `text` (hex): the same input gives the same suffix in every batch and replay. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_CHARS);
}

/** The start of a name that go-snakecase leaves as it is: lower-case letters, digits, `_` before either. */
const ALREADY_SNAKE = /^(?:[a-z0-9]|_(?=[a-z0-9]))*/;
/** One word: capitals and digits, then lower-case letters and digits (`APIKey` is one word, `apikey`). */
const WORD = /[A-Z0-9]*[a-z0-9]*/g;

/**
 * Segment's snake_case: the behaviour of `segmentio/go-snakecase`, which Segment's warehouses run
 * every table and column name through, reproduced with its quirks because analysts' SQL uses its
 * spelling: `Order ID` → `order_id`, `APIKeyCreated` → `apikey_created`, `productSKUs` →
 * `product_skus`, `iOSVersion` → `i_osversion`, `utm2Source` → `utm_2source`, `Prénom` → `pr_nom`.
 *
 * Only ASCII letters and digits make up names; every other character separates words. A word is a
 * run of capitals and digits followed by a run of lower-case letters and digits, so an acronym
 * merges with the word after it. A name that is already snake_case at its start keeps that part as
 * it is (a single leading `_` included), except that a digit right before the first capital starts
 * that capital's word. The result may start with a digit, and is empty without ASCII letters or digits.
 */
export function normalizeName(raw: string): string {
  const kept = ALREADY_SNAKE.exec(raw)![0];
  if (kept.length === raw.length) return raw;
  const head = /[0-9]$/.test(kept) ? kept.slice(0, -1) : kept;
  const words = raw
    .slice(head.length)
    .match(WORD)!
    .filter((word) => word !== '');
  return [...(head === '' ? [] : [head]), ...words.map((word) => word.toLowerCase())].join('_');
}

/**
 * The source id as a schema name: eventpipe's own convention (Segment names schemas after a source
 * slug the user picks), kept as it was so that a source's tables never move to another schema.
 */
function sourceSlug(sourceId: string): string {
  return sourceId
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** `name` cut to fit `maxBytes` together with `_` and the hash of `seed`. */
export function withHashSuffix(name: string, seed: string, maxBytes: number): string {
  return `${name.slice(0, maxBytes - HASH_CHARS - 1)}_${shortHash(seed)}`;
}

/** `name` unchanged when it fits `maxBytes`, else truncated with the hash of the full name, so two long names never merge. */
export function fitIdentifier(name: string, maxBytes: number): string {
  return name.length <= maxBytes ? name : withHashSuffix(name, name, maxBytes);
}

/**
 * Segment's name for `raw`, or for a name without any ASCII letter or digit (`名前`, for which
 * Segment has no name and so no column) `_` + the hash of `raw`, so that its values are kept.
 * A leading digit stays (`2fa_enabled`, as in Segment): every identifier is emitted quoted, and
 * quoted identifiers may start with a digit in both warehouses.
 */
function identifierBody(raw: string): string {
  return normalizeName(raw) || `_${shortHash(raw)}`;
}

/** A reserved word gets a leading `_`, as Segment does (`open` → `_open`), so it needs no quoting. */
function unreserved(name: string): string {
  return RESERVED_WORDS.has(name) ? `_${name}` : name;
}

/**
 * The table of a track event name: `Order Completed` → `order_completed`, `Open` → `_open`. A name
 * that is a standard table (`users`) gets the prefix `event_`: Segment would mix track rows into that
 * table. Two event names that normalise alike (`Order Completed`, `order_completed`) share one table,
 * as in Segment; `event_text` tells them apart.
 */
export function eventTableName(eventName: string, maxBytes: number): string {
  const name = identifierBody(eventName);
  return fitIdentifier(STANDARD_TABLES.has(name) ? `event_${name}` : unreserved(name), maxBytes);
}

/**
 * A name that is meant to be a column name already (an enrichment's output field): normalised and
 * fitted the same way, so `context_geo_city` stays as it is and anything else becomes valid.
 */
export function plainColumnName(raw: string, maxBytes: number): string {
  return fitIdentifier(identifierBody(raw), maxBytes);
}

/** The warehouse schema of a source. `pg_…` and `information_schema` are system names in both warehouses. */
export function schemaName(sourceId: string, maxBytes: number): string {
  const slug = sourceSlug(sourceId);
  const name = slug === '' ? `_${shortHash(sourceId)}` : /^[0-9]/.test(slug) ? `_${slug}` : slug;
  const reserved = name.startsWith('pg_') || name === 'information_schema' || RESERVED_WORDS.has(name);
  return fitIdentifier(reserved ? `source_${name}` : name, maxBytes);
}

/** Where a flattened field comes from: the `context` object, `properties`, or `traits`. */
export type FieldRoot = 'context' | 'property' | 'trait';

/** A flattened field: `properties.a.b` is `{ root: 'property', path: ['a', 'b'] }`. */
export interface FieldKey {
  root: FieldRoot;
  path: readonly string[];
}

/** Identity of a field within a table (never ambiguous, whatever characters the keys hold). */
export function fieldId(field: FieldKey): string {
  return JSON.stringify([field.root, ...field.path]);
}

/**
 * The column of a field. `context.page.url` →
 * `context_page_url`; a reserved word gets a leading `_` (`order` → `_order`), as in Segment. A
 * property or trait whose name is a common column of the table, or starts with `context_` (the
 * namespace of context and enrichment columns), is prefixed — `user_id` → `property_user_id` /
 * `trait_user_id` — where Segment would put two values in one column and lose one.
 */
export function preferredColumnName(
  field: FieldKey,
  commonColumns: ReadonlySet<string>,
  maxBytes: number,
): string {
  const joined = field.path.join('_');
  if (field.root === 'context') {
    // Snake-cased as one flattened key, as Segment does (`context_` itself is already snake_case).
    const name =
      normalizeName(joined) === '' ? `context__${shortHash(joined)}` : normalizeName(`context_${joined}`);
    return fitIdentifier(name, maxBytes);
  }
  const body = identifierBody(joined);
  const clashes = commonColumns.has(body) || body.startsWith('context_');
  return fitIdentifier(clashes ? `${field.root}_${body}` : unreserved(body), maxBytes);
}

/** The key path joined as it was sent; a field "is its own name" when this equals its column name. */
export function rawName(field: FieldKey): string {
  return (field.root === 'context' ? ['context', ...field.path] : field.path).join('_');
}

/**
 * Column names for every distinct field of one table, keyed by `fieldId`: each field's
 * `preferredColumnName`, a function of the key alone. So `Order ID`, `orderId` and `order_id` all
 * fill `order_id`, as in Segment, and the same events give the same columns however they are
 * batched. Two keys of one event that share a name are settled per row (`table.ts`).
 */
export function resolveColumnNames(
  fields: Iterable<FieldKey>,
  commonColumns: ReadonlySet<string>,
  maxBytes: number,
): Map<string, string> {
  const names = new Map<string, string>();
  for (const field of fields) {
    const id = fieldId(field);
    if (!names.has(id)) names.set(id, preferredColumnName(field, commonColumns, maxBytes));
  }
  return names;
}
