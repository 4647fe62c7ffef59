/**
 * Realistic sample traffic for `eventpipe send --demo`: every Segment call type, several event names
 * and property shapes (nested objects, arrays, numbers, booleans, ISO timestamps), a handful of known
 * users plus anonymous visitors, page URLs with UTM parameters and referrers, real browser user agents.
 *
 * Pure and deterministic: the same seed and start time give the same events, so tests, benchmarks
 * and README walkthroughs are reproducible.
 */
import type { EventType, SegmentEvent } from '@eventpipe/core';

/** mulberry32: a tiny, well-distributed 32-bit PRNG; plenty for sample data and fully seedable. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67',
];

const USERS = [
  {
    id: 'user_1001',
    email: 'ada@example.com',
    name: 'Ada Lovelace',
    plan: 'pro',
    company: 'Analytical Engines',
  },
  {
    id: 'user_1002',
    email: 'grace@example.com',
    name: 'Grace Hopper',
    plan: 'enterprise',
    company: 'Navy Labs',
  },
  { id: 'user_1003', email: 'alan@example.com', name: 'Alan Turing', plan: 'free', company: 'Bletchley' },
  {
    id: 'user_1004',
    email: 'edsger@example.com',
    name: 'Edsger Dijkstra',
    plan: 'pro',
    company: 'Eindhoven',
  },
  { id: 'user_1005', email: 'barbara@example.com', name: 'Barbara Liskov', plan: 'team', company: 'CLU Inc' },
];

const PRODUCTS = [
  { product_id: 'sku-keyboard', name: 'Mechanical Keyboard', category: 'Peripherals', price: 129.99 },
  { product_id: 'sku-mouse', name: 'Wireless Mouse', category: 'Peripherals', price: 49.5 },
  { product_id: 'sku-monitor', name: '27" 4K Monitor', category: 'Displays', price: 399 },
  { product_id: 'sku-cable', name: 'USB-C Cable', category: 'Accessories', price: 9.99 },
  { product_id: 'sku-dock', name: 'Thunderbolt Dock', category: 'Accessories', price: 229 },
];

const PAGES = [
  { path: '/', title: 'Home', name: 'Home' },
  { path: '/pricing', title: 'Pricing', name: 'Pricing' },
  { path: '/products/keyboard', title: 'Mechanical Keyboard', name: 'Product' },
  { path: '/blog/exactly-once', title: 'Exactly once, end to end', name: 'Blog Post' },
  { path: '/signup', title: 'Sign up', name: 'Sign Up' },
];

const REFERRERS = ['https://www.google.com/', 'https://news.ycombinator.com/', 'https://twitter.com/', ''];
const CAMPAIGNS = [
  undefined,
  { source: 'newsletter', medium: 'email', name: 'spring_launch' },
  { source: 'google', medium: 'cpc', name: 'brand', term: 'event pipeline' },
];
const SCREENS = ['Home', 'Cart', 'Checkout', 'Settings'];
const LOCALES = ['en-US', 'en-GB', 'de-DE', 'fr-FR', 'ja-JP'];
const HOST = 'https://shop.example.com';

export interface DemoOptions {
  seed?: number;
  /** Time of the first event; later events are spread a few seconds apart. */
  start?: Date;
}

export interface DemoGenerator {
  /** The next event, with its Segment `type` set. */
  next(): SegmentEvent & { type: EventType };
}

/**
 * Returns a generator of demo events. The mix leans on `track` and `page` like real traffic, with
 * identifies, groups, screens and the occasional alias.
 */
