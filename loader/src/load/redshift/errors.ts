/**
 * Redshift's errors, made actionable: which ones a retry fixes, and for a failed COPY, which file,
 * line and column Redshift rejected and why (read back from its load-error system views).
 */
import { isPermanentLoadError } from '../postgres/errors.js';

/** The part of a `pg` client this module needs; the Redshift driver passes its connection. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

interface DatabaseErrorLike {
  message: string;
  code?: string;
  detail?: string;
}

function asDatabaseError(error: unknown): DatabaseErrorLike | undefined {
  if (typeof error !== 'object' || error === null || !('message' in error)) return undefined;
  return error as DatabaseErrorLike;
}

/**
 * Error 1023, "Serializable isolation violation on table …": another transaction touched the same
 * tables concurrently and Redshift aborted this one. PostgreSQL reports the same conflict as 40001.
 */
export function isSerializableIsolationError(error: unknown): boolean {
  const e = asDatabaseError(error);
  if (!e) return false;
  return e.code === '40001' || /serializable isolation violation/i.test(`${e.message} ${e.detail ?? ''}`);
}

/** One row Redshift rejected, as its load-error views describe it. */
export interface LoadErrorDetail {
  file: string;
  line: number;
  column: string;
  columnType: string;
  position: number | null;
  code: number;
  reason: string;
}

/** Which COPY failed: its own load file, the session that ran it, and when it started. */
export interface CopyAttempt {
  /** The `s3://` URL of the load file the COPY's manifest lists (unique to a batch and table). */
  file: string;
  /** The backend process id of the COPY's connection (`session_id` / `session` in the views), when known. */
  session?: number;
  /** The loader's clock just before the COPY was sent. */
  startedAt: Date;
}

/**
 * How far the warehouse's clock may be behind the loader's: errors recorded up to this long before the
 * COPY was sent still count as the COPY's. An earlier attempt of the same batch within the margin has
 * the same files and the same rows, so it can only report the same rejected rows.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** `file_name` / `filename` are `character(256)`: a longer URL is stored cut. */
const FILE_NAME_CHARS = 256;

const SELECTED = {
  sys: `trim(file_name) AS file, line_number AS line, trim(column_name) AS column_name, trim(column_type) AS column_type, position AS pos, error_code AS code, trim(error_message) AS reason`,
  stl: `trim(filename) AS file, line_number AS line, trim(colname) AS column_name, trim(type) AS column_type, position AS pos, err_code AS code, trim(err_reason) AS reason`,
} as const;

/**
 * The rejected rows of one COPY, found by its own load file (plus session and start time), never by
 * the `query: N` of its error: that is an STL query id, and AWS documents that `query_id` in the SYS
 * views is a different identifier, so matching one against the other reads another COPY's errors (and
 * on Serverless, which has no STL tables, finds none). `SYS_LOAD_ERROR_DETAIL` exists on provisioned
 * clusters and Serverless and covers concurrency scaling; `STL_LOAD_ERRORS` only on provisioned
 * clusters. Parameters: `$1` the file URL (cut to 256 characters), `$2` the earliest start time,
 * `$3` the session when known. Values are deliberately not selected (`raw_field_value`, `raw_line`):
 * they are user data and do not belong in logs.
 */
export function loadErrorQuery(view: 'sys' | 'stl', withSession: boolean): string {
  const [table, file, session, start] =
    view === 'sys'
      ? ['sys_load_error_detail', 'file_name', 'session_id', 'start_time']
      : ['stl_load_errors', 'filename', 'session', 'starttime'];
  const bySession = withSession ? ` AND ${session} = $3` : '';
  return (
    `SELECT ${SELECTED[view]} FROM ${table} WHERE trim(${file}) = $1 AND ${start} >= $2${bySession}` +
    ` ORDER BY ${start} DESC, line_number LIMIT 10`
  );
}

/** The bind values of `loadErrorQuery` for `attempt`. */
export function loadErrorValues(attempt: CopyAttempt): unknown[] {
  const file = attempt.file.slice(0, FILE_NAME_CHARS);
  const earliest = new Date(attempt.startedAt.getTime() - CLOCK_SKEW_MS).toISOString();
  return attempt.session === undefined ? [file, earliest] : [file, earliest, attempt.session];
}

/**
 * Redshift's COPY errors carry a DETAIL block with a `query: <id>` line: an STL query id, reported in
 * the message for whoever looks it up by hand, never used to find the errors.
 */
export function copyQueryIdFromError(error: unknown): number | undefined {
  const e = asDatabaseError(error);
  if (!e) return undefined;
  const match = /\bquery:\s*(\d+)/.exec(`${e.detail ?? ''}\n${e.message}`);
  return match ? Number(match[1]) : undefined;
}

