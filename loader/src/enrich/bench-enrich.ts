/**
 * Throughput of the enrichment stage on a realistic mix of web traffic:
 *
 *   node loader/dist/enrich/bench-enrich.js [events=200000] [enrichment …]
 *
 * Events carry one of a few hundred real User-Agent strings (browser versions vary, as in real
 * traffic), random public IPv4 addresses plus some IPv6 and private ones, page URLs with campaign
 * parameters on a fifth of them, and referrers from search, social, e-mail, internal and unknown
 * sites. Prints events/s for the configured enrichments (the `eventpipe dev` defaults if none).
 */
import type { Envelope } from '@eventpipe/core';
import { createLogger } from '@eventpipe/core';
import { createEnricher, DEFAULT_ENRICHMENTS } from './runner.js';

const USER_AGENTS = [
  (v: number) =>
    `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`,
  (v: number) =>
    `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`,
  (v: number) =>
    `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Mobile Safari/537.36`,
  (v: number) =>
    `Mozilla/5.0 (iPhone; CPU iPhone OS 18_${v % 7} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.${v % 7} Mobile/15E148 Safari/604.1`,
  (v: number) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`,
  (v: number) =>
    `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.${v % 7} Safari/605.1.15`,
  (v: number) =>
    `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36 Edg/${v}.0.2903.${v}`,
  (v: number) =>
    `Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/${v}.0.6778.81 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/489.0.0.57.107;]`,
  () => 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
];
const REFERRERS = [
  'https://www.google.com/',
  'https://www.google.de/',
  'https://www.bing.com/search?q=running+shoes&form=QBLH',
  'https://duckduckgo.com/',
  'https://l.facebook.com/l.php?u=https%3A%2F%2Fshop.example.com%2F',
  'https://t.co/4xZ8zYk2Qp',
  'https://www.reddit.com/r/running/comments/1abcde/shoes/',
  'android-app://com.google.android.gm/',
  'https://shop.example.com/category/shoes',
  'https://blog.example.org/2026/03/best-shoes',
  '',
];
const CAMPAIGNS = [
  '?utm_source=google&utm_medium=cpc&utm_campaign=spring_sale&gclid=Cj0KCQiA2KitBhCIARIsAPPMEhI',
  '?utm_source=newsletter&utm_medium=email&utm_campaign=march',
  '?fbclid=IwZXh0bgNhZW0CMTEAAR2xyz_aem_AbC',
];

/** Deterministic pseudo-random numbers, so every run measures the same mix. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function sampleEvents(count: number): Envelope[] {
  const next = random(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const octet = (): number => Math.floor(next() * 256);
  return Array.from({ length: count }, (_, i): Envelope => {
    const roll = next();
    const ip =
      roll < 0.1
        ? `2a02:cf40:${octet().toString(16)}::${octet().toString(16)}`
        : roll < 0.15
          ? `10.0.${octet()}.${octet()}`
          : `${1 + Math.floor(next() * 222)}.${octet()}.${octet()}.${octet()}`;
    const search = next() < 0.2 ? pick(CAMPAIGNS) : '';
    return {
      v: 1,
      sourceId: 'web',
      type: 'page',
      messageId: `m-${i}`,
      receivedAt: '2026-03-01T12:00:00.000Z',
      ip,
      userAgent: pick(USER_AGENTS)(120 + Math.floor(next() * 40)),
      event: {
        type: 'page',
        context: {
          page: { url: `https://shop.example.com/products/${i % 500}${search}`, referrer: pick(REFERRERS) },
        },
      },
    };
  });
}

const [countArg, ...names] = process.argv.slice(2);
const count = Number(countArg ?? 200_000);
const enrichments = names.length > 0 ? names : [...DEFAULT_ENRICHMENTS];
const events = sampleEvents(count);
const enrich = await createEnricher(enrichments, createLogger('bench', 'warn'));
const BATCH = 1_000;
// A warm-up pass fills the caches as a running loader's would be.
for (let i = 0; i < Math.min(count, 20_000); i += BATCH) enrich(events.slice(i, i + BATCH));
const started = performance.now();
for (let i = 0; i < count; i += BATCH) enrich(events.slice(i, i + BATCH));
const seconds = (performance.now() - started) / 1000;
console.log(
  `${enrichments.join(', ')}: ${count} events in ${seconds.toFixed(2)} s = ${Math.round(count / seconds)} events/s (node ${process.version})`,
);
