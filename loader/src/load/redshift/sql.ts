/**
 * The SQL the Redshift dialect issues, as pure functions of their inputs (tested on their exact text).
 * Identifiers always go through `quoteIdent`; values are bind parameters, except in COPY, which takes
 * no parameters: its S3 URLs and credentials are written as checked string literals.
 *
 * Where Redshift differs from PostgreSQL, and why the SQL looks the way it does:
 * - no `ON CONFLICT`, no unique constraints (a PRIMARY KEY is informational only), no advisory locks;
 * - `ALTER COLUMN … TYPE` only widens a VARCHAR, and never inside a transaction block;
 * - a VARCHAR is sized in bytes (≤ 65535), and can only be widened when its encoding is not one of the
 *   dictionary encodings, so text columns are created `ENCODE ZSTD` rather than left to ENCODE AUTO;
 * - temp tables live until the session ends (there is no `ON COMMIT DROP`), and sessions are pooled.
 */
import type { Column, ColumnType, TableBatch } from '../../transform/types.js';
import { redshiftRules, type ExistingColumn, type Migration } from '../../schema/index.js';
import type { LoadMode } from '../warehouse.js';
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

export const MAX_IDENTIFIER_BYTES = redshiftRules.maxIdentifierBytes;
export const MAX_VARCHAR_BYTES = redshiftRules.maxTextBytes ?? 65535;
/** The narrowest VARCHAR created: short values grow into it without a migration per batch. */
export const MIN_VARCHAR_BYTES = 256;

/**
 * Redshift folds identifiers to lower case, quoted or not, so `"Price"` and `"price"` would be one
 * column: a name with upper-case letters is refused instead of being merged silently.
 */
export function quoteIdent(name: string): string {
  const bytes = Buffer.byteLength(name, 'utf8');
  const problem =
    name === '' || name.includes('\0')
      ? 'must be non-empty without NUL'
      : bytes > MAX_IDENTIFIER_BYTES
        ? `must be at most ${MAX_IDENTIFIER_BYTES} bytes (got ${bytes})`
        : name !== name.toLowerCase()
          ? 'must be lower case (Redshift folds identifiers to lower case)'
          : undefined;
  if (problem)
    throw new InvalidIdentifierError(`invalid Redshift identifier ${JSON.stringify(name)}: ${problem}`);
  return `"${name.replace(/"/g, '""')}"`;
}

const shared = sharedSql({
  quoteIdent,
  json: (parameter) => `JSON_PARSE(${parameter})`,
  sources: (sources) => JSON.stringify(sources),
  journalText: (text) => fitVarchar(text),
});
export const { createSchema, describeTable, findLoad, recordLoad, recordMigration } = shared;
const { qualified } = shared;

/**
 * A string literal for COPY (which takes no bind parameters). Redshift reads a backslash in a literal
 * as an escape, and S3 URLs, role ARNs and access keys never contain one, nor control characters: such
 * a value is refused rather than escaped into something that could change the statement.
 */
export function quoteLiteral(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f]/.test(value)) {
    throw new Error(
      `${JSON.stringify(value)} cannot be used in a COPY statement (backslash or control character)`,
    );
  }
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * The declared size of a VARCHAR holding values of up to `maxBytes`: the next power of two (at least
 * 256, at most 65535). Headroom means a column is widened a few times in its life, not once per batch.
 */
export function varcharBytes(maxBytes = 0): number {
  if (maxBytes > MAX_VARCHAR_BYTES) {
    // Planning moves longer values to `_rejected`; reaching here is a bug, not data to cut.
    throw new Error(
      `a text value of ${maxBytes} bytes exceeds Redshift's VARCHAR limit of ${MAX_VARCHAR_BYTES} bytes`,
    );
  }
  let size = MIN_VARCHAR_BYTES;
  while (size < maxBytes) size *= 2;
  return Math.min(size, MAX_VARCHAR_BYTES);
}