function toDetail(row: Record<string, unknown>): LoadErrorDetail {
  const text = (v: unknown) => (v === null || v === undefined ? '' : String(v).trim());
  return {
    file: text(row.file),
    line: Number(row.line),
    column: text(row.column_name),
    columnType: text(row.column_type),
    position: row.pos === null || row.pos === undefined ? null : Number(row.pos),
    code: Number(row.code),
    reason: text(row.reason),
  };
}

/**
 * Reads the rejected rows of a COPY attempt: from the SYS view, else (older provisioned clusters, or
 * nothing there yet) from the STL table. On Serverless the STL table does not exist and its query fails.
 */
export async function readLoadErrors(db: Queryable, attempt: CopyAttempt): Promise<LoadErrorDetail[]> {
  const withSession = attempt.session !== undefined;
  const values = loadErrorValues(attempt);
  try {
    const { rows } = await db.query(loadErrorQuery('sys', withSession), values);
    if (rows.length > 0) return rows.map(toDetail);
  } catch {
    // The view is missing on older provisioned clusters: the STL table below is the fallback.
  }
  const { rows } = await db.query(loadErrorQuery('stl', withSession), values);
  return rows.map(toDetail);
}

export function formatLoadErrorDetail(d: LoadErrorDetail): string {
  const column = d.columnType ? `${d.column} (${d.columnType})` : d.column;
  const position = d.position === null ? '' : `, position ${d.position}`;
  return `${d.file} line ${d.line}, column ${column}${position}: ${d.reason} (code ${d.code})`;
}

/**
 * A COPY Redshift refused. When Redshift named rejected rows the failure is `permanent`: the same
 * files fail the same way, so the batch belongs on the dead-letter path with this message as reason.
 * Without rejected rows (S3 access denied, a missing file) it is the setup, not the data: the batch
 * is redelivered and loads once the setup is fixed.
 */
export class RedshiftLoadError extends Error {
  override name = 'RedshiftLoadError';

  constructor(
    readonly table: string,
    readonly queryId: number | undefined,
    readonly details: LoadErrorDetail[],
    cause: unknown,
  ) {
    super(RedshiftLoadError.describe(table, queryId, details, cause), { cause });
  }

  get permanent(): boolean {
    return this.details.length > 0;
  }

  private static describe(
    table: string,
    queryId: number | undefined,
    details: LoadErrorDetail[],
    cause: unknown,
  ): string {
    const head = `COPY into ${table} failed${queryId === undefined ? '' : ` (query ${queryId})`}`;
    const first = details[0];
    if (!first) return `${head}: ${asDatabaseError(cause)?.message ?? String(cause)}`;
    const more = details.length > 1 ? ` (and ${details.length - 1} more rejected rows)` : '';
    return `${head}: ${formatLoadErrorDetail(first)}${more}`;
  }
}

/** An error the server sent (five-character SQLSTATE), as opposed to a socket or client error. */
function isServerError(error: unknown): boolean {
  const code = asDatabaseError(error)?.code;
  return code !== undefined && /^[0-9A-Z]{5}$/.test(code);
}

/**
 * Turns a failed COPY into a RedshiftLoadError naming file, line, column and reason. `db` is another
 * connection than the COPY's (that one is in an aborted transaction); the COPY's errors are found by
 * its load file, session and start time (`attempt`). A serialization conflict, and errors that are
 * not the server's (a dropped connection), are returned unchanged: they are not about the files.
 */
export async function explainCopyFailure(
  db: Queryable,
  table: string,
  error: unknown,
  attempt: CopyAttempt,
): Promise<unknown> {
  if (!isServerError(error) || isSerializableIsolationError(error)) return error;
  let details: LoadErrorDetail[] = [];
  try {
    details = await readLoadErrors(db, attempt);
  } catch {
    // The system views could not be read (permissions, connection lost, no STL on Serverless):
    // report COPY's own message; the batch is retried.
  }
  return new RedshiftLoadError(table, copyQueryIdFromError(error), details, error);
}

/**
 * The pipeline's question: will this load error fail again however often the batch is retried? Rows
 * COPY rejected: yes. Otherwise the SQLSTATE decides, as on PostgreSQL; Redshift reports most of its
 * own errors, error 1023 included, as XX000, which is retried.
 */
export function isPermanentRedshiftError(error: unknown): boolean {
  if (error instanceof RedshiftLoadError) return error.permanent;
  return !isSerializableIsolationError(error) && isPermanentLoadError(error);
}
