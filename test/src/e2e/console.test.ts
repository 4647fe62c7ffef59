/**
 * The console in Debian's headless Chromium, against a real pipeline (nats-server, collector, loader,
 * s3rver, PostgreSQL): the login refuses a wrong admin token; events sent to the collector appear in
 * the live stream within a second, a filter narrows it, an event expands to its envelope and, once
 * loaded, its warehouse row; the rejections, schema, dead-letter and chart pages show what the
 * pipeline did; a dead letter redriven from the page lands as one row; every page works at 1280×800 and on a phone, without a JavaScript error.
 *
 * Screenshots of each page go to EVENTPIPE_CONSOLE_SCREENSHOTS when set (docs/console/ holds a run's),
 * else to a temp dir named in the test's diagnostics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { BrowserContext, Page } from 'playwright-core';
import { ensureStream } from '@eventpipe/core';
import { startCollector, type RunningCollector } from '@eventpipe/collector';
import { startLoader, type RunningLoader } from '@eventpipe/loader';
import { startConsole, type RunningConsole } from '@eventpipe/console';
import { launchChromium, chromiumMissing, chromiumSkip } from './chromium.js';
import { testLogger } from '../secrets.js';
import {
  configOf,
  countRows,
  query,
  settings,
  SOURCE,
  startServers,
  waitFor,
  WRITE_KEY,
  type Servers,
} from './harness.js';

const ADMIN_TOKEN = 'console-test-admin-token-42';
const PHONE = { width: 390, height: 844 };
const log = testLogger('test');
const authorization = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;

async function send(collectorUrl: string, path: string, body: unknown): Promise<number> {
  const response = await fetch(`${collectorUrl}${path}`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

/** A column's cell: its name, then nothing or a badge (`revenue 1 values rejected`). */
const columnName = (name: string) => new RegExp(`^${name}(?![a-z_])`);

/** The page has no horizontal scroll bar: everything fits the viewport's width. */
async function assertFitsWidth(page: Page, what: string) {
  const { scrollWidth, innerWidth } = (await page.evaluate(
    '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
  )) as { scrollWidth: number; innerWidth: number };
  assert.ok(scrollWidth <= innerWidth, `${what}: ${scrollWidth}px wide in a ${innerWidth}px viewport`);
}