const FIXED_SQL_TYPES: Record<Exclude<ColumnType, 'text'>, string> = {
  boolean: 'BOOLEAN',
  bigint: 'BIGINT',
  // The widest exact integer Redshift has: every integer of up to 38 digits (2^64 and well beyond).
  numeric: 'DECIMAL(38,0)',
  double: 'DOUBLE PRECISION',
  timestamp: 'TIMESTAMPTZ',
  json: 'SUPER',
};

export function sqlType(column: Pick<Column, 'type' | 'maxBytes'>): string {
  return column.type === 'text' ? `VARCHAR(${varcharBytes(column.maxBytes)})` : FIXED_SQL_TYPES[column.type];
}

/** A column definition; text columns get an encoding that keeps them widenable. */
function columnDefinition(column: Column): string {
  const encode = column.type === 'text' ? ' ENCODE ZSTD' : '';
  return `${quoteIdent(column.name)} ${sqlType(column)}${encode}`;
}

/**
 * A `describeTable` row → the column as planning sees it, exactly: a VARCHAR with its declared size in
 * bytes (a longer value plans a `widen-varchar` instead of failing the COPY), a narrower integer or a
 * `DECIMAL(p,s)` with its limits (values past them go to `_rejected`, never rounded). A type no neutral
 * type maps to exactly is `unsupported`, and a batch with values for it is refused naming the column:
 * `CHAR(n)` (pads values, and Redshift refuses to widen it), `REAL` (rounds doubles), `DATE`, `TIME`,
 * `VARBYTE`, `GEOMETRY` and the rest. `TIMESTAMP` holds the UTC time: every timestamp is loaded in UTC.
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
      const precision = size('numeric_precision') ?? 18; // Redshift's default DECIMAL is (18,0)
      const scale = size('numeric_scale') ?? 0;
      return { type: 'numeric', numeric: { maxIntegerDigits: precision - scale, maxFractionDigits: scale } };
    }
    case 'double precision':
      return 'double';
    case 'character varying': {
      const length = size('character_maximum_length');
      return length === undefined ? 'text' : { type: 'text', maxBytes: length };
    }
    case 'timestamp with time zone':
    case 'timestamp without time zone':
      return 'timestamp';
    case 'super':
      return 'json';
    default:
      return { unsupported: dataType };
  }
}

const SORT_KEY = 'received_at';

/** The columns rows carry: all but `uuid_ts`, which the warehouse sets at load time. */
export function loadedColumns(columns: readonly Column[]): Column[] {
  return columns.filter((c) => c.name !== UUID_TS);
}

/**
 * Sorted by `received_at` (every query of event data filters on time) and distributed by Redshift
 * (`DISTSTYLE AUTO`): there is no join key common to all queries. No PRIMARY KEY: Redshift would not
 * enforce it, and it would forbid widening a VARCHAR `id`.
 */
export function createTable(ref: TableRef, columns: readonly Column[]): string {
  const defs = loadedColumns(columns)
    .map(columnDefinition)
    .concat(`${quoteIdent(UUID_TS)} TIMESTAMPTZ NOT NULL DEFAULT GETDATE()`);
  const sortKey = columns.some((c) => c.name === SORT_KEY) ? ` SORTKEY (${quoteIdent(SORT_KEY)})` : '';
  return `CREATE TABLE IF NOT EXISTS ${qualified(ref)} (${defs.join(', ')}) DISTSTYLE AUTO${sortKey}`;
}

