/**
 * The loader refuses a bad enrichment configuration before it connects to anything, naming the
 * setting; a good one gives the enrich step that the loader and replay share.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, createLogger, loadConfig } from '@eventpipe/core';
import { createEnrichStep, startLoader } from './loader.js';

const log = createLogger('test', 'silent');

/** Nothing listens on port 9: reaching the warehouse would fail with a different error. */
function config(enrichments: string) {
  return loadConfig({
    EVENTPIPE_LOADER_ENRICHMENTS: enrichments,
    EVENTPIPE_WAREHOUSE_URL: 'postgres://eventpipe@127.0.0.1:9/eventpipe',
  });
}

test('an unknown enrichment stops start-up with a ConfigError naming the setting and the built-ins', async () => {
  await assert.rejects(startLoader(config('user-agent,no-such-thing'), log), (error: Error) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /^EVENTPIPE_LOADER_ENRICHMENTS: unknown enrichment 'no-such-thing'/);
    assert.match(error.message, /user-agent, geoip/);
    return true;
  });
});

test('enrichments in an order they cannot run in stop start-up', async () => {
  await assert.rejects(
    startLoader(config('anonymize-ip,geoip'), log),
    /^ConfigError: EVENTPIPE_LOADER_ENRICHMENTS: enrichment 'anonymize-ip' must come after 'geoip'/,
  );
});

test('the enrich step runs the configured enrichments in order', async () => {
  const enrich = await createEnrichStep(config('user-agent,campaign'), log);
  const [event] = enrich([
    {
      v: 1,
      sourceId: 'web',
      type: 'page',
      messageId: 'm1',
      receivedAt: '2024-05-01T10:20:30.000Z',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
      event: { type: 'page', messageId: 'm1', properties: { url: 'https://shop.example/?utm_source=ads' } },
    },
  ]);
  assert.equal(event!.enriched?.context_user_agent_browser_name, 'Firefox');
  assert.equal(event!.enriched?.context_campaign_source, 'ads');
  assert.equal(event!.envelope.messageId, 'm1');
});

test('no enrichments configured: events pass through without fields', async () => {
  const enrich = await createEnrichStep(config(''), log);
  const [event] = enrich([
    {
      v: 1,
      sourceId: 'web',
      type: 'track',
      messageId: 'm1',
      receivedAt: '2024-05-01T10:20:30.000Z',
      event: {},
    },
  ]);
  assert.deepEqual(Object.keys(event!), ['envelope']);
});

test('two sources mapping to one warehouse schema stop start-up, naming both', async () => {
  for (const [a, b] of [
    ['web', 'web_'],
    ['a_b', 'a__b'],
    ['user', 'source_user'],
  ] as const) {
    const clashing = loadConfig({
      EVENTPIPE_SOURCES: `${a}:key-of-${a}-1234,${b}:key-of-${b}-1234`,
      EVENTPIPE_WAREHOUSE_URL: 'postgres://eventpipe@127.0.0.1:9/eventpipe',
    });
    await assert.rejects(startLoader(clashing, log), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, new RegExp(`^EVENTPIPE_SOURCES: sources "${a}" and "${b}" both load into`));
      return true;
    });
  }
});
