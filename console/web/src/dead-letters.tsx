import { useState } from 'preact/hooks';
import { formatTime, type DeadLetter } from './api.js';
import { useJson } from './hooks.js';

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function DeadLetterRow({ letter }: { letter: DeadLetter }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <tr>
        <td>{formatTime(letter.last_failed_at)}</td>
        <td>
          <code>{letter.message_id}</code>
        </td>
        <td class="reason">{letter.reason}</td>
        <td>{letter.attempts}</td>
        <td>
          <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? 'Hide' : 'Show'} envelope
          </button>
        </td>
      </tr>
      {open && (
        <tr>
          <td colSpan={5}>
            <pre>{pretty(letter.envelope)}</pre>
          </td>
        </tr>
      )}
    </>
  );
}

export function DeadLettersPage({ source }: { source: string }) {
  const { data, error, loading, reload } = useJson<{ deadLetters: DeadLetter[] }>('/api/dead-letters', {
    source,
  });
  return (
    <section aria-labelledby="dead-title">
      <div class="title-row">
        <h2 id="dead-title">Dead letters</h2>
        <button type="button" onClick={reload} disabled={loading}>
          Refresh
        </button>
      </div>
      <p class="hint">Events the loader could not load, with the reason, newest first.</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {data && data.deadLetters.length === 0 && <p class="empty">No dead letters.</p>}
      {data && data.deadLetters.length > 0 && (
        <div class="scroll">
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Last failed</th>
                <th scope="col">Message id</th>
                <th scope="col">Reason</th>
                <th scope="col">Attempts</th>
                <th scope="col">Envelope</th>
              </tr>
            </thead>
            <tbody>
              {data.deadLetters.map((letter) => (
                <DeadLetterRow
                  key={`${letter.origin}:${letter.stream_sequence}:${letter.message_id}`}
                  letter={letter}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
