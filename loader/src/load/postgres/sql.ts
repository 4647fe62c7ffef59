/**
 * The SQL the PostgreSQL dialect issues, as pure functions of their inputs (tested on exact text).
 * Identifiers are always quoted by `quoteIdent`; values are always bind parameters or COPY data.
 */
import type { Column, ColumnType, TableBatch } from '../../transform/types.js';
import { postgresRules, type ExistingColumn, type Migration } from '../../schema/index.js';
import {
  clearedColumns,
  InvalidIdentifierError,
  type DeadLetterRecord,
  type MergeOptions,
  type SqlDialect,
  type Statement,
  type TableRef,
} from '../dialect.js';
import { sharedSql, mergeKind, UUID_TS } from '../shared-sql.js';
import { latestMerge, parameters, traitColumns, type VersionSyntax } from '../trait-versions.js';

/** PostgreSQL silently truncates longer identifiers (which could merge two columns), so they are refused. */
const MAX_IDENTIFIER_BYTES = postgresRules.maxIdentifierBytes;

export function quoteIdent(name: string): string {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (name === '' || name.includes('\0') || bytes > MAX_IDENTIFIER_BYTES) {
    throw new InvalidIdentifierError(
      `invalid PostgreSQL identifier ${JSON.stringify(name)}: must be 1-${MAX_IDENTIFIER_BYTES} bytes without NUL (got ${bytes})`,
    );
  }
  return `"${name.replace(/"/g, '""')}"`;
}

const shared = sharedSql({
  quoteIdent,
  json: (parameter) => parameter,
  sources: (sources) => sources,
  journalText: (text) => text,
});
export const { createSchema, describeTable, findLoad, recordLoad, recordMigration } = shared;
const { qualified } = shared;

const SQL_TYPES: Record<ColumnType, string> = {
  boolean: 'boolean',
  bigint: 'bigint',
  numeric: 'numeric',
  double: 'double precision',
  timestamp: 'timestamptz',
  text: 'text',
  json: 'jsonb',
};

export function sqlType(column: Pick<Column, 'type'>): string {
  return SQL_TYPES[column.type];
}

/**
 * A `describeTable` row → the column as planning sees it, exactly: a column someone created by hand
 * with a narrower type keeps its limits (`integer`'s range, `numeric(p,s)`'s digits, `varchar(n)`'s
 * characters), so a value past them goes to `_rejected` instead of failing the COPY or being rounded;
 * a type no neutral type maps to exactly (`real` rounds doubles, `char(n)` pads, `date` drops the
 * time, and any other) is `unsupported`, and a batch with values for it is refused naming the column.
 * `timestamp without time zone` holds the UTC wall time: every timestamp is loaded normalised to UTC.
 */
export function existingColumn(row: Record<string, unknown>): ExistingColumn {
  const dataType = String(row.data_type);
  const size = (field: string) =>
    row[field] === null || row[field] === undefined ? undefined : Number(row[field]);
  switch (dataType) {
    case 'boolean':
      return 'boolean';
    case 'bigint':
      return 'bigint';
    case 'integer':
      return { type: 'bigint', maxInteger: 2 ** 31 - 1 };
    case 'smallint':
      return { type: 'bigint', maxInteger: 2 ** 15 - 1 };
    case 'numeric': {
      const precision = size('numeric_precision');
      const scale = size('numeric_scale') ?? 0;
      if (precision === undefined) return 'numeric';
      if (scale < 0 || scale > precision) return { unsupported: `numeric(${precision},${scale})` };
      return { type: 'numeric', numeric: { maxIntegerDigits: precision - scale, maxFractionDigits: scale } };
    }
    case 'double precision':
      return 'double';
    case 'text':
      return 'text';
    case 'character varying': {
      const length = size('character_maximum_length');
      return length === undefined ? 'text' : { type: 'text', maxChars: length };
    }
    case 'timestamp with time zone':
    case 'timestamp without time zone':
      return 'timestamp';
    case 'jsonb':
    case 'json':
      return 'json';
    default:
      return { unsupported: dataType };
  }
}

/**
 * How an existing value reads as the wider type, exactly. A double goes to numeric through its text:
 * PostgreSQL's `float8::numeric` keeps only 15 significant digits, while its text output (12 and
 * later) is the shortest that reads back as the same double, which is what the client sent.
 */
export function widenExpression(column: string, from: ColumnType, to: ColumnType): string {
  const c = quoteIdent(column);
  if (from === 'double' && to === 'numeric') return `${c}::text::numeric`;
  return `${c}::${SQL_TYPES[to]}`;
}

export function createTable(ref: TableRef, columns: readonly Column[]): string {
  const defs = columns
    .filter((c) => c.name !== UUID_TS)
    .map((c) => `${quoteIdent(c.name)} ${sqlType(c)}`)
    .concat(`${quoteIdent(UUID_TS)} timestamptz NOT NULL DEFAULT now()`, `PRIMARY KEY (${quoteIdent('id')})`);
  return `CREATE TABLE ${qualified(ref)} (${defs.join(', ')})`;
}

