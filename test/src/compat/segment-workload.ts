/**
 * A realistic multi-source workload — a website (analytics.js: pages with campaign context, tracks,
 * identify), an iOS app (screens, tracks) and a backend (identify, group, alias, server-side tracks) —
 * and the queries an analyst's existing Segment models run on it: the page-view, session and identity
 * queries the public Segment dbt packages build on. Both warehouses must answer them identically.
 */
import type { Envelope, EventType, SegmentEvent } from '@eventpipe/core';
import { transform, type DialectRules, type LoadBatch } from '@eventpipe/loader/internal';

const START = Date.parse('2024-06-03T08:00:00.000Z');

/** Prepended to the source ids (and so to the schemas) while `workload` builds the envelopes. */
let sourcePrefix = '';

function at(seconds: number): string {
  return new Date(START + seconds * 1000).toISOString();
}

function envelope(
  sourceId: string,
  type: EventType,
  seconds: number,
  event: SegmentEvent,
  collector: Partial<Envelope> = {},
): Envelope {
  const messageId = `${sourceId}-${type}-${seconds}`;
  return {
    v: 1,
    sourceId: `${sourcePrefix}${sourceId}`,
    type,
    messageId,
    receivedAt: at(seconds),
    sentAt: at(seconds),
    event: { type, messageId, timestamp: at(seconds), ...event },
    ...collector,
  };
}

const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Safari/605.1.15';
const webContext = (page: Record<string, unknown>, campaign?: Record<string, unknown>) => ({
  library: { name: 'analytics.js', version: '5.2.0' },
  locale: 'de-DE',
  page,
  ...(campaign ? { campaign } : {}),
});

function page(
  seconds: number,
  anonymousId: string,
  path: string,
  extra: Record<string, unknown> = {},
  userId?: string,
) {
  const url = `https://shop.example.com${path}`;
  const properties = {
    path,
    url,
    title: `Shop ${path}`,
    referrer: 'https://www.google.com/',
    search: '',
    ...extra,
  };
  return envelope(
    'web',
    'page',
    seconds,
    {
      anonymousId,
      ...(userId ? { userId } : {}),
      name: 'Shop',
      properties,
      context: webContext(
        { path, url, title: properties.title, referrer: properties.referrer },
        {
          source: 'newsletter',
          medium: 'email',
          name: 'Summer Sale',
          term: 'shoes',
          content: 'hero',
        },
      ),
    },
    { ip: '203.0.113.7', userAgent: BROWSER },
  );
}

const events = (): Envelope[] => [
  page(0, 'anon-1', '/'),
  page(40, 'anon-1', '/products/42', { productID: 42 }),
  envelope(
    'web',
    'track',
    60,
    {
      anonymousId: 'anon-1',
      event: 'Product Added',
      properties: { productID: 42, price: 19.99, 'Order ID': 'o-1' },
    },
    { ip: '203.0.113.7', userAgent: BROWSER },
  ),
  envelope('web', 'identify', 90, {
    anonymousId: 'anon-1',
    userId: 'user-1',
    traits: { email: 'ada@example.com', firstName: 'Ada' },
  }),
  envelope(
    'web',
    'track',
    120,
    {
      anonymousId: 'anon-1',
      userId: 'user-1',
      event: 'Order Completed',
      properties: { orderId: 'o-1', revenue: 19.99, currency: 'EUR' },
    },
    { ip: '203.0.113.7', userAgent: BROWSER },
  ),
  page(150, 'anon-1', '/account', {}, 'user-1'),
  page(4000, 'anon-2', '/'),
  envelope('ios', 'screen', 10, {
    anonymousId: 'ios-anon-1',
    name: 'Home',
    properties: { iOSVersion: '17.4' },
    context: {
      app: { name: 'Shop', version: '3.1' },
      device: { model: 'iPhone15,2' },
      os: { name: 'iOS', version: '17.4' },
    },
  }),
  envelope('ios', 'track', 30, {
    anonymousId: 'ios-anon-1',
    userId: 'user-2',
    event: 'Order Completed',
    properties: { order_id: 'o-2', revenue: 5 },
  }),
  envelope('backend', 'identify', 100, {
    userId: 'user-1',
    traits: { email: 'ada@example.com', planName: 'pro' },
  }),
  envelope('backend', 'group', 110, {
    userId: 'user-1',
    groupId: 'acme',
    traits: { name: 'Acme', employeeCount: 12 },
  }),
  envelope('backend', 'alias', 115, {
    userId: 'user-1',
    previousId: 'anon-1',
    traits: { email: 'ada@example.com' },
  }),
  envelope('backend', 'track', 130, {
    userId: 'user-1',
    event: 'Invoice Paid',
    properties: { 'Order ID': 'o-1', amount: 1999 },
  }),
  ...settingsSaved(),
];

/**
 * A table that reaches the column budget (1,600 columns, one kept for `_rejected`): a settings
 * screen whose every setting is a property. Its 9 common columns and 1,585 settings leave 5 slots:
 * an object of 6 leaves is kept whole in one column, then 2 leaves and 2 scalars take 4 slots and
 * a scalar the last; what comes after has no column and goes to `_rejected`.
 */
