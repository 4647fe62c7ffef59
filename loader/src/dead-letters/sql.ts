/**
 * The SQL of dead-letter administration (list, show, redrive), for both dialects. Pure functions,
 * tested on their exact text; the Redshift texts also run on PostgreSQL in test/src/redshift.
 *
 * `dead_letters` differs by dialect: PostgreSQL keeps one row per message (an upsert counts the
 * attempts), Redshift a log of rows per message whose latest row is its current state. Reading the
 * latest row per message (`ROW_NUMBER() … = 1`) is right for both.
 *
 * A dead letter is named for people by an ID derived from its key (origin, stream sequence, source,
 * message id): the first 12 hex digits of their MD5, computed by the warehouse (`MD5` and `LEFT`
 * exist in both), so the same text finds it again and no column has to be added to a table that
 * Redshift could not alter idempotently.
 *
 * Redrives are recorded in a table of their own, `dead_letter_redrives`, one row per redrive with the
 * stream sequence the message was published at. A dead letter counts as redriven when its latest
 * redrive is not older than its latest failure: a dead letter that fails again after a redrive (the
 * same archive line replayed) is pending again.
 */
import type { Statement } from '../load/dialect.js';
import { quoteIdent as postgresIdent } from '../load/postgres/sql.js';
import { quoteIdent as redshiftIdent } from '../load/redshift/sql.js';
import { ENRICHMENT_ERRORS_COLUMN, REJECTED_COLUMN, UUID_TS_COLUMN } from '../transform/columns.js';

export type DialectKind = 'postgres' | 'redshift';

/** The characters of a dead letter's ID. */
export const DEAD_LETTER_ID_LENGTH = 12;
export const DEAD_LETTER_ID_PATTERN = /^[0-9a-f]{12}$/;

export interface DeadLetterFilter {
  sourceId?: string;
  /** Only dead letters whose latest failure is at or after this time. */
  since?: Date;
  /** Only dead letters whose reason contains this text, ignoring case. */
  reason?: string;
  /** Only these dead letters (IDs as `list` shows them). */
  ids?: readonly string[];
  /** Also dead letters already redriven (default: only those pending). */
  includeRedriven?: boolean;
  /** At most this many, oldest latest failure first (newest first with `newestFirst`). */
  limit?: number;
  /** Newest latest failure first: a page shows what failed last, the CLI and a redrive work oldest first. */
  newestFirst?: boolean;
  /** Also the envelope, as JSON text (`show`, `redrive`). */
  withEnvelope?: boolean;
}

/** A redrive to record: the dead letter's key, and where its message was published again. */
export interface RedriveRecord {
  origin: string;
  streamSequence: number;
  sourceId: string;
  messageId: string;
  stream: string;
  publishedSequence: number;
}

const KEY = ['"origin"', '"stream_sequence"', '"source_id"', '"message_id"'];

function dialectOf(kind: DialectKind) {
  return kind === 'redshift'
    ? {
        quoteIdent: redshiftIdent,
        envelopeText: 'JSON_SERIALIZE("envelope")',
        redrivesColumns:
          '"origin" VARCHAR(512) NOT NULL, "stream_sequence" BIGINT NOT NULL, "source_id" VARCHAR(128) NOT NULL, ' +
          '"message_id" VARCHAR(1024) NOT NULL, "redriven_at" TIMESTAMPTZ NOT NULL DEFAULT GETDATE(), ' +
          '"stream" VARCHAR(256) NOT NULL, "published_sequence" BIGINT NOT NULL',
      }
    : {
        quoteIdent: postgresIdent,
        envelopeText: '"envelope"::text',
        redrivesColumns:
          '"origin" text NOT NULL, "stream_sequence" bigint NOT NULL, "source_id" text NOT NULL, ' +
          '"message_id" text NOT NULL, "redriven_at" timestamptz NOT NULL DEFAULT clock_timestamp(), ' +
          '"stream" text NOT NULL, "published_sequence" bigint NOT NULL',
      };
}

/** The table of redrives; idempotent, run after the dialect's own bookkeeping DDL. */
export function createRedrivesTable(kind: DialectKind, meta: string): Statement {
  const { quoteIdent, redrivesColumns } = dialectOf(kind);
  return {
    text: `CREATE TABLE IF NOT EXISTS ${quoteIdent(meta)}."dead_letter_redrives" (${redrivesColumns})`,
  };
}

/** The ID of a dead letter, from its key columns (of the table or alias `from`). */
function idExpression(): string {
  return (
    `LEFT(MD5("origin" || '/' || CAST("stream_sequence" AS VARCHAR) || '/' || "source_id" || '/' || "message_id"), ` +
    `${DEAD_LETTER_ID_LENGTH})`
  );
}

/**
 * The dead letters matching `filter`, one row per message (its latest state): `id`, the key columns,
 * `reason`, `first_failed_at`, `last_failed_at`, `attempts`, the latest redrive that counts
 * (`redriven_at`, `redriven_stream`, `redriven_sequence`, null when pending), and `envelope` (JSON
 * text) when asked for.
 */
