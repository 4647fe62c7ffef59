import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { createLogger } from '@eventpipe/core';
import { createEnricher, DEFAULT_ENRICHMENTS, ENRICHMENT_ERRORS_METRIC } from './runner.js';
import { BUILTIN_ENRICHMENTS } from './builtin/index.js';
import { envelopeOf } from './test-envelope.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}.js`, import.meta.url));
const FLAKY = fixture('flaky');

function capturingLogger(): { log: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger(
    'enrich-test',
    'info',
    {},
    { write: (line: string) => lines.push(JSON.parse(line)) },
  );
  return { log, lines };
}
const quiet = createLogger('enrich-test', 'silent');

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

test('DEFAULT_ENRICHMENTS are the four built-ins `eventpipe dev` turns on', () => {
  assert.deepEqual(DEFAULT_ENRICHMENTS, ['user-agent', 'geoip', 'referrer', 'campaign']);
  for (const name of DEFAULT_ENRICHMENTS) assert.ok(BUILTIN_ENRICHMENTS.has(name), name);
  assert.ok(BUILTIN_ENRICHMENTS.has('anonymize-ip'));
});

test('built-ins run in order: geoip sees the full IP, anonymize-ip then replaces context_ip', async () => {
  const enrich = await createEnricher([...DEFAULT_ENRICHMENTS, 'anonymize-ip'], quiet);
  const envelope = envelopeOf(
    {
      type: 'page',
      context: {
        page: {
          url: 'https://shop.example.com/?utm_source=news',
          referrer: 'https://www.bing.com/search?q=shoes',
        },
      },
    },
    { ip: '81.2.69.142', userAgent: CHROME },
  );
  const before = JSON.stringify(envelope);
  const [event] = enrich([envelope]);
  assert.equal(event?.envelope, envelope);
  assert.equal(JSON.stringify(envelope), before, 'the raw event is never edited');
  assert.equal(event?.enrichmentErrors, undefined);
  assert.equal(event?.enriched?.context_geo_city, 'Bracknell');
  assert.equal(event?.enriched?.context_ip, '81.2.69.0');
  assert.equal(event?.enriched?.context_user_agent_browser_name, 'Chrome');
  assert.equal(event?.enriched?.context_page_referrer_source, 'Bing');
  assert.equal(event?.enriched?.context_campaign_source, 'news');
});

test('an event no enrichment has anything for carries no enriched record', async () => {
  const enrich = await createEnricher(DEFAULT_ENRICHMENTS, quiet);
  assert.deepEqual(enrich([envelopeOf({ type: 'identify' })]), [
    { envelope: envelopeOf({ type: 'identify' }) },
  ]);
});

test('each enrichment sees the fields of the ones before it, not after', async () => {
  const enrich = await createEnricher(['campaign', FLAKY, 'user-agent'], quiet);
  const [event] = enrich([
    envelopeOf(
      { context: { page: { url: 'https://a.example/?utm_medium=email&gclid=x' } } },
      { userAgent: CHROME },
    ),
  ]);
  assert.equal(event?.enriched?.flaky_seen, 'context_campaign_gclid,context_campaign_medium');
});

