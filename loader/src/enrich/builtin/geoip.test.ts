/** Real public addresses resolved against the real bundled GeoLite2 City databases. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnrichFunction } from '../types.js';
import { BUNDLED_DATABASES, geoFields, geoip } from './geoip.js';
import { envelopeOf } from '../test-envelope.js';

const lookup = (run: EnrichFunction, ip: string): Record<string, unknown> | undefined =>
  run(envelopeOf({}, { ip }), { fields: {} });

test('geoip: IPv4 addresses resolve to country, region, city, postal code, coordinates, time zone', async () => {
  const run = await geoip.create({ locale: 'en' });
  assert.deepEqual(lookup(run, '81.2.69.142'), {
    context_geo_country: 'GB',
    context_geo_region: 'England',
    context_geo_city: 'Bracknell',
    context_geo_postal_code: 'RG12',
    context_geo_latitude: 51.4036,
    context_geo_longitude: -0.7618,
    context_geo_timezone: 'Europe/London',
  });
  const minneapolis = lookup(run, '128.101.101.101');
  assert.equal(minneapolis?.context_geo_city, 'Minneapolis');
  assert.equal(minneapolis?.context_geo_region, 'Minnesota');
  assert.equal(minneapolis?.context_geo_timezone, 'America/Chicago');
  // Country-level only: empty strings in the record become no column, not ''.
  const google = lookup(run, '8.8.8.8');
  assert.equal(google?.context_geo_country, 'US');
  assert.equal('context_geo_city' in (google ?? {}), false);
});

test('geoip: IPv6 addresses are looked up in the IPv6 database, not the IPv4 one', async () => {
  const run = await geoip.create({ locale: 'en' });
  // The IPv4 tree answers this address with Hong Kong; the IPv6 database knows it is Denmark.
  assert.equal(lookup(run, '2a02:cf40::1')?.context_geo_country, 'DK');
  assert.equal(lookup(run, '2001:218::1')?.context_geo_country, 'JP');
  // An IPv4-mapped IPv6 address is its IPv4 address.
  assert.equal(lookup(run, '::ffff:81.2.69.142')?.context_geo_city, 'Bracknell');
});

test('geoip: private, loopback and unparseable addresses, and no address, give no fields', async () => {
  const run = await geoip.create({ locale: 'en' });
  for (const ip of ['10.0.0.1', '192.168.1.20', '127.0.0.1', '::1', 'fd12:3456::1', 'not-an-ip']) {
    assert.equal(lookup(run, ip), undefined, ip);
  }
  assert.equal(run(envelopeOf({}), { fields: {} }), undefined);
  // context.ip (what the client sent) wins over the collector's view.
  const fromContext = run(envelopeOf({ context: { ip: '128.101.101.101' } }, { ip: '10.0.0.1' }), {
    fields: {},
  });
  assert.equal(fromContext?.context_geo_city, 'Minneapolis');
});

test("geoip: MaxMind's own GeoLite2/GeoIP2 City record shape maps to the same columns", () => {
  // The record MaxMind's GeoIP2-City test database holds for 81.2.69.160 (abridged).
  const record = {
    city: { geoname_id: 2643743, names: { de: 'London', en: 'London', fr: 'Londres' } },
    country: { geoname_id: 2635167, iso_code: 'GB', names: { en: 'United Kingdom' } },
    location: { accuracy_radius: 10, latitude: 51.5142, longitude: -0.0931, time_zone: 'Europe/London' },
    postal: { code: 'EC2V' },
    subdivisions: [{ geoname_id: 6269131, iso_code: 'ENG', names: { en: 'England', fr: 'Angleterre' } }],
  };
  assert.deepEqual(geoFields(record, 'fr'), {
    context_geo_country: 'GB',
    context_geo_region: 'Angleterre',
    context_geo_city: 'Londres',
    context_geo_postal_code: 'EC2V',
    context_geo_latitude: 51.5142,
    context_geo_longitude: -0.0931,
    context_geo_timezone: 'Europe/London',
  });
  // A locale the record lacks falls back to English.
  assert.equal(geoFields(record, 'ja').context_geo_city, 'London');
});

test('geoip: databasePath overrides the bundled database; an IPv4-only one is never asked IPv6', async () => {
  const run = await geoip.create({ databasePath: BUNDLED_DATABASES.ipv4, locale: 'en' });
  assert.equal(lookup(run, '81.2.69.142')?.context_geo_city, 'Bracknell');
  assert.equal(lookup(run, '2a02:cf40::1'), undefined);
  const both = await geoip.create({
    databasePath: BUNDLED_DATABASES.ipv4,
    ipv6DatabasePath: BUNDLED_DATABASES.ipv6,
    locale: 'en',
  });
  assert.equal(lookup(both, '2a02:cf40::1')?.context_geo_country, 'DK');
});

test('geoip: a missing or corrupt database fails at start-up naming the path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'geoip-'));
  try {
    const corrupt = join(dir, 'corrupt.mmdb');
    await writeFile(corrupt, 'not a database');
    await assert.rejects(
      async () => geoip.create({ databasePath: join(dir, 'missing.mmdb'), locale: 'en' }),
      (error: Error) => {
        assert.match(error.message, /geoip: cannot open the database .*missing\.mmdb/);
        return true;
      },
    );
    await assert.rejects(
      async () => geoip.create({ databasePath: corrupt, locale: 'en' }),
      /geoip: cannot open the database .*corrupt\.mmdb/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
