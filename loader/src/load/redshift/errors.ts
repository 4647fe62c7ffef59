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

/**
 * `SYS_LOAD_ERROR_DETAIL` exists on provisioned clusters and on Serverless and also covers
 * concurrency-scaling clusters; `STL_LOAD_ERRORS` only exists on provisioned clusters. Values are
 * deliberately not selected (`raw_field_value`, `raw_line`): they are user data and do not belong in logs.
 */
export const LOAD_ERROR_QUERIES = {
  sys: `SELECT trim(file_name) AS file, line_number AS line, trim(column_name) AS column_name, trim(column_type) AS column_type, position AS pos, error_code AS code, trim(error_message) AS reason FROM sys_load_error_detail WHERE query_id = $1 ORDER BY line_number LIMIT 10`,
  stl: `SELECT trim(filename) AS file, line_number AS line, trim(colname) AS column_name, trim(type) AS column_type, position AS pos, err_code AS code, trim(err_reason) AS reason FROM stl_load_errors WHERE query = $1 ORDER BY line_number LIMIT 10`,
} as const;

/** Redshift's COPY errors carry a DETAIL block with a `query: <id>` line naming the failed COPY. */
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

/** Reads the rejected rows of COPY `queryId`, from the SYS view, else from the STL table. */
export async function readLoadErrors(db: Queryable, queryId: number): Promise<LoadErrorDetail[]> {
  try {
    const { rows } = await db.query(LOAD_ERROR_QUERIES.sys, [queryId]);
    if (rows.length > 0) return rows.map(toDetail);
  } catch {
    // The view is missing on older provisioned clusters: the STL table below is the fallback.
  }
  const { rows } = await db.query(LOAD_ERROR_QUERIES.stl, [queryId]);
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
 * connection than the COPY's (that one is in an aborted transaction); the COPY is identified by the
 * query id in its error. A serialization conflict, and errors that are not the server's (a dropped
 * connection), are returned unchanged: they are not about the files.
 */
export async function explainCopyFailure(db: Queryable, table: string, error: unknown): Promise<unknown> {
  if (!isServerError(error) || isSerializableIsolationError(error)) return error;
  const queryId = copyQueryIdFromError(error);
  let details: LoadErrorDetail[] = [];
  if (queryId !== undefined) {
    try {
      details = await readLoadErrors(db, queryId);
    } catch {
      // The system views could not be read (permissions, connection lost): report COPY's own message.
    }
  }
  return new RedshiftLoadError(table, queryId, details, error);
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