/** Redshift's ALTER TABLE adds one column per statement (and has no `IF NOT EXISTS` for it). */
export function migration(ref: TableRef, m: Migration): Statement[] {
  switch (m.kind) {
    case 'create-table':
      return [{ text: createTable(ref, m.columns) }];
    case 'add-column':
      return [{ text: `ALTER TABLE ${qualified(ref)} ADD COLUMN ${columnDefinition(m.column)}` }];
    case 'widen-varchar':
      // Never narrower than the declared size it was planned from (read just before, see the flow):
      // a loader that planned a smaller size than another one applied must not undo that.
      return [
        {
          text: `ALTER TABLE ${qualified(ref)} ALTER COLUMN ${quoteIdent(m.column)} TYPE VARCHAR(${Math.max(varcharBytes(m.maxBytes), m.fromBytes)})`,
        },
      ];
    case 'widen-column':
      // Planning with Redshift's rules never asks for this: Redshift changes no type but VARCHAR's size.
      throw new Error(
        `Redshift cannot change ${qualified(ref)}.${quoteIdent(m.column)} from ${m.from} to ${m.to}`,
      );
  }
}

/** `ALTER COLUMN … TYPE` fails inside a transaction block on Redshift. */
export function runsOutsideTransaction(m: Migration): boolean {
  return m.kind === 'widen-varchar';
}

/**
 * Redshift has no advisory locks; loaders are kept apart by explicit `LOCK`s instead (`lockLoads`,
 * `lockTable`), which hold until the transaction ends.
 */
export function lock(): Statement[] {
  return [];
}

/**
 * Every load transaction first locks `loads`, so two loaders can never both find a batch missing and
 * both load it. This does not rely on SERIALIZABLE isolation, which the connection neither sets nor
 * could count on (a database can default to SNAPSHOT isolation, which lets both commit).
 */
export function lockLoads(meta: string): Statement[] {
  return [{ text: `LOCK ${quoteIdent(meta)}."loads"` }];
}

/**
 * An existing target table is locked before it is described, so its columns cannot change (another
 * loader's `ALTER COLUMN … TYPE`, which waits for the lock) between planning and merge.
 */
export function lockTable(ref: TableRef): Statement[] {
  return [{ text: `LOCK ${qualified(ref)}` }];
}

/**
 * Redshift has no `lock_timeout`: a load waits for the locks it needs. (Its loads only lock eventpipe's
 * own tables; analysts' SELECTs take no lock that blocks them.)
 */
export function lockTimeout(): Statement[] {
  return [];
}

/** No array parameters on Redshift: one placeholder per schema. */
export function existingSchemas(schemas: string[]): Statement {
  if (schemas.length === 0) return { text: 'SELECT nspname AS name FROM pg_namespace WHERE false' };
  const placeholders = schemas.map((_, i) => `$${i + 1}`).join(', ');
  return {
    text: `SELECT nspname AS name FROM pg_namespace WHERE nspname IN (${placeholders})`,
    values: schemas,
  };
}

/**
 * Temp tables outlive the transaction on Redshift and pooled sessions are reused, so a staging table
 * left by the previous batch of this session is dropped first. (Two statements in one simple query:
 * this statement has no parameters.) `INCLUDING DEFAULTS` so `uuid_ts`, not in the COPY, gets its load time.
 */
export function createStaging(ref: TableRef, staging: string): Statement {
  const name = quoteIdent(staging);
  return {
    text: `DROP TABLE IF EXISTS ${name}; CREATE TEMP TABLE ${name} (LIKE ${qualified(ref)} INCLUDING DEFAULTS)`,
  };
}

/** Where COPY finds the batch's files, and how it may read them. */
export interface CopySource {
  manifestUrl: string;
  jsonpathsUrl: string;
  /** Region of the bucket (COPY assumes the cluster's own otherwise). */
  region: string;
  credentials: { iamRole: string } | { accessKeyId: string; secretAccessKey: string };
}

function copyCredentials(credentials: CopySource['credentials']): string {
  return 'iamRole' in credentials
    ? `IAM_ROLE ${quoteLiteral(credentials.iamRole)}`
    : `ACCESS_KEY_ID ${quoteLiteral(credentials.accessKeyId)} SECRET_ACCESS_KEY ${quoteLiteral(credentials.secretAccessKey)}`;
}

