import { formatTime, type Rejection } from './api.js';
import { useJson } from './hooks.js';

export function RejectionsPage({ source }: { source: string }) {
  const { data, error, loading, reload } = useJson<{ rejections: Rejection[] }>('/api/rejections', {
    source,
  });
  return (
    <section aria-labelledby="rejections-title">
      <div class="title-row">
        <h2 id="rejections-title">Rejected requests</h2>
        <button type="button" onClick={reload} disabled={loading}>
          Refresh
        </button>
      </div>
      <p class="hint">
        The newest requests the collectors refused for this source, with the reason the client got. Requests
        with an unknown write key are listed under the source <code>unknown</code>.
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {data && data.rejections.length === 0 && <p class="empty">No rejected requests.</p>}
      {data && data.rejections.length > 0 && (
        <div class="scroll">
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Status</th>
                <th scope="col">Route</th>
                <th scope="col">Reason</th>
                <th scope="col">IP</th>
                <th scope="col">User agent</th>
              </tr>
            </thead>
            <tbody>
              {data.rejections.map((r, i) => (
                <tr key={i}>
                  <td>{formatTime(r.at)}</td>
                  <td>{r.status}</td>
                  <td>
                    {r.method} {r.route}
                  </td>
                  <td class="reason">
                    {r.reason}
                    {r.field !== undefined && (
                      <>
                        {' '}
                        (field <code>{r.field}</code>)
                      </>
                    )}
                    {r.index !== undefined && <> (batch index {r.index})</>}
                  </td>
                  <td>{r.ip}</td>
                  <td>{r.userAgent}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