test('an enrichment that throws marks the event, is counted and logged once per batch; the event flows', async () => {
  const registry = new Registry();
  const { log, lines } = capturingLogger();
  const enrich = await createEnricher(['user-agent', FLAKY, 'campaign'], log, { registry });
  const failing = envelopeOf(
    { properties: { fail: true }, context: { page: { url: 'https://a.example/?utm_source=x' } } },
    { userAgent: CHROME },
  );
  const fine = envelopeOf({ properties: {} }, { userAgent: CHROME });
  const events = enrich([failing, fine, failing]);
  assert.equal(events.length, 3);
  assert.deepEqual(events[0]?.enrichmentErrors, ['flaky']);
  // The enrichments before and after the failing one still contributed.
  assert.equal(events[0]?.enriched?.context_user_agent_browser_name, 'Chrome');
  assert.equal(events[0]?.enriched?.context_campaign_source, 'x');
  assert.equal(events[1]?.enrichmentErrors, undefined);
  assert.equal(typeof events[1]?.enriched?.flaky_seen, 'string');

  const metric = await registry.getSingleMetric(ENRICHMENT_ERRORS_METRIC)?.get();
  assert.deepEqual(
    metric?.values.map((v) => [v.labels, v.value]),
    [[{ enrichment: 'flaky' }, 2]],
  );
  const warnings = lines.filter((l) => l.level === 40);
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]?.enrichment, 'flaky');
  assert.equal(warnings[0]?.events, 2);
  assert.match(String((warnings[0]?.err as { message?: string }).message), /asked to fail/);

  // A second pipeline on the same registry shares the counter instead of failing to register it.
  await createEnricher([FLAKY], quiet, { registry });
});

test('a plug-in that returns something other than fields is an enrichment error, not a crash', async () => {
  const enrich = await createEnricher([fixture('bad-return'), 'user-agent'], quiet);
  const [event] = enrich([envelopeOf({}, { userAgent: CHROME })]);
  assert.deepEqual(event?.enrichmentErrors, ['bad-return']);
  assert.equal(event?.enriched?.context_user_agent_browser_name, 'Chrome');
});

test('options are validated with their defaults; errors name the enrichment and every bad option', async () => {
  const enrich = await createEnricher([{ name: FLAKY, options: { label: 'before' } }], quiet);
  assert.deepEqual(enrich([envelopeOf({})])[0]?.enriched, { flaky_before: '' });
  await assert.rejects(
    createEnricher([{ name: 'geoip', options: { databasePath: 42, dbPath: '/x.mmdb' } }], quiet),
    (error: Error) => {
      assert.equal(error.name, 'EnrichmentConfigError');
      assert.match(error.message, /^enrichment 'geoip': /);
      assert.match(error.message, /option dbPath: Unexpected property/);
      assert.match(error.message, /option databasePath: Expected string/);
      return true;
    },
  );
  await assert.rejects(
    createEnricher([{ name: 'user-agent', options: { cacheSize: -1 } }], quiet),
    /enrichment 'user-agent': option cacheSize: Expected integer to be greater or equal to 0/,
  );
  await assert.rejects(
    createEnricher([{ name: 'campaign', options: 'gclid' }], quiet),
    /enrichment 'campaign': options: Expected object/,
  );
});

test('configuration errors: order, duplicates, unknown names, bad modules, failing start-up', async () => {
  await assert.rejects(
    createEnricher(['anonymize-ip', 'user-agent', 'geoip'], quiet),
    /enrichment 'anonymize-ip' must come after 'geoip'/,
  );
  // Without geoip, anonymize-ip alone is fine.
  await createEnricher(['anonymize-ip'], quiet);
  await assert.rejects(
    createEnricher(['campaign', 'campaign'], quiet),
    /enrichment 'campaign' is configured twice/,
  );
  await assert.rejects(
    createEnricher(['user_agent'], quiet),
    /unknown enrichment 'user_agent': built-ins are user-agent, geoip, referrer, campaign, anonymize-ip/,
  );
  await assert.rejects(
    createEnricher(['./no/such/plugin.js'], quiet),
    /enrichment module \.\/no\/such\/plugin\.js: cannot load it/,
  );
  await assert.rejects(
    createEnricher([fixture('not-an-enrichment')], quiet),
    /its default export must be an enrichment \(\{ name, options, create \}\)/,
  );
  await assert.rejects(
    createEnricher([{ name: 'geoip', options: { databasePath: '/nonexistent/City.mmdb' } }], quiet),
    /enrichment 'geoip' failed to start: geoip: cannot open the database \/nonexistent\/City\.mmdb/,
  );
});
