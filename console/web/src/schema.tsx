import { formatTime, type TableView } from './api.js';
import { useJson } from './hooks.js';

function Table({ table }: { table: TableView }) {
  const stats = table.stats;
  const flagged = table.columns.some((c) => c.typeChanged) || (stats?.rejectedRows ?? 0) > 0;
  return (
    <article class={`table-card${flagged ? ' flagged' : ''}`} aria-labelledby={`table-${table.name}`}>
      <h3 id={`table-${table.name}`}>{table.name}</h3>
      <p class="meta">
        {stats ? `${stats.rows.toLocaleString()} rows` : ''} · first seen {formatTime(table.firstSeen)} · last
        event {formatTime(stats?.lastSeen)}
      </p>
      {stats && stats.rejectedRows > 0 && (
        <p class="warning">
          {stats.rejectedRows} rows hold values in <code>_rejected</code>
          {stats.rejectedKeys.length > 0 && ': '}
          {stats.rejectedKeys.map((k, i) => (
            <span key={k.key}>
              {i > 0 && ', '}
              <code>{k.key}</code> ({k.rows})
            </span>
          ))}
        </p>
      )}
      <div class="scroll">
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Type</th>
              <th scope="col">First seen</th>
            </tr>
          </thead>
          <tbody>
            {table.columns.map((c) => {
              const holdsRejected = c.name === '_rejected' && (stats?.rejectedRows ?? 0) > 0;
              const flaggedColumn = c.typeChanged || holdsRejected || c.rejectedRows !== undefined;
              return (
                <tr key={c.name} class={flaggedColumn ? 'changed' : undefined}>
                  <td>
                    <code>{c.name}</code>
                    {c.typeChanged && <span class="badge warn">type changed</span>}
                    {c.rejectedRows !== undefined && (
                      <span class="badge warn">{c.rejectedRows} values rejected</span>
                    )}
                    {holdsRejected && <span class="badge warn">has values</span>}
                  </td>
                  <td>{c.type}</td>
                  <td>{formatTime(c.firstSeen)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </article>
  );
}

export function SchemaPage({ source }: { source: string }) {
  const { data, error, loading, reload } = useJson<{ tables: TableView[] }>('/api/schema', { source });
  return (
    <section aria-labelledby="schema-title">
      <div class="title-row">
        <h2 id="schema-title">Schema</h2>
        <button type="button" onClick={reload} disabled={loading}>
          Refresh
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {data && data.tables.length === 0 && (
        <p class="empty">No tables yet: nothing was loaded for this source.</p>
      )}
      {data?.tables.map((table) => (
        <Table key={table.name} table={table} />
      ))}
    </section>
  );
}