export function demoEvents(options: DemoOptions = {}): DemoGenerator {
  const random = seededRandom(options.seed ?? 1);
  let clock = (options.start ?? new Date('2026-01-01T00:00:00Z')).getTime();
  let counter = 0;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const hex = (length: number) =>
    Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join('');
  const anonymousIds = Array.from({ length: 12 }, () => `anon-${hex(8)}-${hex(4)}-${hex(12)}`);

  const identity = () => {
    const anonymousId = pick(anonymousIds);
    // About half the traffic comes from signed-in users.
    return random() < 0.5 ? { anonymousId, userId: pick(USERS).id } : { anonymousId };
  };

  const pageContext = (page: (typeof PAGES)[number]) => {
    const referrer = pick(REFERRERS);
    const campaign = pick(CAMPAIGNS);
    const query = campaign
      ? '?' +
        Object.entries(campaign)
          .map(([k, v]) => `utm_${k === 'name' ? 'campaign' : k}=${encodeURIComponent(v)}`)
          .join('&')
      : '';
    return {
      page: {
        path: page.path,
        url: `${HOST}${page.path}${query}`,
        search: query,
        title: page.title,
        referrer,
      },
      ...(campaign ? { campaign } : {}),
    };
  };

  const track = (): SegmentEvent => {
    const kind = int(0, 5);
    if (kind <= 1) {
      const product = pick(PRODUCTS);
      return { event: 'Product Viewed', properties: { ...product, currency: 'USD', position: int(1, 20) } };
    }
    if (kind === 2) {
      const products = Array.from({ length: int(1, 3) }, () => ({ ...pick(PRODUCTS), quantity: int(1, 3) }));
      const total = products.reduce((sum, p) => sum + p.price * p.quantity, 0);
      return {
        event: 'Order Completed',
        properties: {
          order_id: `ord-${hex(10)}`,
          revenue: Math.round(total * 100) / 100,
          tax: Math.round(total * 8) / 100,
          currency: 'USD',
          coupon: random() < 0.3 ? 'SPRING10' : null,
          products,
          shipping: { method: pick(['standard', 'express']), address: { city: 'Lisbon', country: 'PT' } },
          delivered_by: new Date(clock + int(2, 7) * 86_400_000).toISOString(),
        },
      };
    }
    if (kind === 3) {
      return {
        event: 'Signed Up',
        properties: { method: pick(['email', 'google', 'github']), plan: pick(USERS).plan, trial: true },
      };
    }
    if (kind === 4) {
      return {
        event: 'Product Added',
        properties: { ...pick(PRODUCTS), quantity: int(1, 4), cart_id: `cart-${hex(6)}` },
      };
    }
    return {
      event: 'Video Played',
      properties: { video_id: `vid-${hex(6)}`, position_seconds: int(0, 600), muted: random() < 0.2 },
    };
  };

  const byType: Record<EventType, (page: (typeof PAGES)[number]) => SegmentEvent> = {
    track,
    // A page call describes the same page its context points at.
    page: (page) => ({ name: page.name, properties: { path: page.path, title: page.title } }),
    identify: () => {
      const user = pick(USERS);
      return {
        userId: user.id,
        traits: {
          email: user.email,
          name: user.name,
          plan: user.plan,
          logins: int(1, 500),
          created_at: new Date(clock - int(30, 900) * 86_400_000).toISOString(),
          address: { city: 'Berlin', country: 'DE' },
        },
      };
    },
    group: () => {
      const user = pick(USERS);
      return {
        userId: user.id,
        groupId: `grp-${user.company.toLowerCase().replace(/\W+/g, '-')}`,
        traits: { name: user.company, employees: int(5, 5000), industry: 'Technology' },
      };
    },
    screen: () => ({ name: pick(SCREENS), properties: { app_version: '3.2.1', dark_mode: random() < 0.5 } }),
    alias: () => ({ userId: pick(USERS).id, previousId: pick(anonymousIds) }),
  };
  // Weighted mix: tracks and pages dominate, as on a real site.
  const mix: EventType[] = [
    'track',
    'track',
    'track',
    'track',
    'page',
    'page',
    'page',
    'identify',
    'group',
    'screen',
    'alias',
  ];

  return {
    next() {
      const type = pick(mix);
      clock += int(50, 4000);
      counter += 1;
      const page = pick(PAGES);
      const context = {
        ...(type === 'screen' ? { app: { name: 'Shop', version: '3.2.1' } } : pageContext(page)),
        userAgent: pick(USER_AGENTS),
        locale: pick(LOCALES),
        library: { name: 'eventpipe-demo', version: '1' },
      };
      const body = byType[type](page);
      return {
        type,
        messageId: `demo-${hex(8)}-${counter}`,
        ...identity(),
        ...body,
        timestamp: new Date(clock).toISOString(),
        context,
      } as SegmentEvent & { type: EventType };
    },
  };
}
