/**
 * The benchmark's "realistic 1 KB event": a track call as analytics.js sends it, with browser context
 * and a handful of typed properties. Ids, the client IP and the browser version vary between events,
 * so caches in the enrichments (user-agent parsing, geo-IP) see a realistic hit rate, not one entry.
 */
import { eventSubject, natsMessageId, type Envelope } from '@eventpipe/core';

/** The source every scenario sends to; its write key is `BENCH_WRITE_KEY`. */
export const BENCH_SOURCE = 'bench';
export const BENCH_WRITE_KEY = 'bench-write-key';

const EVENT_NAMES = ['Order Completed', 'Product Viewed', 'Signed Up'];
const USER_AGENTS = [
  (v: number) =>
    `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`,
  (v: number) =>
    `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36 Edg/${v}.0.2903.86`,
  (v: number) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`,
  (v: number) =>
    `Mozilla/5.0 (iPhone; CPU iPhone OS 18_${v % 7} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.${v % 7} Mobile/15E148 Safari/604.1`,
];

let counter = 0;

export function benchEvent(runId: string): Record<string, unknown> {
  counter += 1;
  const n = counter;
  return {
    type: 'track',
    messageId: `${runId}-${n}`,
    userId: `user-${n % 5000}`,
    anonymousId: `anon-${n % 20000}`,
    event: EVENT_NAMES[n % EVENT_NAMES.length],
    timestamp: '2026-11-24T10:00:00.000Z',
    properties: {
      orderId: `order-${n}`,
      revenue: 129.99,
      currency: 'EUR',
      quantity: 3,
      coupon: 'WINTER26',
      products: [
        { sku: 'SKU-1001', name: 'Wool scarf', price: 39.99, quantity: 1 },
        { sku: 'SKU-2002', name: 'Leather gloves', price: 45, quantity: 2 },
      ],
      shipping: { method: 'express', country: 'DE' },
      firstPurchase: false,
    },
    context: {
      // ~50,000 distinct public-looking addresses: a geo-IP cache cannot hold them all.
      ip: `${(n % 200) + 20}.${(n * 7) % 256}.${Math.floor(n / 200) % 250}.${(n * 13) % 254}`,
      locale: 'de-DE',
      library: { name: 'analytics.js', version: '5.2.0' },
      page: {
        path: '/checkout/complete',
        referrer: 'https://www.google.com/',
        title: 'Thank you for your order',
        url: 'https://shop.example.com/checkout/complete?utm_source=newsletter&utm_medium=email&utm_campaign=winter',
      },
      userAgent: USER_AGENTS[n % USER_AGENTS.length]!(100 + (n % 40)),
    },
    sentAt: '2026-11-24T10:00:00.100Z',
  };
}

/** A `benchEvent` wrapped as the collector would store it. */
export function benchEnvelope(runId: string): Envelope {
  const event = benchEvent(runId) as Envelope['event'] & { messageId: string };
  return {
    v: 1,
    sourceId: BENCH_SOURCE,
    type: 'track',
    messageId: event.messageId,
    receivedAt: new Date().toISOString(),
    sentAt: event.sentAt,
    ip: '127.0.0.1',
    userAgent: 'analytics-node/3',
    event,
  };
}

/** What JetStream receives for an envelope: subject, dedup id, JSON payload. */
export function outgoing(envelope: Envelope, subjectPrefix = 'events') {
  return {
    subject: eventSubject(subjectPrefix, envelope.sourceId, envelope.type),
    msgID: natsMessageId(envelope.sourceId, envelope.messageId),
    payload: JSON.stringify(envelope),
  };
}