export function migration(ref: TableRef, m: Migration): Statement[] {
  switch (m.kind) {
    case 'create-table':
      return [{ text: createTable(ref, m.columns) }];
    case 'add-column':
      return [
        {
          text: `ALTER TABLE ${qualified(ref)} ADD COLUMN ${quoteIdent(m.column.name)} ${sqlType(m.column)}`,
        },
      ];
    case 'widen-column':
      return [
        {
          text:
            `ALTER TABLE ${qualified(ref)} ALTER COLUMN ${quoteIdent(m.column)} TYPE ${SQL_TYPES[m.to]}` +
            ` USING ${widenExpression(m.column, m.from, m.to)}`,
        },
      ];
    case 'widen-varchar':
      // PostgreSQL text has no length; planning never asks for this with postgres rules.
      return [];
  }
}

export function lock(name: string): Statement[] {
  return [{ text: 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', values: [`eventpipe:${name}`] }];
}

/** The advisory locks of `lock` already serialise loaders of a table: nothing more to take. */
export function lockLoads(): Statement[] {
  return [];
}

export function lockTable(): Statement[] {
  return [];
}

/** `SET LOCAL lock_timeout`, as a function so the value is a bind parameter; fails with 55P03. */
export function lockTimeout(ms: number): Statement[] {
  return [{ text: "SELECT set_config('lock_timeout', $1, true)", values: [`${Math.round(ms)}ms`] }];
}

export function existingSchemas(schemas: string[]): Statement {
  return {
    text: 'SELECT nspname AS name FROM pg_namespace WHERE nspname = ANY($1::text[])',
    values: [schemas],
  };
}

/** `INCLUDING DEFAULTS` so `uuid_ts` (not copied) gets its load time; dropped at COMMIT or ROLLBACK. */
export function createStaging(ref: TableRef, staging: string): Statement {
  return {
    text: `CREATE TEMP TABLE ${quoteIdent(staging)} (LIKE ${qualified(ref)} INCLUDING DEFAULTS) ON COMMIT DROP`,
  };
}

export function copyFromStdin(staging: string, columns: readonly Column[]): string {
  const names = columns.map((c) => quoteIdent(c.name)).join(', ');
  return `COPY pg_temp.${quoteIdent(staging)} (${names}) FROM STDIN (FORMAT text)`;
}

/**
 * Event tables (`append`), by load mode:
 * - `append`: ON CONFLICT DO NOTHING skips ids already loaded (and duplicates inside the batch).
 * - `replace`: one staged row per id (an upsert may not touch a row twice), and a stored row is
 *   overwritten: every column of the batch from the staged row, the stored columns the batch does
 *   not carry cleared, `uuid_ts` the load time.
 * `users` (`latest`): one staged row per id (the newest), and each column of a stored row takes the
 * staged value only when its version is newer (`latestMerge`; `replace`: or the same, so a replay of
 * the event that wrote it re-applies the transform); a row nothing of which wins is left as it is.
 */
export function merge(
  ref: TableRef,
  staging: string,
  table: TableBatch,
  options: MergeOptions = { mode: 'append', storedColumns: [] },
): Statement {
  const names = table.columns.map((c) => quoteIdent(c.name)).join(', ');
  const target = qualified(ref);
  const id = quoteIdent('id');
  const receivedAt = quoteIdent('received_at');
  const insert = `INSERT INTO ${target} (${names})`;
  const newestPerId =
    ` SELECT DISTINCT ON (${id}) ${names} FROM pg_temp.${quoteIdent(staging)}` +
    ` ORDER BY ${id}, ${receivedAt} DESC`;
  const loadTime = `${quoteIdent(UUID_TS)} = now()`;
  const carried = table.columns.filter((c) => c.name !== 'id').map((c) => quoteIdent(c.name));

  const kind = mergeKind(table, options);
  if (kind === 'insert-new') {
    return {
      text: `${insert} SELECT ${names} FROM pg_temp.${quoteIdent(staging)} ON CONFLICT (${id}) DO NOTHING`,
    };
  }
  if (kind === 'overwrite') {
    const updates = carried
      .map((q) => `${q} = EXCLUDED.${q}`)
      .concat(clearedColumns(table, options.storedColumns).map((name) => `${quoteIdent(name)} = NULL`))
      .concat(loadTime);
    return { text: `${insert}${newestPerId} ON CONFLICT (${id}) DO UPDATE SET ${updates.join(', ')}` };
  }
  const traits = traitColumns(table.columns.map((c) => c.name));
  const others = traitColumns(options.storedColumns).filter((name) => !traits.includes(name));
  const values: string[] = [];
  const users = latestMerge(
    postgresVersions,
    { stored: '"stored"', staged: 'EXCLUDED' },
    traits,
    others,
    options.mode === 'replace' ? '>=' : '>',
    parameters(values),
  );
  return {
    text:
      `INSERT INTO ${target} AS "stored" (${names})${newestPerId}` +
      ` ON CONFLICT (${id}) DO UPDATE SET ${[...users.assignments(), loadTime].join(', ')}` +
      ` WHERE ${users.changes()}`,
    values,
  };
}

/** `jsonb_build_object` takes at most 100 arguments: the versions are built 50 columns at a time. */
const BUILD_CHUNK = 50;

/** `_trait_versions` on PostgreSQL: `jsonb`, `{column: version}`. */
const postgresVersions: VersionSyntax = {
  quoteIdent,
  read: (versions, column, param) => `(${versions} ->> ${param(column)}::text)`,
  build: (entries, param) => {
    if (entries.length === 0) return `'{}'::jsonb`;
    const chunks: string[] = [];
    for (let start = 0; start < entries.length; start += BUILD_CHUNK) {
      const pairs = entries
        .slice(start, start + BUILD_CHUNK)
        .map(([column, version]) => `${param(column)}::text, ${version}`);
      chunks.push(`jsonb_build_object(${pairs.join(', ')})`);
    }
    return `jsonb_strip_nulls(${chunks.join(' || ')})`;
  },
};

export function bookkeeping(meta: string): Statement[] {
  const m = quoteIdent(meta);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${m}`,
    `CREATE TABLE IF NOT EXISTS ${m}."loads" (` +
      '"batch_id" text PRIMARY KEY, "first_sequence" bigint NOT NULL, "last_sequence" bigint NOT NULL, ' +
      '"sources" text[] NOT NULL, "rows_by_table" jsonb NOT NULL, "started_at" timestamptz NOT NULL, ' +
      '"committed_at" timestamptz NOT NULL DEFAULT clock_timestamp())',
    `CREATE TABLE IF NOT EXISTS ${m}."migrations" (` +
      '"id" bigserial PRIMARY KEY, "schema_name" text NOT NULL, "table_name" text NOT NULL, ' +
      '"statement" text NOT NULL, "batch_id" text NOT NULL, "loader" text NOT NULL, ' +
      '"applied_at" timestamptz NOT NULL DEFAULT clock_timestamp())',
    // `json`, not `jsonb`: it keeps the envelope's text exactly, `\u0000` escapes included.
    `CREATE TABLE IF NOT EXISTS ${m}."dead_letters" (` +
      '"source_id" text NOT NULL, "message_id" text NOT NULL, "stream_sequence" bigint NOT NULL, ' +
      '"reason" text NOT NULL, "envelope" json NOT NULL, ' +
      '"first_failed_at" timestamptz NOT NULL DEFAULT clock_timestamp(), ' +
      '"last_failed_at" timestamptz NOT NULL DEFAULT clock_timestamp(), ' +
      '"attempts" integer NOT NULL DEFAULT 1, "origin" text NOT NULL)',
    // Tables made before dead letters were keyed by origin: rows keyed by message id, where a later
    // message reusing the id overwrote an earlier one. Their rows keep `origin` ''.
    `ALTER TABLE ${m}."dead_letters" ADD COLUMN IF NOT EXISTS "origin" text NOT NULL DEFAULT ''`,
    `ALTER TABLE ${m}."dead_letters" DROP CONSTRAINT IF EXISTS "dead_letters_pkey"`,
    // Source and message id too, so the rows of an old table (unique by those) always fit the key.
    `CREATE UNIQUE INDEX IF NOT EXISTS "dead_letters_key" ON ${m}."dead_letters" ` +
      '("origin", "stream_sequence", "source_id", "message_id")',
  ].map((text) => ({ text }));
}

export function deadLetter(meta: string, r: DeadLetterRecord): Statement {
  const table = `${quoteIdent(meta)}."dead_letters"`;
  return {
    text:
      `INSERT INTO ${table} ("origin", "stream_sequence", "source_id", "message_id", "reason", "envelope")` +
      ' VALUES ($1, $2, $3, $4, $5, $6)' +
      ' ON CONFLICT ("origin", "stream_sequence", "source_id", "message_id") DO UPDATE SET' +
      ' "attempts" = "dead_letters"."attempts" + 1, "last_failed_at" = clock_timestamp(),' +
      ' "reason" = EXCLUDED."reason"',
    // NUL cannot be stored in text; an error message may quote one from the event.
    values: [
      r.origin,
      r.streamSequence,
      r.sourceId,
      r.messageId,
      r.reason.replace(/\0/g, ''),
      r.envelopeJson,
    ],
  };
}

/** The PostgreSQL dialect's SQL; `rules` and `stage` are added by the driver (`index.ts`). */
export const postgresSql: Omit<SqlDialect, 'rules' | 'copy'> = {
  quoteIdent,
  sqlType,
  bookkeeping,
  lock,
  lockLoads,
  lockTable,
  lockTimeout,
  existingSchemas,
  createSchema,
  describeTable,
  existingColumn,
  migration,
  runsOutsideTransaction: () => false,
  recordMigration,
  createStaging,
  merge,
  findLoad,
  recordLoad,
  deadLetter,
};