/**
 * COPY of one table's load files into a staging table. The column list and the JSONPaths file list
 * the same columns in the same order. Deliberately absent: `TRUNCATECOLUMNS`, `ACCEPTINVCHARS` and
 * `MAXERROR`, which cut, replace or skip data without failing; a value COPY cannot load fails it.
 * `COMPUPDATE OFF STATUPDATE OFF`: the target is a temp staging table, empty before every COPY and
 * dropped once deduplicated. Left on, COPY samples it to choose compression encodings and runs ANALYZE
 * on it for every batch, work whose result is thrown away a moment later.
 */
export function copyFromS3(staging: string, columns: readonly Column[], source: CopySource): string {
  const names = columns.map((c) => quoteIdent(c.name)).join(', ');
  return (
    `COPY ${quoteIdent(staging)} (${names}) FROM ${quoteLiteral(source.manifestUrl)}` +
    ` ${copyCredentials(source.credentials)} MANIFEST REGION ${quoteLiteral(source.region)}` +
    ` FORMAT AS JSON ${quoteLiteral(source.jsonpathsUrl)} GZIP TIMEFORMAT 'auto' COMPUPDATE OFF STATUPDATE OFF`
  );
}

/** The table COPY fills before duplicates are removed into the staging table proper. */
export function rawStagingName(staging: string): string {
  return `${staging}_raw`;
}

export function createRawStaging(staging: string): string {
  const raw = quoteIdent(rawStagingName(staging));
  return `DROP TABLE IF EXISTS ${raw}; CREATE TEMP TABLE ${raw} (LIKE ${quoteIdent(staging)} INCLUDING DEFAULTS)`;
}

export function dropRawStaging(staging: string): string {
  return `DROP TABLE ${quoteIdent(rawStagingName(staging))}`;
}

/**
 * Raw staged rows → staging table with one row per id (the newest by `received_at`): Redshift's MERGE
 * requires that a target row match at most one source row, and a batch may hold an event twice (a
 * client retry after the stream's duplicate window). For `latest` tables, a staged row that would not
 * change the stored one (no column of it has a newer version, see `latestMerge`; in `replace` mode the
 * same version wins) is dropped here too, so the merge only sees rows that change something.
 */
export function dedupStaging(
  ref: TableRef,
  staging: string,
  table: TableBatch,
  mode: LoadMode = 'append',
  storedColumns: readonly string[] = [],
): Statement {
  const names = loadedColumns(table.columns)
    .map((c) => quoteIdent(c.name))
    .join(', ');
  const id = quoteIdent('id');
  const receivedAt = quoteIdent('received_at');
  const rank = quoteIdent('eventpipe_rank');
  const values: string[] = [];
  let notNewer = '';
  if (table.mode === 'latest') {
    const users = usersMerge(table, storedColumns, mode, { stored: '"stored"', staged: '"ranked"' }, values);
    notNewer = ` AND NOT EXISTS (SELECT 1 FROM ${qualified(ref)} AS "stored" WHERE "stored".${id} = "ranked".${id} AND NOT (${users.changes()}))`;
  }
  return {
    text:
      `INSERT INTO ${quoteIdent(staging)} (${names}) SELECT ${names} FROM (SELECT ${names},` +
      ` ROW_NUMBER() OVER (PARTITION BY ${id} ORDER BY ${receivedAt} DESC) AS ${rank}` +
      ` FROM ${quoteIdent(rawStagingName(staging))}) AS "ranked" WHERE ${rank} = 1${notNewer}`,
    values,
  };
}

/**
 * `_trait_versions` on Redshift: `SUPER`, `{column: version}`, read through its JSON text (a SUPER
 * path takes no bind parameter) and built as JSON text. Versions are plain ASCII without quotes or
 * backslashes (`traitVersion`) and keys are JSON-encoded here, so the text needs no escaping in SQL.
 */