export function listDeadLetters(kind: DialectKind, meta: string, filter: DeadLetterFilter = {}): Statement {
  const { quoteIdent, envelopeText } = dialectOf(kind);
  const m = quoteIdent(meta);
  const key = KEY.join(', ');
  const values: unknown[] = [];
  const param = (value: unknown, cast: string) => {
    values.push(value);
    return `CAST($${values.length} AS ${cast})`;
  };
  const where = ['l."nth" = 1'];
  if (filter.sourceId !== undefined) where.push(`l."source_id" = ${param(filter.sourceId, 'VARCHAR')}`);
  if (filter.since !== undefined) where.push(`l."last_failed_at" >= ${param(filter.since, 'TIMESTAMPTZ')}`);
  if (filter.reason !== undefined) {
    where.push(`POSITION(LOWER(${param(filter.reason, 'VARCHAR(65535)')}) IN LOWER(l."reason")) > 0`);
  }
  if (filter.ids !== undefined) {
    // An empty list selects nothing; `IN ()` is not SQL.
    where.push(
      filter.ids.length === 0
        ? 'FALSE'
        : `l."id" IN (${filter.ids.map((id) => param(id, 'VARCHAR')).join(', ')})`,
    );
  }
  if (!filter.includeRedriven) where.push('r."redriven_at" IS NULL');
  // A literal, checked here: not every Redshift client path takes a parameter in LIMIT.
  if (
    filter.limit !== undefined &&
    !(Number.isSafeInteger(filter.limit) && filter.limit > 0 && filter.limit < 2 ** 31)
  ) {
    throw new RangeError(`limit must be a positive integer below 2^31 (got ${filter.limit})`);
  }
  const limit = filter.limit !== undefined ? ` LIMIT ${filter.limit}` : '';
  return {
    text:
      'WITH "letters" AS (' +
      `SELECT ${idExpression()} AS "id", ${key}, "reason", "first_failed_at", "last_failed_at", "attempts"` +
      (filter.withEnvelope ? `, ${envelopeText} AS "envelope"` : '') +
      `, ROW_NUMBER() OVER (PARTITION BY ${key} ORDER BY "last_failed_at" DESC, "attempts" DESC) AS "nth"` +
      ` FROM ${m}."dead_letters"), ` +
      '"redrives" AS (' +
      `SELECT ${key}, "redriven_at", "stream", "published_sequence"` +
      `, ROW_NUMBER() OVER (PARTITION BY ${key} ORDER BY "redriven_at" DESC) AS "nth"` +
      ` FROM ${m}."dead_letter_redrives") ` +
      'SELECT l."id", l."origin", l."stream_sequence", l."source_id", l."message_id", l."reason",' +
      ' l."first_failed_at", l."last_failed_at", l."attempts",' +
      ' r."redriven_at", r."stream" AS "redriven_stream", r."published_sequence" AS "redriven_sequence"' +
      (filter.withEnvelope ? ', l."envelope"' : '') +
      ' FROM "letters" l LEFT JOIN "redrives" r ON ' +
      KEY.map((column) => `r.${column} = l.${column}`).join(' AND ') +
      ' AND r."nth" = 1 AND r."redriven_at" >= l."last_failed_at"' +
      ` WHERE ${where.join(' AND ')}` +
      (filter.newestFirst
        ? ' ORDER BY l."last_failed_at" DESC, l."origin", l."stream_sequence" DESC'
        : ' ORDER BY l."last_failed_at", l."origin", l."stream_sequence"') +
      limit,
    values,
  };
}

/** Records redrives, one row each, in one statement; call only after their messages were published. */
export function recordRedrives(
  kind: DialectKind,
  meta: string,
  records: readonly RedriveRecord[],
): Statement {
  const { quoteIdent } = dialectOf(kind);
  const values: unknown[] = [];
  const rows = records.map((r) => {
    const start = values.length;
    values.push(r.origin, r.streamSequence, r.sourceId, r.messageId, r.stream, r.publishedSequence);
    return `(${[1, 2, 3, 4, 5, 6].map((i) => `$${start + i}`).join(', ')})`;
  });
  return {
    text:
      `INSERT INTO ${quoteIdent(meta)}."dead_letter_redrives" (${KEY.join(', ')}, "stream", "published_sequence")` +
      ` VALUES ${rows.join(', ')}`,
    values,
  };
}

/** The columns where a loaded row keeps what did not load cleanly. */
export const DROP_COLUMNS = [REJECTED_COLUMN, ENRICHMENT_ERRORS_COLUMN] as const;

/**
 * Tables with a `_rejected` or `_enrichment_errors` column, one row per such column (the same text
 * for both dialects)
 * (`table_schema`, `table_name`, `column_name`), outside the bookkeeping schema; in `schema` only
 * when given.
 */
export function tablesWithDropColumns(meta: string, schema?: string): Statement {
  const values: unknown[] = [DROP_COLUMNS[0], DROP_COLUMNS[1], meta];
  if (schema !== undefined) values.push(schema);
  return {
    text:
      'SELECT table_schema, table_name, column_name FROM information_schema.columns' +
      ' WHERE column_name IN (CAST($1 AS VARCHAR), CAST($2 AS VARCHAR)) AND table_schema <> CAST($3 AS VARCHAR)' +
      (schema !== undefined ? ' AND table_schema = CAST($4 AS VARCHAR)' : '') +
      ' ORDER BY table_schema, table_name, column_name',
    values,
  };
}

/**
 * Rows of one table loaded since `since` (by `uuid_ts`, the load time): `rows`, and per column of
 * `columns` (of `DROP_COLUMNS`) the rows where it is set, named like the column without its `_`.
 */
export function dropCounts(
  kind: DialectKind,
  table: { schema: string; table: string },
  columns: readonly string[],
  since: Date,
): Statement {
  const { quoteIdent } = dialectOf(kind);
  const counts = columns.map((c) => `, COUNT(${quoteIdent(c)}) AS ${quoteIdent(c.slice(1))}`).join('');
  return {
    text:
      `SELECT COUNT(*) AS "rows"${counts} FROM ${quoteIdent(table.schema)}.${quoteIdent(table.table)}` +
      ` WHERE ${quoteIdent(UUID_TS_COLUMN)} >= CAST($1 AS TIMESTAMPTZ)`,
    values: [since],
  };
}
