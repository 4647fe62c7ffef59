/**
 * The transform step: enriched envelopes → rows per warehouse table, grouped by source (pure).
 *
 * Row values are the event's own JSON values (NUL characters stripped), not yet cast to their
 * columns' types: the schema planner (`../schema`) decides the final type of each column against
 * the existing table and casts or rejects values accordingly. Load the batch `planTable` returns.
 */
import type { TableKind } from './columns.js';
import { schemaName } from './names.js';
import { FieldKeys } from './field-keys.js';
import { eventDrafts, type DraftRow } from './rows.js';
import { assembleTable } from './table.js';
import type { DialectRules, EnrichedEvent, SourceBatch } from './types.js';

/**
 * Rows for `tracks` and one table per event name, `identifies` and `users`, `pages`, `screens`,
 * `groups`, `aliases`; one `SourceBatch` per source. Sources, tables, columns and rows come out in a
 * deterministic order (sources and tables by name, rows in event order), so the same events always
 * give the same output — replays and redeliveries stage identical files.
 */
export function transform(events: readonly EnrichedEvent[], rules: DialectRules): SourceBatch[] {
  const sources = new Map<string, Map<string, { kind: TableKind; rows: DraftRow[] }>>();
  const repairedBySource = new Map<string, number>();
  const ctx = { keys: new FieldKeys(), rules, repairs: { surrogates: 0 } };
  for (const event of events) {
    const tables = sources.get(event.envelope.sourceId) ?? new Map();
    sources.set(event.envelope.sourceId, tables);
    const before = ctx.repairs.surrogates;
    const drafts = eventDrafts(event, rules, ctx);
    const repaired = ctx.repairs.surrogates - before;
    if (repaired > 0)
      repairedBySource.set(
        event.envelope.sourceId,
        (repairedBySource.get(event.envelope.sourceId) ?? 0) + repaired,
      );
    for (const { table, kind, row } of drafts) {
      const entry = tables.get(table) ?? { kind, rows: [] };
      entry.rows.push(row);
      tables.set(table, entry);
    }
  }
  return [...sources.keys()].sort().map((sourceId) => {
    const tables = sources.get(sourceId)!;
    return {
      sourceId,
      schema: schemaName(sourceId, rules.maxIdentifierBytes),
      surrogatesReplaced: repairedBySource.get(sourceId) ?? 0,
      tables: [...tables.keys()]
        .sort()
        .map((table) => assembleTable(table, tables.get(table)!.kind, tables.get(table)!.rows, rules)),
    };
  });
}

export type * from './types.js';
export {
  COMMON_COLUMNS,
  COMMON_ORDER,
  ENRICHMENT_ERRORS_COLUMN,
  FIXED_TYPES,
  REJECTED_COLUMN,
  UUID_TS_COLUMN,
  TRAIT_VERSIONS_COLUMN,
  type TableKind,
} from './columns.js';
export { MAX_FLATTEN_DEPTH, flatten } from './flatten.js';
export {
  eventTableName,
  fieldId,
  fitIdentifier,
  normalizeName,
  plainColumnName,
  resolveColumnNames,
  schemaName,
  type FieldKey,
} from './names.js';
export { skewCorrectedTimestamp } from './rows.js';
export { inferColumns, valueType } from './table.js';
export { fits, inferType, isTimestamp, lub, normalizeTimestamp, parseTimestamp } from './types-infer.js';
export { cleanStrings, jsonText, toText, utf8Bytes, type TextRepairs } from './values.js';
export { decimalShape, isInt64, plainDecimal } from './numbers.js';
