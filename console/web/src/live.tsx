import { useEffect, useState } from 'preact/hooks';
import { getJson, type Envelope, type RowLookup, type WarehouseRow } from './api.js';

/** Events kept on the page, newest first: a busy source must not grow the tab without end. */
const MAX_EVENTS = 200;
const TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'];
const FILTER_DELAY_MS = 300;

interface LiveEvent {
  envelope: Envelope;
  /** Arrival order, a stable key for the list. */
  n: number;
}

const nameOf = (e: Envelope) => {
  const value = e.type === 'track' ? e.event.event : e.event.name;
  return typeof value === 'string' ? value : '';
};
const userOf = (e: Envelope) => String(e.event.userId ?? e.event.anonymousId ?? '');

function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

function WarehouseRow({ source, envelope }: { source: string; envelope: Envelope }) {
  const [state, setState] = useState<{ row?: WarehouseRow; note?: string }>({ note: 'Looking it up…' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    const params = { source, messageId: envelope.messageId, type: envelope.type };
    const event = envelope.event.event;
    getJson<RowLookup>('/api/row', typeof event === 'string' ? { ...params, event } : params)
      .then(
        (found) => current && setState(found.loaded ? { row: found } : { note: 'Not in the warehouse yet.' }),
      )
      .catch((e: Error) => current && setState({ note: e.message }));
    return () => {
      current = false;
    };
  }, [source, envelope, round]);
  if (!state.row) {
    return (
      <p>
        {state.note}{' '}
        <button type="button" onClick={() => setRound((n) => n + 1)}>
          Look again
        </button>
      </p>
    );
  }
  return (
    <>
      <p>
        Row in <code>{state.row.table}</code>
      </p>
      <div class="scroll">
        <table class="fields" data-testid="warehouse-row">
          <tbody>
            {Object.entries(state.row.row).map(([column, value]) => (
              <tr key={column}>
                <th scope="row">{column}</th>
                <td>
                  {value === null ? (
                    <em>null</em>
                  ) : typeof value === 'object' ? (
                    JSON.stringify(value)
                  ) : (
                    String(value)
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function EventItem({ source, envelope }: { source: string; envelope: Envelope }) {
  const [open, setOpen] = useState(false);
  const { event, ...fields } = envelope;
  return (
    <li class="event">
      <button
        type="button"
        class="event-summary"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
        aria-label={`${envelope.type} ${nameOf(envelope)} from ${userOf(envelope) || 'no user'}`}
      >
        <span class={`badge type-${envelope.type}`}>{envelope.type}</span>
        <span class="name">{nameOf(envelope)}</span>
        <span class="user">{userOf(envelope)}</span>
        <time dateTime={envelope.receivedAt}>{new Date(envelope.receivedAt).toLocaleTimeString()}</time>
      </button>
      {open && (
        <div class="event-detail">
          <h3>Envelope</h3>
          <div class="scroll">
            <table class="fields">
              <tbody>
                {Object.entries(fields).map(([key, value]) => (
                  <tr key={key}>
                    <th scope="row">{key}</th>
                    <td>{typeof value === 'object' ? JSON.stringify(value) : String(value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h3>Event as sent</h3>
          <pre>{JSON.stringify(event, null, 2)}</pre>
          <h3>Warehouse</h3>
          <WarehouseRow source={source} envelope={envelope} />
        </div>
      )}
    </li>
  );
}

export function LivePage({ source }: { source: string }) {
  const [type, setType] = useState('');
  const [eventName, setEventName] = useState('');
  const [userId, setUserId] = useState('');
  const filter = useDebounced({ type, event: eventName.trim(), userId: userId.trim() }, FILTER_DELAY_MS);
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const [status, setStatus] = useState('Connecting…');
  const [skipped, setSkipped] = useState(0);

  useEffect(() => {
    const params = new URLSearchParams({ source });
    for (const [key, value] of Object.entries(filter)) if (value) params.set(key, value);
    setEvents([]);
    setSkipped(0);
    setStatus('Connecting…');
    let n = 0;
    const stream = new EventSource(`/api/live?${params}`);
    stream.onopen = () => setStatus('Live');
    stream.onerror = () => setStatus('Reconnecting…');
    stream.addEventListener('envelope', (message) => {
      const envelope = JSON.parse((message as MessageEvent<string>).data) as Envelope;
      setEvents((list) => [{ envelope, n: n++ }, ...list].slice(0, MAX_EVENTS));
    });
    stream.addEventListener('skipped', (message) =>
      setSkipped((count) => count + Number((message as MessageEvent<string>).data)),
    );
    return () => stream.close();
  }, [source, filter.type, filter.event, filter.userId]);

  return (
    <section aria-labelledby="live-title">
      <h2 id="live-title">Live events</h2>
      <form class="filters" onSubmit={(e) => e.preventDefault()} role="search">
        <label>
          Type
          <select value={type} onChange={(e) => setType(e.currentTarget.value)}>
            <option value="">All types</option>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Event name
          <input type="search" value={eventName} onInput={(e) => setEventName(e.currentTarget.value)} />
        </label>
        <label>
          User id
          <input type="search" value={userId} onInput={(e) => setUserId(e.currentTarget.value)} />
        </label>
      </form>
      <p class="status" role="status">
        {status} · {events.length} shown
        {skipped > 0 && ` · ${skipped} skipped (the page read slower than they came)`}
      </p>
      {events.length === 0 ? (
        <p class="empty">No events yet. Events appear here as the collector accepts them.</p>
      ) : (
        <ol class="events" aria-label="Events, newest first">
          {events.map(({ envelope, n }) => (
            <EventItem key={n} source={source} envelope={envelope} />
          ))}
        </ol>
      )}
    </section>
  );
}
