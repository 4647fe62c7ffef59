import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { getJson } from './api.js';
import { LivePage } from './live.js';
import { RejectionsPage } from './rejections.js';
import { SchemaPage } from './schema.js';
import { DeadLettersPage } from './dead-letters.js';
import { ChartsPage } from './charts.js';

const PAGES = [
  { id: 'live', title: 'Live events' },
  { id: 'rejections', title: 'Rejections' },
  { id: 'schema', title: 'Schema' },
  { id: 'dead-letters', title: 'Dead letters' },
  { id: 'charts', title: 'Charts' },
] as const;
type PageId = (typeof PAGES)[number]['id'];

/** `#schema?source=web`: the page and the source, so a link or a reload shows the same view. */
function readLocation(): { page: PageId; source?: string } {
  const [path = '', query = ''] = window.location.hash.slice(1).split('?');
  const page = PAGES.find((p) => p.id === path)?.id ?? 'live';
  const source = new URLSearchParams(query).get('source') ?? undefined;
  return { page, source };
}

function App() {
  const [location, setLocation] = useState(readLocation);
  const [sources, setSources] = useState<string[]>([]);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    const onHash = () => setLocation(readLocation());
    window.addEventListener('hashchange', onHash);
    getJson<{ sources: string[] }>('/api/sources')
      .then((body) => setSources(body.sources))
      .catch((e: Error) => setError(e.message));
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const source = location.source && sources.includes(location.source) ? location.source : sources[0];
  const go = (page: PageId, to = source) => `#${page}${to ? `?source=${encodeURIComponent(to)}` : ''}`;

  return (
    <>
      <header class="top">
        <h1>eventpipe console</h1>
        <nav aria-label="Pages">
          {PAGES.map((p) => (
            <a key={p.id} href={go(p.id)} aria-current={p.id === location.page ? 'page' : undefined}>
              {p.title}
            </a>
          ))}
        </nav>
        <div class="top-right">
          <label>
            Source
            <select
              value={source}
              onChange={(e) => window.location.assign(go(location.page, e.currentTarget.value))}
            >
              {sources.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <form method="post" action="/logout">
            <button type="submit">Sign out</button>
          </form>
        </div>
      </header>
      <main>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {!source && !error && <p class="empty">No sources are configured.</p>}
        {source && location.page === 'live' && <LivePage key={source} source={source} />}
        {source && location.page === 'rejections' && <RejectionsPage source={source} />}
        {source && location.page === 'schema' && <SchemaPage source={source} />}
        {source && location.page === 'dead-letters' && <DeadLettersPage source={source} />}
        {location.page === 'charts' && <ChartsPage />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
