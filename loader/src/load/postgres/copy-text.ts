/**
 * Rows → PostgreSQL `COPY … FROM STDIN` text format (pure). In that format a row is one line of
 * tab-separated fields, `\N` is NULL, and a backslash, tab, newline or carriage return inside a value
 * must be backslash-escaped — anything else is taken literally, so no value can break out of its field.
 * NUL characters cannot be stored in PostgreSQL text at all; the transform step strips them.
 */
import { isLosslessNumber } from '../../transform/numbers.js';
import type { Column, ColumnType, Row } from '../../transform/types.js';
import { jsonText, ownValue } from '../../transform/values.js';

/** ~64 KiB per write: one row per write runs COPY at less than half the speed (measured, issue 4). */
export const COPY_CHUNK_CHARS = 64 * 1024;

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

const NEEDS_ESCAPE = /[\\\t\n\r]/;

export function escapeCopyText(text: string): string {
  // Almost no value needs escaping: testing first spares a replace (and its new string) per field.
  return NEEDS_ESCAPE.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : text;
}

function scalarText(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (isLosslessNumber(value)) return value.value; // the exact digits, as planning wrote them
  if (typeof value === 'object') return jsonText(value);
  return String(value);
}

/** One field: the value as the column's type reads it, escaped; `\N` for null and missing values. */
export function copyField(value: unknown, type: ColumnType): string {
  if (value === null || value === undefined) return '\\N';
  switch (type) {
    case 'boolean':
      return value === true ? 't' : value === false ? 'f' : escapeCopyText(scalarText(value));
    case 'json':
      // Every JSON value, a string too, is serialised, so jsonb receives valid JSON text.
      return escapeCopyText(jsonText(value));
    default:
      return escapeCopyText(scalarText(value));
  }
}

export function copyLine(row: Row, columns: readonly Column[]): string {
  // Concatenation, not map + join: no array per row (this runs for every row of every batch).
  let line = '';
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!;
    line += (i === 0 ? '' : '\t') + copyField(ownValue(row, column.name), column.type);
  }
  return line + '\n';
}

/** The COPY data of `rows` in chunks of about `chunkChars` characters (whole lines per chunk). */
export function* copyChunks(
  rows: Iterable<Row>,
  columns: readonly Column[],
  chunkChars = COPY_CHUNK_CHARS,
): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    chunk += copyLine(row, columns);
    if (chunk.length >= chunkChars) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}