export const SETTINGS_PREFERENCES = {
  theme: 'dark',
  notifications: { email: true, sms: false, push: { enabled: true, quietHours: [22, 7] } },
  shortcuts: ['g i', 'g s'],
  note: null,
};

function settingsSaved(): Envelope[] {
  const saved = (seconds: number, properties: Record<string, unknown>) =>
    envelope('backend', 'track', seconds, { userId: 'user-1', event: 'Settings Saved', properties });
  const settings = Array.from({ length: 5 }, (_, event) =>
    saved(
      200 + event,
      Object.fromEntries(
        Array.from({ length: 317 }, (_, i) => [`s${String(event * 317 + i).padStart(4, '0')}`, i]),
      ),
    ),
  );
  return [
    ...settings,
    saved(210, { preferences: SETTINGS_PREFERENCES }),
    saved(211, { layout: { columns: 2, dense: true }, beta: true }),
    saved(212, { language: 'de', region: 'eu' }),
    saved(213, { more: { a: 1 } }),
  ];
}

/** The workload; its sources (`web`, `ios`, `backend`) and so its schemas start with `prefix`. */
export function workload(prefix = ''): Envelope[] {
  sourcePrefix = prefix;
  try {
    return events();
  } finally {
    sourcePrefix = '';
  }
}

/** The workload in batches of `size` envelopes, as the loader would receive it. */
export function workloadBatches(rules: DialectRules, size: number, prefix = ''): LoadBatch[] {
  const all = workload(prefix);
  const batches: LoadBatch[] = [];
  for (let i = 0; i < all.length; i += size) {
    const envelopes = all.slice(i, i + size);
    batches.push({
      batchId: `compat-${prefix}${i}`,
      firstSequence: i + 1,
      lastSequence: i + envelopes.length,
      sources: transform(
        envelopes.map((envelope) => ({ envelope })),
        rules,
      ),
    });
  }
  return batches;
}

/** A query of an existing Segment model, and what it must return on this workload. */
export interface CompatQuery {
  name: string;
  sql: string;
  expected: Record<string, unknown>[];
}

/**
 * `rows` comparable with `expected`: timestamps as ISO strings, and a number the driver returns as
 * text (bigint, numeric) as a number where a number is expected.
 */
export function normalise(
  rows: Record<string, unknown>[],
  expected: Record<string, unknown>[],
): Record<string, unknown>[] {
  return rows.map((row, index) =>
    Object.fromEntries(
      Object.entries(row).map(([key, value]) => {
        if (value instanceof Date) return [key, value.toISOString()];
        const wanted = expected[index]?.[key];
        return [key, typeof wanted === 'number' && typeof value === 'string' ? Number(value) : value];
      }),
    ),
  );
}

