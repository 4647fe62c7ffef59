/**
 * The browser SDK as a website runs it: `@segment/analytics-next`, bundled locally with esbuild, in
 * Debian's headless Chromium, on a page served from another origin than the collector. Its settings
 * come from a local stand-in for Segment's CDN; its page, track and identify calls go through the
 * real collector (CORS preflight, short paths `/v1/p` `/v1/t` `/v1/i`, `text/plain` bodies),
 * nats-server, loader and s3rver into PostgreSQL, where each must land once with the browser's context.
 *
 * Without Chromium the test is skipped locally and fails under CI, which installs it (.ci/run).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { BrowserContext } from 'playwright-core';
import { launchChromium, chromiumMissing as missing, chromiumSkip as skip } from './chromium.js';
import { startCollector, type RunningCollector } from '@eventpipe/collector';
import { startLoader, type RunningLoader } from '@eventpipe/loader/internal';
import {
  configOf,
  countRows,
  query,
  settings,
  startServers,
  waitFor,
  WRITE_KEY,
  type Servers,
} from './harness.js';
import { testLogger } from '../secrets.js';

const LOCALE = 'de-DE';
const log = testLogger('test');

/** analytics-next and everything it imports lazily, as one classic script defining `AnalyticsBrowser`. */
async function bundleSdk(outfile: string): Promise<void> {
  await build({
    stdin: {
      contents:
        "import { AnalyticsBrowser } from '@segment/analytics-next';\nwindow.AnalyticsBrowser = AnalyticsBrowser;",
      resolveDir: dirname(fileURLToPath(import.meta.url)),
      loader: 'js',
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
    outfile,
  });
}

/**
 * The page: loads the SDK with the collector as API host and this server as CDN, sends one call of
 * each kind, waiting for each, and shows what it did (for the screenshot).
 */
function pageHtml(collectorHost: string, cdnURL: string): string {
  const load = JSON.stringify({ writeKey: WRITE_KEY, cdnURL });
  const options = JSON.stringify({
    integrations: { 'Segment.io': { apiHost: collectorHost, protocol: 'http' } },
  });
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>eventpipe browser SDK test</title>
<script src="/analytics.js"></script></head>
<body><h1>eventpipe: @segment/analytics-next in Chromium</h1><ol id="log"></ol>
<script>
  const say = (text) => document.getElementById('log').appendChild(document.createElement('li')).textContent = text;
  const analytics = AnalyticsBrowser.load(${load}, ${options});
  (async () => {
    await analytics.page('Shop', 'Home', { section: 'front' });
    say('page sent');
    await analytics.track('Order Completed', { revenue: 19.99, coupon: 'SPRING' });
    say('track sent');
    await analytics.identify('browser-user-1', { email: 'ada@example.com', plan: 'pro' });
    say('identify sent');
    window.__sent = true;
  })().catch((error) => { say('failed: ' + error); window.__sent = String(error); });
</script></body></html>`;
}

/** A loopback server on its own port (so its own origin) for the page, the bundle and the CDN settings. */
async function startPageServer(
  bundle: string,
  html: (origin: string) => string,
): Promise<{ url: string; close(): Promise<void> }> {
  const cdnSettings = JSON.stringify({ integrations: { 'Segment.io': { apiKey: WRITE_KEY } }, plan: {} });
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const send = (type: string, body: string | Buffer) =>
      response.writeHead(200, { 'content-type': type }).end(body);
    if (path === '/shop') return send('text/html; charset=utf-8', html(url));
    if (path === '/analytics.js') return void readFile(bundle).then((js) => send('text/javascript', js));
    if (path === `/v1/projects/${WRITE_KEY}/settings`) return send('application/json', cdnSettings);
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Chromium may hold a preconnected socket that never carries a request; it would keep close waiting.
      server.closeAllConnections();
    });
  return { url, close };
}

test(
  'analytics-next in Chromium, from another origin, lands page, track and identify once with the browser context',
  { skip },
  async (t) => {
    if (missing) assert.fail(missing);
    const dir = await mkdtemp(join(tmpdir(), 'eventpipe-browser-sdk-'));
    const bundle = join(dir, 'analytics.js');
    const running: {
      browser?: BrowserContext;
      servers?: Servers;
      collector?: RunningCollector;
      loader?: RunningLoader;
      site?: Awaited<ReturnType<typeof startPageServer>>;
    } = {};
    // Clients before the servers they talk to; the screenshot stays in `dir`, the profile does not.
    t.after(async () => {
      await running.browser?.close();
      await running.site?.close();
      await running.loader?.close();
      await running.collector?.close();
      await running.servers?.dispose();
      await rm(join(dir, 'profile'), { recursive: true, force: true });
    });
    // The slow starts overlap, as none needs another.
    const [servers, browser] = await Promise.all([
      startServers().then((started) => (running.servers = started)),
      launchChromium(join(dir, 'profile'), { locale: LOCALE }).then(
        (launched) => (running.browser = launched),
      ),
      bundleSdk(bundle),
    ]);
    const config = configOf(settings(servers));
    const collector = (running.collector = await startCollector(config, log));
    running.loader = await startLoader(config, log);
    const collectorHost = `${new URL(collector.url).host}/v1`;
    const site = (running.site = await startPageServer(bundle, (origin) => pageHtml(collectorHost, origin)));

    const page = await browser.newPage();
    const calls: string[] = [];
    page.on('response', (response) => {
      if (response.url().startsWith(collector.url)) {
        calls.push(`${response.request().method()} ${new URL(response.url()).pathname} ${response.status()}`);
      }
    });
    const pageUrl = `${site.url}/shop?ref=browser-test`;
    await page.goto(pageUrl);
    await page.waitForFunction('window.__sent !== undefined', undefined, { timeout: 20_000 });
    assert.equal(await page.evaluate('window.__sent'), true, 'the page sent all three calls');
    const userAgent = (await page.evaluate('navigator.userAgent')) as string;
    const screenshot = join(dir, 'page.png');
    await page.screenshot({ path: screenshot });
    t.diagnostic(`screenshot: ${screenshot}`);

    const { url } = servers.postgres;
    const tables = ['pages', 'tracks', 'order_completed', 'identifies', 'users'];
    await waitFor('each call in its tables', async () => {
      for (const table of tables) if ((await countRows(url, 'web', table)).rows < 1) return false;
      return true;
    });
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would show up now
    for (const table of tables) {
      assert.deepEqual(await countRows(url, 'web', table), { rows: 1, ids: 1 }, `web.${table}`);
    }

    // The short paths, each accepted on the first try: a CORS or body refusal would show here as a
    // failed or repeated call (the SDK retries) before deduplication could hide it.
    assert.deepEqual(calls.filter((c) => c.startsWith('POST')).sort(), [
      'POST /v1/i 200',
      'POST /v1/p 200',
      'POST /v1/t 200',
    ]);

    const context =
      'context_page_url AS page_url, context_user_agent AS user_agent, context_locale AS locale';
    const expected = { page_url: pageUrl, user_agent: userAgent, locale: LOCALE };
    for (const table of ['pages', 'tracks', 'identifies']) {
      const rows = await query(url, `SELECT ${context} FROM web.${table}`);
      assert.deepEqual(rows, [expected], `context of web.${table}`);
    }
    const [order] = await query(url, 'SELECT revenue, coupon FROM web.order_completed');
    assert.deepEqual(order, { revenue: 19.99, coupon: 'SPRING' });
    const [user] = await query(url, 'SELECT id, email, plan FROM web.users');
    assert.deepEqual(user, { id: 'browser-user-1', email: 'ada@example.com', plan: 'pro' });
  },
);
