import { formatTime, type Rejection } from './api.js';
import { useJson } from './hooks.js';

function RejectionTable({ rejections, label }: { rejections: Rejection[]; label: string }) {
  if (rejections.length === 0) return <p class="empty">None.</p>;
  return (
    <div class="scroll">
      <table class="list" aria-label={label}>
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
          {rejections.map((r, i) => (
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
  );
}

export function RejectionsPage({ source }: { source: string }) {
  const { data, error, loading, reload } = useJson<{ rejections: Rejection[]; unknownKey: Rejection[] }>(
    '/api/rejections',
    { source },
  );
  return (
    <section aria-labelledby="rejections-title">
      <div class="title-row">
        <h2 id="rejections-title">Rejected requests</h2>
        <button type="button" onClick={reload} disabled={loading}>
          Refresh
        </button>
      </div>
      <p class="hint">
        The newest requests the collectors refused since this console started, with the reason the client got.
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {data && (
        <>
          <h3>For {source}</h3>
          <RejectionTable rejections={data.rejections} label={`Rejected requests of ${source}`} />
          <h3>With a missing or unknown write key</h3>
          <RejectionTable rejections={data.unknownKey} label="Rejected requests without a valid write key" />
        </>
      )}
    </section>
  );
}