const redshiftVersions: VersionSyntax = {
  quoteIdent,
  // JSON_EXTRACT_PATH_TEXT gives '' for a missing key (and JSON_SERIALIZE of NULL is 'null').
  read: (versions, column, param) =>
    `NULLIF(JSON_EXTRACT_PATH_TEXT(JSON_SERIALIZE(${versions}), ${param(column)}::VARCHAR), '')`,
  build: (entries, param) => {
    if (entries.length === 0) return `JSON_PARSE('{}')`;
    const members = entries.map(
      ([column, version]) =>
        `COALESCE(',' || ${param(JSON.stringify(column))}::VARCHAR || ':"' || ${version} || '"', '')`,
    );
    return `JSON_PARSE('{' || LTRIM(${members.join(' || ')}, ',') || '}')`;
  },
};

function usersMerge(
  table: TableBatch,
  storedColumns: readonly string[],
  mode: LoadMode,
  aliases: { stored: string; staged: string },
  values: string[],
) {
  const traits = traitColumns(loadedColumns(table.columns).map((c) => c.name));
  const others = traitColumns(storedColumns).filter((name) => !traits.includes(name));
  const wins = mode === 'replace' ? '>=' : '>';
  return latestMerge(redshiftVersions, aliases, traits, others, wins, parameters(values));
}

/**
 * Event tables (`append`), by load mode:
 * - `append`: an anti-join INSERT, so ids already in the table are skipped and stored rows are never
 *   rewritten. (Redshift's MERGE must UPDATE or DELETE every matched row; for events that would
 *   rewrite rows that are already right.)
 * - `replace`: MERGE on id (staging holds one row per id, see `dedupStaging`): a stored row gets every
 *   column of the batch from the staged row, the stored columns the batch does not carry cleared, and
 *   `uuid_ts` the load time; new ids are inserted. One statement, the same result as PostgreSQL's
 *   upsert, and what Redshift does for an UPDATE anyway (delete the old row version, insert the new).
 * `users` (`latest`): MERGE on id; staging holds only rows that change the stored one, and each column
 * takes the staged value only when its version is newer (`latestMerge`), as on PostgreSQL.
 */
export function merge(
  ref: TableRef,
  staging: string,
  table: TableBatch,
  options: MergeOptions = { mode: 'append', storedColumns: [] },
): Statement {
  const columns = loadedColumns(table.columns).map((c) => c.name);
  const names = columns.map(quoteIdent).join(', ');
  const target = qualified(ref);
  const source = quoteIdent(staging);
  const id = quoteIdent('id');
  const kind = mergeKind(table, options);
  if (kind === 'insert-new') {
    return {
      text:
        `INSERT INTO ${target} (${names}) SELECT ${names} FROM ${source} AS "staged"` +
        ` WHERE NOT EXISTS (SELECT 1 FROM ${target} AS "stored" WHERE "stored".${id} = "staged".${id})`,
    };
  }
  const carried = columns.filter((name) => name !== 'id').map(quoteIdent);
  const values: string[] = [];
  const updates =
    kind === 'overwrite'
      ? carried
          .map((q) => `${q} = "staged".${q}`)
          .concat(clearedColumns(table, options.storedColumns).map((name) => `${quoteIdent(name)} = NULL`))
      : usersMerge(
          table,
          options.storedColumns,
          options.mode,
          { stored: target, staged: '"staged"' },
          values,
        ).assignments();
  const inserted = columns.map((name) => `"staged".${quoteIdent(name)}`).join(', ');
  return {
    text:
      `MERGE INTO ${target} USING ${source} AS "staged" ON ${target}.${id} = "staged".${id}` +
      ` WHEN MATCHED THEN UPDATE SET ${[...updates, `${quoteIdent(UUID_TS)} = GETDATE()`].join(', ')}` +
      ` WHEN NOT MATCHED THEN INSERT (${names}) VALUES (${inserted})`,
    ...(values.length > 0 ? { values } : {}),
  };
}

