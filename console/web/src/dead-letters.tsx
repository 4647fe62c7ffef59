import { useState } from 'preact/hooks';
import {
  formatTime,
  postJson,
  type DeadLetterDetail,
  type DeadLetterEntry,
  type RedriveOutcome,
  type RedriveResult,
} from './api.js';
import { useJson } from './hooks.js';

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** What a redrive did to one dead letter, in the words the CLI uses. */
function describeOutcome(outcome: RedriveOutcome): string {
  switch (outcome.outcome) {
    case 'redriven':
      return `redriven → ${outcome.stream} #${outcome.sequence}${outcome.duplicate ? ' (a repeat: the stream kept the first)' : ''}; the loader loads it next`;
    case 'already-redriven':
      return `already redriven → ${outcome.stream} #${outcome.sequence}`;
    case 'skipped':
      return `not redriven: ${outcome.reason}`;
    case 'not-found':
      return 'not found (refresh the list)';
  }
}

const statusOf = (letter: DeadLetterEntry) =>
  letter.redriven
    ? `redriven ${formatTime(letter.redriven.at)} → ${letter.redriven.stream} #${letter.redriven.sequence}`
    : 'pending';

function Envelope({ source, id }: { source: string; id: string }) {
  const { data, error } = useJson<{ deadLetter: DeadLetterDetail }>('/api/dead-letter', { source, id });
  if (error) return <p class="error">{error}</p>;
  if (!data) return <p class="hint">Loading…</p>;
  return (
    <>
      {data.deadLetter.storedAt && <p class="hint">From {data.deadLetter.storedAt}</p>}
      <pre>{pretty(data.deadLetter.envelopeJson)}</pre>
    </>
  );
}

function DeadLetterRow(props: {
  source: string;
  letter: DeadLetterEntry;
  outcome?: string;
  busy: boolean;
  redrive: (ids: string[]) => void;
}) {
  const { source, letter, outcome, busy, redrive } = props;
  const [open, setOpen] = useState(false);
  return (
    <>
      <tr>
        <td>{formatTime(letter.lastFailedAt)}</td>
        <td>
          <code>{letter.messageId}</code>
        </td>
        <td class="reason">{letter.reason}</td>
        <td>{letter.attempts}</td>
        <td class="status">
          {statusOf(letter)}
          {outcome && (
            <span class="outcome" role="status">
              {outcome}
            </span>
          )}
        </td>
        <td class="actions">
          <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? 'Hide' : 'Show'} envelope
          </button>
          <button
            type="button"
            aria-label={`Redrive ${letter.messageId}`}
            disabled={busy || letter.redriven !== undefined}
            onClick={() => redrive([letter.id])}
          >
            Redrive
          </button>
        </td>
      </tr>
      {open && (
        <tr>
          <td colSpan={6}>
            <Envelope source={source} id={letter.id} />
          </td>
        </tr>
      )}
    </>
  );
}

export function DeadLettersPage({ source }: { source: string }) {
  const { data, error, loading, reload } = useJson<{ deadLetters: DeadLetterEntry[] }>('/api/dead-letters', {
    source,
  });
  const [outcomes, setOutcomes] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [redriveError, setRedriveError] = useState<string | undefined>(undefined);
  const pending = data?.deadLetters.filter((letter) => !letter.redriven) ?? [];

  // The same redrive as `eventpipe dead-letter redrive --id`: the console calls the loader's code.
  const redrive = (ids: string[]) => {
    setBusy(true);
    setRedriveError(undefined);
    postJson<RedriveResult>('/api/dead-letters/redrive', { source, ids })
      .then((result) => {
        setOutcomes((before) => ({
          ...before,
          ...Object.fromEntries(result.outcomes.map((o) => [o.id, describeOutcome(o)])),
        }));
        reload();
      })
      .catch((e: Error) => setRedriveError(`Redrive failed: ${e.message}`))
      .finally(() => setBusy(false));
  };

  return (
    <section aria-labelledby="dead-title">
      <div class="title-row">
        <h2 id="dead-title">Dead letters</h2>
        <button type="button" onClick={reload} disabled={loading}>
          Refresh
        </button>
        {pending.length > 0 && (
          <button
            type="button"
            aria-label={`Redrive all ${pending.length} pending`}
            disabled={busy}
            onClick={() => redrive(pending.map((letter) => letter.id))}
          >
            Redrive all pending ({pending.length})
          </button>
        )}
      </div>
      <p class="hint">
        Events the loader could not load, with the reason, newest first. Fix the cause, then redrive: the
        event goes back through the loader and lands once.
      </p>
      {(error ?? redriveError) && (
        <p class="error" role="alert">
          {error ?? redriveError}
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
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.deadLetters.map((letter) => (
                <DeadLetterRow
                  key={letter.id}
                  source={source}
                  letter={letter}
                  outcome={outcomes[letter.id]}
                  busy={busy}
                  redrive={redrive}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
