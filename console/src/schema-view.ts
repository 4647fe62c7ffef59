/**
 * The schema page's model, from two reads of the warehouse: its catalogue (information_schema
 * columns) and the loader's migration records, which say when each table and column first appeared
 * and which columns were widened to another type. Pure, so the rules are tested without a database.
 */

export interface CatalogueColumn {
  table_name: string;
  column_name: string;
  data_type: string;
}

export interface MigrationRow {
  table_name: string;
  statement: string;
  applied_at: Date | string;
}

export interface TableStats {
  rows: number;
  lastSeen?: string;
  /** Rows with a value in `_rejected`, and the key paths held there with their counts. */
  rejectedRows: number;
  rejectedKeys: { key: string; rows: number }[];
}

export interface ColumnView {
  name: string;
  type: string;
  firstSeen?: string;
  /** The loader widened it (`ALTER COLUMN … TYPE`): a property arrived with another type. */
  typeChanged: boolean;
  /** Rows whose value for this column's key did not fit it and went to `_rejected` instead. */
  rejectedRows?: number;
}

export interface TableView {
  name: string;
  firstSeen?: string;
  columns: ColumnView[];
  stats?: TableStats;
}

/** A quoted identifier as the loader writes it (`"a""b"`), read back. */
const IDENT = '"((?:[^"]|"")+)"';
const unquote = (quoted: string) => quoted.replace(/""/g, '"');
const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const iso = (value: Date | string) => (value instanceof Date ? value.toISOString() : value);

export function describeSchema(
  columns: readonly CatalogueColumn[],
  migrations: readonly MigrationRow[],
): TableView[] {
  const tables = new Map<string, TableView>();
  for (const c of columns) {
    const table = tables.get(c.table_name) ?? { name: c.table_name, columns: [] };
    table.columns.push({ name: c.column_name, type: c.data_type, typeChanged: false });
    tables.set(c.table_name, table);
  }
  for (const m of migrations) {
    const table = tables.get(m.table_name);
    if (!table) continue;
    const at = iso(m.applied_at);
    const column = (name: string) => table.columns.find((c) => c.name === name);
    if (/^CREATE TABLE/i.test(m.statement)) {
      table.firstSeen ??= at;
      // Only the columns it created: the others came with later ADD COLUMNs.
      for (const c of table.columns) if (m.statement.includes(quote(c.name))) c.firstSeen ??= at;
      continue;
    }
    const added = new RegExp(`ADD COLUMN ${IDENT}`, 'i').exec(m.statement);
    if (added) {
      const c = column(unquote(added[1]!));
      if (c) c.firstSeen = c.firstSeen && c.firstSeen < at ? c.firstSeen : at;
    }
    const widened = new RegExp(`ALTER COLUMN ${IDENT} TYPE`, 'i').exec(m.statement);
    if (widened) {
      const c = column(unquote(widened[1]!));
      if (c) c.typeChanged = true;
    }
  }
  return [...tables.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Marks the columns whose key has values in `_rejected` (the loader keeps a value that does not fit
 * its column there, under the column's key path).
 */
export function markRejected(table: TableView, rejectedKeys: readonly { key: string; rows: number }[]): void {
  for (const { key, rows } of rejectedKeys) {
    const column = table.columns.find((c) => c.name === key);
    if (column) column.rejectedRows = rows;
  }
}
