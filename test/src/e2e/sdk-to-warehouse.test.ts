/**
 * The whole path with real pieces only: @segment/analytics-node → collector (HTTP) → nats-server
 * (JetStream) → loader (with the user-agent and campaign enrichments) → PostgreSQL, with the raw
 * archive in s3rver. Proven by counting.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Analytics } from '@segment/analytics-node';
import { startCollector, type RunningCollector } from '@eventpipe/collector';
import { startLoader, type RunningLoader } from '@eventpipe/loader/internal';
import {
  ackFloor,
  columnTypes,
  configOf,
  countRows,
  envelope,
  natsClient,
  publish,
  query,
  s3Lines,
  settings,
  startServers,
  waitFor,
  WRITE_KEY,
  type Servers,
} from './harness.js';
import { testLogger } from '../secrets.js';

let servers: Servers;
let collector: RunningCollector;
let loader: RunningLoader;
const log = testLogger('test');

before(async () => {
  servers = await startServers();
  const config = configOf(settings(servers, { EVENTPIPE_LOADER_ENRICHMENTS: 'user-agent,campaign' }));
  collector = await startCollector(config, log);
  loader = await startLoader(config, log);
});

after(async () => {
  await loader?.close();
  await collector?.close();
  await servers?.dispose();
});

const CHROME_ON_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const CAMPAIGN_URL = 'https://shop.example/?utm_source=newsletter&utm_campaign=spring&gclid=abc123';

const EXPECTED = {
  tracks: 40,
  order_completed: 30,
  product_viewed: 10,
  identifies: 5,
  users: 3,
  pages: 4,
  screens: 3,
  groups: 2,
  aliases: 1,
};

test('every event sent with the Segment SDK lands once in its tables, typed, and archived raw', async () => {
  const analytics = new Analytics({
    writeKey: WRITE_KEY,
    host: collector.url,
    flushAt: 20,
    flushInterval: 100,
  });
  const shippedAt = '2024-05-01T10:00:00.000Z';
  for (let i = 0; i < 30; i++) {
    analytics.track({
      userId: `u${i % 3}`,
      event: 'Order Completed',
      properties: { revenue: 12.5 + i, quantity: i, coupon: 'SAVE10', paid: i % 2 === 0, shippedAt },
    });
  }
  for (let i = 0; i < 10; i++) {
    analytics.track({
      anonymousId: `a${i}`,
      event: 'Product Viewed',
      properties: { sku: `p${i}` },
      context: { userAgent: CHROME_ON_WINDOWS },
    });
  }
  for (let i = 0; i < 5; i++)
    analytics.identify({ userId: `u${i % 3}`, traits: { email: `u${i}@example.com`, plan: 'pro' } });
  for (let i = 0; i < 4; i++) {
    analytics.page({ userId: 'u0', name: 'Home', properties: { path: '/', url: CAMPAIGN_URL } });
  }
  for (let i = 0; i < 3; i++) analytics.screen({ userId: 'u0', name: 'Settings' });
  for (let i = 0; i < 2; i++) analytics.group({ userId: 'u0', groupId: `g${i}`, traits: { name: 'Acme' } });
  analytics.alias({ userId: 'u0', previousId: 'a0' });
  await analytics.closeAndFlush({ timeout: 10_000 });

  const { url } = servers.postgres;
  await waitFor('every table to hold what was sent', async () => {
    for (const [table, rows] of Object.entries(EXPECTED)) {
      if ((await countRows(url, 'web', table)).rows < rows) return false;
    }
    return true;
  });
  await new Promise((r) => setTimeout(r, 500)); // anything extra would show up now
  for (const [table, rows] of Object.entries(EXPECTED)) {
    assert.deepEqual(await countRows(url, 'web', table), { rows, ids: rows }, `web.${table}`);
  }

  const types = await columnTypes(url, 'web', 'order_completed');
  assert.equal(types.revenue, 'double precision');
  assert.equal(types.quantity, 'bigint');
  assert.equal(types.coupon, 'text');
  assert.equal(types.paid, 'boolean');
  assert.equal(types.shipped_at, 'timestamp with time zone');

  // The configured enrichments (user-agent, campaign) add their columns beside context_*.
  const [viewed] = await query<Record<string, unknown>>(
    url,
    'SELECT context_user_agent_browser_name AS browser, context_user_agent_os_name AS os, ' +
      'context_user_agent_is_bot AS is_bot FROM web.product_viewed LIMIT 1',
  );
  assert.deepEqual(viewed, { browser: 'Chrome', os: 'Windows', is_bot: false });
  const campaigns = await query<Record<string, unknown>>(
    url,
    'SELECT DISTINCT context_campaign_source AS source, context_campaign_name AS name, ' +
      'context_campaign_gclid AS gclid FROM web.pages',
  );
  assert.deepEqual(campaigns, [{ source: 'newsletter', name: 'spring', gclid: 'abc123' }]);

  const config = configOf(settings(servers));
  const archived = (await s3Lines(config, 'raw/web/')).map((l) => JSON.parse(l) as { messageId: string });
  const sent = Object.entries(EXPECTED)
    .filter(([t]) => t !== 'users' && t !== 'order_completed' && t !== 'product_viewed')
    .reduce((sum, [, n]) => sum + n, 0);
  assert.equal(archived.length, sent);
  assert.equal(new Set(archived.map((e) => e.messageId)).size, sent);
});

test('the same messageId arriving again outside the NATS duplicate window is still one row', async () => {
  const config = configOf(settings(servers));
  const { nc, jsm } = await natsClient(servers);
  try {
    const again = envelope('late-duplicate');
    await publish(nc, config, [again], () => 'first-publish');
    await waitFor('the first copy', async () => (await query1(again.messageId)) === 1);
    // A different Nats-Msg-Id: JetStream stores it again, as it would after the window.
    await publish(nc, config, [again], () => 'second-publish-an-hour-later');
    const last = (await jsm.streams.info(config.nats.stream)).state.last_seq;
    await waitFor('the second copy to be acked', async () => (await ackFloor(jsm, config)) >= last);
    assert.equal(await query1(again.messageId), 1);
  } finally {
    await nc.close();
  }
});

async function query1(id: string): Promise<number> {
  const rows = await query<{ n: string }>(
    servers.postgres.url,
    'SELECT count(*) AS n FROM web.tracks WHERE id = $1',
    [id],
  );
  return Number(rows[0]!.n);
}