test(
  'the console: login, live stream, filters, rejections, schema, dead letters, charts',
  { skip: chromiumSkip },
  async (t) => {
    if (chromiumMissing) assert.fail(chromiumMissing);
    const dir = await mkdtemp(join(tmpdir(), 'eventpipe-console-'));
    const shots = process.env.EVENTPIPE_CONSOLE_SCREENSHOTS
      ? resolve(process.env.EVENTPIPE_CONSOLE_SCREENSHOTS)
      : dir;
    mkdirSync(shots, { recursive: true });
    const running: {
      browser?: BrowserContext;
      servers?: Servers;
      collector?: RunningCollector;
      loader?: RunningLoader;
      console?: RunningConsole;
    } = {};
    t.after(async () => {
      await running.browser?.close();
      await running.console?.close();
      await running.collector?.close();
      await running.loader?.close();
      await running.servers?.dispose();
      await rm(join(dir, 'profile'), { recursive: true, force: true });
    });
    const [servers, browser] = await Promise.all([
      startServers().then((started) => (running.servers = started)),
      launchChromium(join(dir, 'profile'), { viewport: { width: 1280, height: 800 } }).then(
        (launched) => (running.browser = launched),
      ),
    ]);
    const config = configOf(settings(servers));
    const loader = (running.loader = await startLoader(config, log));
    const collector = (running.collector = await startCollector(config, log));
    const adminConsole = (running.console = await startConsole(
      {
        ...config,
        console: {
          ...config.console,
          host: '127.0.0.1',
          port: 0,
          adminToken: ADMIN_TOKEN,
          scrapeIntervalMs: 1000,
          collectorMetricsUrl: collector.metricsUrl,
          loaderMetricsUrl: `http://127.0.0.1:${loader.healthPort}/metrics`,
        },
      },
      log,
    ));

    const errors: string[] = [];
    const page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
    const shoot = async (name: string, on: Page = page) => {
      await on.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
    };

    // A browser without a session is sent to the login page; a wrong token gets it again, saying so.
    const first = await page.goto(adminConsole.url);
    assert.equal(first?.url(), `${adminConsole.url}/login`);
    await page.getByLabel('Admin token').fill('not-the-admin-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Live events' }).count(), 0);
    await shoot('login');
    // A write key is no admin token either.
    await page.getByLabel('Admin token').fill(WRITE_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
    // Neither is the API open without it.
    assert.equal((await fetch(`${adminConsole.url}/api/sources`)).status, 401);

    // The two refusals are answered 401, which Chromium logs; that is all it logged.
    const refused =
      'console: Failed to load resource: the server responded with a status of 401 (Unauthorized)';
    assert.deepEqual(errors, [refused, refused]);
    errors.length = 0;

    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Live events' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();

    /**
     * Sets the filters, then waits for the stream that has exactly them to be open (the page waits
     * for typing to pause, so a stream with only some of them may come and go first).
     */
    const filterBy = async (filter: { type?: string; event?: string; userId?: string }) => {
      const wanted = { type: '', event: '', userId: '', ...filter };
      const opened = page.waitForResponse((response) => {
        const url = new URL(response.url());
        return (
          url.pathname === '/api/live' &&
          Object.entries(wanted).every(([key, value]) => (url.searchParams.get(key) ?? '') === value)
        );
      });
      if (filter.type !== undefined) await page.getByLabel('Type').selectOption(filter.type);
      if (filter.event !== undefined) await page.getByLabel('Event name').fill(filter.event);
      if (filter.userId !== undefined) await page.getByLabel('User id').fill(filter.userId);
      await opened;
      await page.getByRole('status').filter({ hasText: 'Live · 0 shown' }).waitFor();
    };

    // Each event shows up within a second of the collector's 200.
    const events = page.getByRole('list', { name: 'Events, newest first' }).getByRole('listitem');
    const calls = [
      {
        path: '/v1/track',
        body: { userId: 'ada', event: 'Order Completed', properties: { revenue: 19.5, coupon: 'SPRING' } },
      },
      { path: '/v1/track', body: { userId: 'bob', event: 'Signed Up', properties: { plan: 'pro' } } },
      { path: '/v1/identify', body: { userId: 'ada', traits: { email: 'ada@example.com' } } },
      {
        path: '/v1/page',
        body: { anonymousId: 'anon-1', name: 'Pricing', properties: { path: '/pricing' } },
      },
    ];
    for (const [i, call] of calls.entries()) {
      assert.equal(await send(collector.url, call.path, call.body), 200);
      const sent = Date.now();
      await events
        .nth(i)
        .waitFor({ timeout: 5_000 })
        .catch(() => {});
      await waitFor(`event ${i + 1} on the page`, async () => (await events.count()) === i + 1, 1_000);
      t.diagnostic(`${call.path} on the page ${Date.now() - sent} ms after the 200`);
      assert.ok(Date.now() - sent < 1_000, `event ${i + 1} within a second`);
    }
    assert.match((await events.first().textContent()) ?? '', /page.*Pricing.*anon-1/);

    // Filters narrow the stream: by event name (any case, part of it), by type, by user id.
    await filterBy({ event: 'signed' });
    assert.equal(
      await send(collector.url, '/v1/track', {
        userId: 'bob',
        event: 'Signed Up',
        properties: { plan: 'team' },
      }),
      200,
    );
    assert.equal(
      await send(collector.url, '/v1/track', {
        userId: 'ada',
        event: 'Order Completed',
        properties: { revenue: 5 },
      }),
      200,
    );
    await waitFor('the filtered event', async () => (await events.count()) === 1, 2_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await events.count(), 1, 'only the event that matches');
    assert.match((await events.first().textContent()) ?? '', /Signed Up/);
    await filterBy({ event: '', type: 'identify', userId: 'ada' });
    assert.equal(await send(collector.url, '/v1/identify', { userId: 'ada', traits: { plan: 'pro' } }), 200);
    assert.equal(await send(collector.url, '/v1/identify', { userId: 'bob', traits: { plan: 'pro' } }), 200);
    await waitFor('the identify of ada', async () => (await events.count()) === 1, 2_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await events.count(), 1);
    assert.match((await events.first().textContent()) ?? '', /identify.*ada/);

    // An event expands to its envelope and, once loaded, its row in the warehouse.
    await filterBy({ type: 'track', userId: '', event: 'order' });
    const messageId = 'console-order-1';
    assert.equal(
      await send(collector.url, '/v1/track', {
        messageId,
        userId: 'cy',
        event: 'Order Completed',
        properties: { revenue: 42 },
      }),
      200,
    );
    await waitFor('the order', async () => (await events.count()) === 1, 2_000);
    await waitFor('the order in PostgreSQL', async () => {
      const rows = await query(
        servers.postgres.url,
        `SELECT 1 FROM ${SOURCE}.order_completed WHERE id = $1`,
        [messageId],
      );
      return rows.length === 1;
    });
    await events.first().getByRole('button').first().click();
    await page.getByText(messageId).first().waitFor();
    const row = page.getByTestId('warehouse-row');
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /revenue\s*42/);
    assert.match((await page.locator('.event-detail').textContent()) ?? '', /Row in order_completed/);
    await shoot('live');

    // Rejected requests, with the reason the client got.
    assert.equal(await send(collector.url, '/v1/track', { userId: 'ada', properties: {} }), 400);
    await page.getByRole('link', { name: 'Rejections' }).click();
    await page.getByRole('heading', { name: 'Rejected requests' }).waitFor();
    await waitFor(
      'the rejection listed',
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return (await page.locator('td.reason').count()) > 0;
      },
      5_000,
    );
    const ofWeb = page.getByRole('table', { name: `Rejected requests of ${SOURCE}` });
    assert.match((await ofWeb.locator('td.reason').first().textContent()) ?? '', /\/event/);
    // A wrong write key belongs to no source: listed apart, without the key.
    const stranger = await fetch(`${collector.url}/v1/track`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('not-a-write-key:').toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ userId: 'x', event: 'E' }),
    });
    assert.equal(stranger.status, 401);
    const unknownKey = page.getByRole('table', { name: 'Rejected requests without a valid write key' });
    await waitFor(
      'the unknown key listed',
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return (await unknownKey.locator('td.reason').count()) === 1;
      },
      5_000,
    );
    assert.doesNotMatch((await page.locator('main').textContent()) ?? '', /not-a-write-key/);
    await shoot('rejections');

    // A revenue that is no number lands in _rejected; a fractional seat count widens the bigint
    // column the first Signed Up made: the schema page marks both.
    const loaded = (table: string, id: string) =>
      waitFor(`${id} in ${table}`, async () => {
        const rows = await query(servers.postgres.url, `SELECT 1 FROM ${SOURCE}.${table} WHERE id = $1`, [
          id,
        ]);
        return rows.length === 1;
      });
    const seats = (messageId: string, value: number) =>
      send(collector.url, '/v1/track', {
        messageId,
        userId: 'dee',
        event: 'Signed Up',
        properties: { seats: value },
      });
    assert.equal(await seats('console-seats-int', 3), 200);
    await loaded('signed_up', 'console-seats-int');
    assert.equal(await seats('console-seats-fraction', 2.5), 200);
    await loaded('signed_up', 'console-seats-fraction');
    const textRevenue = {
      messageId: 'console-order-text',
      userId: 'cy',
      event: 'Order Completed',
      properties: { revenue: 'n/a' },
    };
    assert.equal(await send(collector.url, '/v1/track', textRevenue), 200);
    await loaded('order_completed', textRevenue.messageId);

    // The schema: the new tables and their columns.
    await page.getByRole('link', { name: 'Schema' }).click();
    await page.getByRole('heading', { name: 'order_completed' }).waitFor();
    const order = page
      .getByRole('article')
      .filter({ has: page.getByRole('heading', { name: 'order_completed' }) });
    for (const column of ['revenue', 'coupon', 'user_id', 'received_at']) {
      assert.equal(
        await order.getByRole('cell', { name: columnName(column) }).count(),
        1,
        `column ${column}`,
      );
    }
    assert.match((await order.textContent()) ?? '', /4 rows/);
    const columnRow = (table: typeof order, name: string) =>
      table.getByRole('row').filter({ has: page.getByRole('cell', { name: columnName(name) }) });
    const revenue = columnRow(order, 'revenue');
    assert.match((await revenue.textContent()) ?? '', /values rejected/);
    assert.equal(await revenue.getAttribute('class'), 'changed');
    assert.match((await order.textContent()) ?? '', /1 rows hold values in _rejected: revenue \(1\)/);
    const signedUp = page
      .getByRole('article')
      .filter({ has: page.getByRole('heading', { name: 'signed_up' }) });
    const seatsRow = columnRow(signedUp, 'seats');
    assert.match((await seatsRow.textContent()) ?? '', /type changed/);
    assert.equal(await seatsRow.getAttribute('class'), 'changed');
    assert.equal(await columnRow(order, 'coupon').getAttribute('class'), null);
    for (const table of ['tracks', 'identifies', 'pages', 'users', 'signed_up']) {
      await page.getByRole('heading', { name: table, exact: true }).waitFor();
    }
    await order.scrollIntoViewIfNeeded();
    await shoot('schema');

    // Two dead letters: a message that is no envelope, and an order a constraint added by hand refuses
    // (a permanent load error, as in test/src/dead-letters/redrive.test.ts).
    const nc = await connect({ servers: servers.nats.url });
    try {
      await ensureStream(nc, config.nats);
      await jetstream(nc).publish(`${config.nats.subjectPrefix}.${SOURCE}.track`, 'this is not an envelope');
    } finally {
      await nc.close();
    }
    await query(
      servers.postgres.url,
      `ALTER TABLE ${SOURCE}.order_completed ADD CONSTRAINT small_orders CHECK (revenue < 1000)`,
    );
    const poison = 'console-big-order';
    const bigOrder = {
      messageId: poison,
      userId: 'cy',
      event: 'Order Completed',
      properties: { revenue: 5000 },
    };
    assert.equal(await send(collector.url, '/v1/track', bigOrder), 200);
    await waitFor('both dead letters in the warehouse', async () => {
      const rows = await query(
        servers.postgres.url,
        'SELECT 1 FROM _eventpipe.dead_letters WHERE source_id = $1',
        [SOURCE],
      );
      return rows.length === 2;
    });
    await page.getByRole('link', { name: 'Dead letters' }).click();
    await page.getByRole('heading', { name: 'Dead letters' }).waitFor();
    const letterRow = (text: string) =>
      page.getByRole('row').filter({ has: page.getByRole('cell', { name: text, exact: true }) });
    const garbage = page.getByRole('row').filter({ hasText: 'not JSON' });
    await garbage.waitFor();
    const big = letterRow(poison);
    assert.match((await big.locator('td.reason').textContent()) ?? '', /small_orders/);
    assert.match((await big.textContent()) ?? '', /pending/);
    await page.getByRole('button', { name: 'Redrive all 2 pending' }).waitFor();
    await garbage.getByRole('button', { name: 'Show envelope' }).click();
    await page.getByText('this is not an envelope').waitFor();

    // The message that is no envelope cannot go back through the loader: the page says why.
    await garbage.getByRole('button', { name: /^Redrive / }).click();
    await garbage.getByRole('status').filter({ hasText: 'not redriven: cannot go back' }).waitFor();

    // The cause fixed, the order is redriven from the page and lands exactly once.
    await query(servers.postgres.url, `ALTER TABLE ${SOURCE}.order_completed DROP CONSTRAINT small_orders`);
    const redriveButton = page.getByRole('button', { name: `Redrive ${poison}` });
    assert.ok(await redriveButton.isEnabled());
    await redriveButton.click();
    await big
      .getByRole('status')
      .filter({ hasText: /redriven → \S+ #\d+/ })
      .waitFor();
    await loaded('order_completed', poison);
    await waitFor('the redrive listed', async () => /redriven .*→/.test((await big.textContent()) ?? ''));
    assert.ok(await redriveButton.isDisabled(), 'a redriven dead letter cannot be redriven again');
    await page.getByRole('button', { name: 'Redrive all 1 pending' }).waitFor();
    await shoot('dead-letters');
    const orders = async () =>
      query(servers.postgres.url, `SELECT revenue FROM ${SOURCE}.order_completed WHERE id = $1`, [poison]);
    assert.deepEqual(await orders(), [{ revenue: 5000 }]);
    // Still one row once the loader has nothing left to do.
    await page.getByRole('button', { name: 'Refresh' }).click();
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await orders()).length, 1);
    assert.deepEqual(await countRows(servers.postgres.url, SOURCE, 'order_completed'), { rows: 5, ids: 5 });

    // Charts from the scraped metrics: points arrive every scrape interval.
    await page.getByRole('link', { name: 'Charts' }).click();
    await page.getByRole('img', { name: 'Events per second, last hour' }).waitFor();
    await waitFor(
      'a few points',
      async () => {
        const text = (await page.locator('.hint').textContent()) ?? '';
        return Number(/(\d+) points/.exec(text)?.[1]) >= 3;
      },
      20_000,
    );
    assert.equal(await page.locator('.chart canvas').count(), 2);
    await shoot('charts');

    // Every page on a phone: nothing wider than the screen.
    await page.setViewportSize(PHONE);
    for (const name of ['live', 'rejections', 'schema', 'dead-letters', 'charts']) {
      await page.goto(`${adminConsole.url}/#${name}?source=${SOURCE}`);
      await page.getByRole('navigation', { name: 'Pages' }).waitFor();
      await page.locator('main h2').first().waitFor();
      await page.waitForTimeout(300);
      await assertFitsWidth(page, `${name} on a phone`);
      if (name === 'live' || name === 'schema') await shoot(`${name}-phone`);
    }
    assert.deepEqual(await countRows(servers.postgres.url, SOURCE, 'signed_up'), { rows: 4, ids: 4 });
    assert.deepEqual(errors, [], 'no JavaScript errors');
    t.diagnostic(`screenshots: ${shots}`);
  },
);