/** A journal or reason text longer than a VARCHAR can hold is cut visibly, never silently. */
export function fitVarchar(text: string, maxBytes = MAX_VARCHAR_BYTES): string {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return text;
  const marker = ` … [cut, ${bytes} bytes]`;
  let cut = Buffer.from(text, 'utf8')
    .subarray(0, maxBytes - Buffer.byteLength(marker, 'utf8'))
    .toString('utf8');
  // A multi-byte character split by the cut decodes to U+FFFD (3 bytes): drop it.
  cut = cut.replace(/\uFFFD$/, '');
  return cut + marker;
}

/**
 * The bookkeeping tables. `dead_letters` is a log: Redshift has no upsert but MERGE from a table, so
 * each failure is a row carrying the attempt count and first failure of the message so far; the
 * message's (origin and stream sequence) latest row is its current state.
 */
export function bookkeeping(meta: string): Statement[] {
  const m = quoteIdent(meta);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${m}`,
    `CREATE TABLE IF NOT EXISTS ${m}."loads" (` +
      '"batch_id" VARCHAR(256) NOT NULL, "first_sequence" BIGINT NOT NULL, "last_sequence" BIGINT NOT NULL, ' +
      '"sources" SUPER NOT NULL, "rows_by_table" SUPER NOT NULL, "started_at" TIMESTAMPTZ NOT NULL, ' +
      '"committed_at" TIMESTAMPTZ NOT NULL DEFAULT GETDATE())',
    `CREATE TABLE IF NOT EXISTS ${m}."migrations" (` +
      '"schema_name" VARCHAR(128) NOT NULL, "table_name" VARCHAR(128) NOT NULL, ' +
      '"statement" VARCHAR(65535) NOT NULL, "batch_id" VARCHAR(256) NOT NULL, "loader" VARCHAR(256) NOT NULL, ' +
      '"applied_at" TIMESTAMPTZ NOT NULL DEFAULT GETDATE())',
    `CREATE TABLE IF NOT EXISTS ${m}."dead_letters" (` +
      '"source_id" VARCHAR(128) NOT NULL, "message_id" VARCHAR(1024) NOT NULL, "stream_sequence" BIGINT NOT NULL, ' +
      '"reason" VARCHAR(65535) NOT NULL, "envelope" SUPER NOT NULL, ' +
      '"first_failed_at" TIMESTAMPTZ NOT NULL, "last_failed_at" TIMESTAMPTZ NOT NULL DEFAULT GETDATE(), ' +
      '"attempts" INTEGER NOT NULL, "origin" VARCHAR(512) NOT NULL)',
  ].map((text) => ({ text }));
}

export function deadLetter(meta: string, r: DeadLetterRecord): Statement {
  const table = `${quoteIdent(meta)}."dead_letters"`;
  return {
    text:
      `INSERT INTO ${table} ("origin", "stream_sequence", "source_id", "message_id", "reason", "envelope", "first_failed_at", "attempts")` +
      ' SELECT $1::VARCHAR, $2::BIGINT, $3::VARCHAR, $4::VARCHAR, $5::VARCHAR, JSON_PARSE($6::VARCHAR),' +
      ' COALESCE(MIN("first_failed_at"), GETDATE()::TIMESTAMPTZ), COUNT(*) + 1' +
      ` FROM ${table} WHERE "origin" = $1::VARCHAR AND "stream_sequence" = $2::BIGINT`,
    // NUL cannot be stored in a VARCHAR; an error message may quote one from the event.
    values: [
      r.origin,
      r.streamSequence,
      r.sourceId,
      r.messageId,
      fitVarchar(r.reason.replace(/\0/g, '')),
      r.envelopeJson,
    ],
  };
}

/** The Redshift dialect's SQL; `rules` and `stage` are added by the driver (`index.ts`). */
export const redshiftSql: Omit<SqlDialect, 'rules' | 'copy'> = {
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
  runsOutsideTransaction,
  recordMigration,
  createStaging,
  merge,
  findLoad,
  recordLoad,
  deadLetter,
};