const QUERIES: CompatQuery[] = [
  {
    // segment's web page views model: ids, times, url parts, campaign, ip and user agent.
    name: 'page views',
    sql:
      'SELECT id AS page_view_id, anonymous_id, user_id, received_at AS received_at_tstamp, sent_at AS sent_at_tstamp,' +
      ' "timestamp" AS tstamp, url AS page_url, path AS page_url_path, title AS page_title, search AS page_url_query,' +
      ' referrer, context_campaign_source AS utm_source, context_campaign_medium AS utm_medium,' +
      ' context_campaign_name AS utm_campaign, context_campaign_term AS utm_term, context_campaign_content AS utm_content,' +
      ' context_page_url, context_page_path, context_page_referrer, context_ip AS ip, context_user_agent AS user_agent' +
      ' FROM web.pages ORDER BY "timestamp" LIMIT 2',
    expected: [
      {
        page_view_id: 'web-page-0',
        anonymous_id: 'anon-1',
        user_id: null,
        received_at_tstamp: at(0),
        sent_at_tstamp: at(0),
        tstamp: at(0),
        page_url: 'https://shop.example.com/',
        page_url_path: '/',
        page_title: 'Shop /',
        page_url_query: '',
        referrer: 'https://www.google.com/',
        utm_source: 'newsletter',
        utm_medium: 'email',
        utm_campaign: 'Summer Sale',
        utm_term: 'shoes',
        utm_content: 'hero',
        context_page_url: 'https://shop.example.com/',
        context_page_path: '/',
        context_page_referrer: 'https://www.google.com/',
        ip: '203.0.113.7',
        user_agent: BROWSER,
      },
      {
        page_view_id: 'web-page-40',
        anonymous_id: 'anon-1',
        user_id: null,
        received_at_tstamp: at(40),
        sent_at_tstamp: at(40),
        tstamp: at(40),
        page_url: 'https://shop.example.com/products/42',
        page_url_path: '/products/42',
        page_title: 'Shop /products/42',
        page_url_query: '',
        referrer: 'https://www.google.com/',
        utm_source: 'newsletter',
        utm_medium: 'email',
        utm_campaign: 'Summer Sale',
        utm_term: 'shoes',
        utm_content: 'hero',
        context_page_url: 'https://shop.example.com/products/42',
        context_page_path: '/products/42',
        context_page_referrer: 'https://www.google.com/',
        ip: '203.0.113.7',
        user_agent: BROWSER,
      },
    ],
  },
  {
    // Sessionisation: page views per anonymous id with the gap to the previous one (30-minute sessions).
    name: 'sessions',
    sql:
      'SELECT anonymous_id, COUNT(*) AS page_views, MIN("timestamp") AS session_start FROM (' +
      ' SELECT anonymous_id, "timestamp", SUM(CASE WHEN previous IS NULL OR "timestamp" > previous + INTERVAL \'30 minutes\' THEN 1 ELSE 0 END)' +
      ' OVER (PARTITION BY anonymous_id ORDER BY "timestamp" ROWS UNBOUNDED PRECEDING) AS session_index FROM (' +
      ' SELECT anonymous_id, "timestamp", LAG("timestamp") OVER (PARTITION BY anonymous_id ORDER BY "timestamp") AS previous FROM web.pages) AS gaps' +
      ') AS sessions GROUP BY anonymous_id, session_index ORDER BY session_start',
    expected: [
      { anonymous_id: 'anon-1', page_views: 3, session_start: at(0) },
      { anonymous_id: 'anon-2', page_views: 1, session_start: at(4000) },
    ],
  },
  {
    // Identity stitching: the user id each anonymous id is known by, from identifies.
    name: 'identity stitching',
    sql:
      'SELECT anonymous_id, user_id, MIN("timestamp") AS first_identified FROM web.identifies' +
      ' WHERE anonymous_id IS NOT NULL AND user_id IS NOT NULL GROUP BY anonymous_id, user_id ORDER BY anonymous_id',
    expected: [{ anonymous_id: 'anon-1', user_id: 'user-1', first_identified: at(90) }],
  },
  {
    name: 'tracks by event',
    sql: 'SELECT event, event_text, COUNT(*) AS n FROM web.tracks GROUP BY event, event_text ORDER BY event',
    expected: [
      { event: 'order_completed', event_text: 'Order Completed', n: 1 },
      { event: 'product_added', event_text: 'Product Added', n: 1 },
    ],
  },
  {
    // Event tables with Segment's column names: Order ID, orderId and order_id are one column.
    name: 'event tables',
    sql:
      'SELECT o.order_id, o.revenue, o.currency, p.product_id, p.price FROM web.order_completed AS o' +
      ' JOIN web.product_added AS p ON p.order_id = o.order_id',
    expected: [{ order_id: 'o-1', revenue: 19.99, currency: 'EUR', product_id: 42, price: 19.99 }],
  },
  {
    name: 'users by id',
    sql: "SELECT id, email, plan_name, received_at FROM backend.users WHERE id = 'user-1'",
    expected: [{ id: 'user-1', email: 'ada@example.com', plan_name: 'pro', received_at: at(100) }],
  },
  {
    name: 'groups, aliases and screens',
    sql:
      'SELECT g.group_id, g.name, g.employee_count, a.previous_id, a.email FROM backend.groups AS g' +
      ' JOIN backend.aliases AS a ON a.user_id = g.user_id',
    expected: [
      { group_id: 'acme', name: 'Acme', employee_count: 12, previous_id: 'anon-1', email: 'ada@example.com' },
    ],
  },
  {
    name: 'screens',
    sql: 'SELECT name, i_osversion, context_app_version, context_device_model, context_os_name FROM ios.screens',
    expected: [
      {
        name: 'Home',
        i_osversion: '17.4',
        context_app_version: '3.1',
        context_device_model: 'iPhone15,2',
        context_os_name: 'iOS',
      },
    ],
  },
  {
    name: 'server-side track by the same order id',
    sql: 'SELECT user_id, order_id, amount FROM backend.invoice_paid',
    expected: [{ user_id: 'user-1', order_id: 'o-1', amount: 1999 }],
  },
  {
    name: 'an object past the column budget, whole as JSON text in the column of its key',
    sql:
      'SELECT preferences, layout_columns, layout_dense, beta, language FROM backend.settings_saved' +
      ` WHERE preferences LIKE '%"theme":"dark"%' OR layout_columns IS NOT NULL OR language IS NOT NULL` +
      ' ORDER BY received_at',
    expected: [
      {
        preferences: JSON.stringify(SETTINGS_PREFERENCES),
        layout_columns: null,
        layout_dense: null,
        beta: null,
        language: null,
      },
      { preferences: null, layout_columns: 2, layout_dense: true, beta: true, language: null },
      { preferences: null, layout_columns: null, layout_dense: null, beta: null, language: 'de' },
    ],
  },
];

/** The queries, reading the workload's schemas under `prefix`. */
export function compatQueries(prefix = ''): CompatQuery[] {
  return QUERIES.map((query) => ({
    ...query,
    sql: query.sql.replace(/\b(web|ios|backend)\./g, `${prefix}$1.`),
  }));
}
