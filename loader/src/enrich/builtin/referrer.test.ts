/** Real referrer URLs against the published referrer list. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnrichFunction } from '../types.js';
import { indexReferrers, loadReferrerList, lookupReferrer, referrer } from './referrer.js';
import { envelopeOf } from '../test-envelope.js';

const PAGE = 'https://shop.example.com/products/red-shoes';

function parse(run: EnrichFunction, from: string, page = PAGE): Record<string, unknown> | undefined {
  return run(envelopeOf({ type: 'page', context: { page: { url: page, referrer: from } } }), { fields: {} });
}

test('referrer: the list loads from the package and indexes thousands of hosts', () => {
  const list = loadReferrerList();
  assert.ok(Object.keys(list).length > 2000);
  const index = indexReferrers(list);
  assert.deepEqual(lookupReferrer(index, new URL('https://www.google.com/')), {
    source: 'Google',
    medium: 'search',
  });
  // A path entry beats its host's: Google Images lives under google.<tld>/imgres.
  assert.equal(lookupReferrer(index, new URL('https://google.de/imgres?imgurl=x'))?.source, 'Google Images');
  // Unknown subdomains fall back to the parent domain.
  assert.equal(lookupReferrer(index, new URL('https://www.youtube.com/watch?v=1'))?.source, 'Youtube');
  assert.equal(lookupReferrer(index, new URL('https://example.org/')), undefined);
});

test('referrer: search engines give medium, source and the search term', async () => {
  const run = await referrer.create({ internalHosts: [] });
  const cases: Array<[string, string, string | undefined]> = [
    ['https://www.google.com/search?q=red+running+shoes&oq=red+running', 'Google', 'red running shoes'],
    ['https://www.bing.com/search?q=eventpipe%20analytics&form=QBLH', 'Bing', 'eventpipe analytics'],
    ['https://duckduckgo.com/?q=self+hosted+segment&t=h_&ia=web', 'DuckDuckGo', 'self hosted segment'],
    ['https://search.yahoo.com/search?p=jetstream+exactly+once&fr=yfp-t', 'Yahoo!', 'jetstream exactly once'],
    [
      'https://yandex.ru/search/?text=%D0%BA%D1%80%D0%BE%D1%81%D1%81%D0%BE%D0%B2%D0%BA%D0%B8&lr=213',
      'Yandex',
      'кроссовки',
    ],
    ['https://www.baidu.com/s?wd=%E8%BF%90%E5%8A%A8%E9%9E%8B&rsv_spt=1', 'Baidu', '运动鞋'],
    // What Google sends today (strict-origin-when-cross-origin): no query, so no term.
    ['https://www.google.co.uk/', 'Google', undefined],
  ];
  for (const [url, source, term] of cases) {
    const fields = parse(run, url);
    assert.equal(fields?.context_page_referrer_medium, 'search', url);
    assert.equal(fields?.context_page_referrer_source, source, url);
    assert.equal(fields?.context_page_referrer_term, term, url);
    assert.equal(fields?.context_page_referrer_host, new URL(url).hostname, url);
  }
});

test('referrer: social networks and webmail', async () => {
  const run = await referrer.create({ internalHosts: [] });
  const cases: Array<[string, string, string]> = [
    ['https://l.facebook.com/l.php?u=https%3A%2F%2Fshop.example.com%2F', 'social', 'Facebook'],
    ['https://t.co/4xZ8zYk2Qp', 'social', 'Twitter'],
    ['https://www.linkedin.com/feed/', 'social', 'LinkedIn'],
    ['https://www.reddit.com/r/analytics/comments/1abcde/self_hosted_pipelines/', 'social', 'Reddit'],
    ['https://news.ycombinator.com/item?id=41234567', 'social', 'Hacker News'],
    ['android-app://com.google.android.gm/', 'email', 'Gmail'],
    ['https://mail.google.com/', 'email', 'Gmail'],
    ['https://outlook.live.com/', 'email', 'Outlook.com'],
  ];
  for (const [url, medium, source] of cases) {
    const fields = parse(run, url);
    assert.equal(fields?.context_page_referrer_medium, medium, url);
    assert.equal(fields?.context_page_referrer_source, source, url);
    assert.equal(fields?.context_page_referrer_term, undefined, url);
  }
});

test('referrer: same host as the page (with or without www) or a configured host is internal', async () => {
  const run = await referrer.create({ internalHosts: ['checkout.example.net'] });
  assert.deepEqual(parse(run, 'https://shop.example.com/'), {
    context_page_referrer_host: 'shop.example.com',
    context_page_referrer_medium: 'internal',
  });
  assert.equal(parse(run, 'https://www.shop.example.com/a')?.context_page_referrer_medium, 'internal');
  assert.equal(parse(run, 'https://checkout.example.net/done')?.context_page_referrer_medium, 'internal');
  // Internal wins even for a site that is itself on the list (a search engine's own pages).
  assert.equal(
    parse(run, 'https://www.google.com/search?q=x', 'https://www.google.com/about')
      ?.context_page_referrer_medium,
    'internal',
  );
});

test('referrer: unknown sites are "unknown" with their host; no or bad referrer gives no fields', async () => {
  const run = await referrer.create({ internalHosts: [] });
  assert.deepEqual(parse(run, 'https://blog.example.org/2026/03/pipelines'), {
    context_page_referrer_host: 'blog.example.org',
    context_page_referrer_medium: 'unknown',
  });
  assert.equal(parse(run, ''), undefined);
  assert.equal(parse(run, 'not a url'), undefined);
  assert.equal(run(envelopeOf({ type: 'track' }), { fields: {} }), undefined);
  // Page calls may carry the referrer in properties, as analytics.js sends it.
  const fromProperties = run(
    envelopeOf({ type: 'page', properties: { url: PAGE, referrer: 'https://www.bing.com/search?q=shoes' } }),
    { fields: {} },
  );
  assert.equal(fromProperties?.context_page_referrer_source, 'Bing');
});

test('referrer: listPath replaces the bundled list; an unreadable or malformed list fails at start-up', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'referrers-'));
  try {
    const own = join(dir, 'own.json');
    await writeFile(
      own,
      JSON.stringify({ 'partner.example.net': { source: 'Partner', medium: 'affiliate' } }),
    );
    const run = await referrer.create({ internalHosts: [], listPath: own });
    assert.equal(parse(run, 'https://partner.example.net/deals')?.context_page_referrer_medium, 'affiliate');
    assert.equal(parse(run, 'https://www.google.com/')?.context_page_referrer_medium, 'unknown');

    const malformed = join(dir, 'bad.json');
    await writeFile(malformed, JSON.stringify({ 'a.example': { source: 'A' } }));
    await assert.rejects(
      async () => referrer.create({ internalHosts: [], listPath: malformed }),
      /referrer: .*bad\.json: entry "a\.example" must be \{ "source": "…", "medium": "…" \}/,
    );
    await assert.rejects(
      async () => referrer.create({ internalHosts: [], listPath: join(dir, 'missing.json') }),
      /referrer: cannot read the referrer list .*missing\.json/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
