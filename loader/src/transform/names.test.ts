import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { COMMON_COLUMNS } from './columns.js';
import {
  eventTableName,
  fieldId,
  fitIdentifier,
  normalizeName,
  plainColumnName,
  preferredColumnName,
  resolveColumnNames,
  schemaName,
  type FieldKey,
} from './names.js';
import { RESERVED_WORDS } from './reserved.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const commons = COMMON_COLUMNS.event;

function prop(...path: string[]): FieldKey {
  return { root: 'property', path };
}

/** Names of `keys` (top-level properties) in one table, in the order given. */
function namesOf(keys: FieldKey[], maxBytes = 63): string[] {
  const names = resolveColumnNames(keys, commons, maxBytes);
  return keys.map((key) => names.get(fieldId(key))!);
}

test('snake_case as in the warehouse schema document', () => {
  assert.equal(normalizeName('Order ID'), 'order_id');
  assert.equal(normalizeName('productSKU'), 'product_sku');
  assert.equal(normalizeName('a.b'), 'a_b');
  assert.equal(normalizeName('HTMLParser'), 'html_parser');
  assert.equal(normalizeName('  Total  (USD) '), 'total_usd');
  assert.deepEqual(namesOf([prop('a', 'b')]), ['a_b']);
});

test('characters outside [a-z0-9_] become _, accents are dropped, a leading digit gets _', () => {
  assert.equal(normalizeName('prénom'), 'prenom');
  assert.equal(normalizeName('Größe'), 'gro_e');
  assert.deepEqual(namesOf([prop('1st place')]), ['_1st_place']);
  assert.equal(eventTableName('2fa Enabled', 63), '_2fa_enabled');
});

test('a name without any ASCII letter or digit gets a stable hash name, different per key', () => {
  const [a, b] = namesOf([prop('名前'), prop('価格')]);
  assert.match(a!, /^_[0-9a-f]{8}$/);
  assert.match(b!, /^_[0-9a-f]{8}$/);
  assert.notEqual(a, b);
  assert.deepEqual(namesOf([prop('名前')]), [a]);
});

test('a 300-character key is cut to the limit with a hash suffix, and two such keys stay apart', () => {
  const long = 'x'.repeat(300);
  const [a, b] = namesOf([prop(long), prop(`${long}y`)]);
  assert.equal(a!.length, 63);
  assert.equal(b!.length, 63);
  assert.notEqual(a, b);
  assert.match(a!, /^x{54}_[0-9a-f]{8}$/);
  assert.equal(namesOf([prop(long)], 127)[0]!.length, 127);
  assert.equal(fitIdentifier('short', 63), 'short');
});

test('a key with quotes and semicolons becomes a plain identifier', () => {
  assert.deepEqual(namesOf([prop(`name"; DROP TABLE users; --`)]), ['name_drop_table_users']);
  assert.deepEqual(namesOf([prop(`it's`)]), ['it_s']);
});

test('properties named like common columns or reserved words are prefixed, not dropped', () => {
  assert.deepEqual(namesOf([prop('user_id'), prop('id'), prop('select'), prop('User'), prop('event')]), [
    'property_user_id',
    'property_id',
    'property_select',
    'property_user',
    'property_event',
  ]);
  const trait = preferredColumnName({ root: 'trait', path: ['received_at'] }, COMMON_COLUMNS.identifies, 63);
  assert.equal(trait, 'trait_received_at');
  // The context namespace belongs to context and enrichment columns.
  assert.deepEqual(namesOf([prop('context_ip')]), ['property_context_ip']);
  // `name` is common in pages but an ordinary property of a track event.
  assert.deepEqual(namesOf([prop('name')]), ['name']);
  assert.equal(preferredColumnName(prop('name'), COMMON_COLUMNS.pages, 63), 'property_name');
});

test('context fields are named context_*', () => {
  const names = resolveColumnNames([{ root: 'context', path: ['page', 'url'] }], commons, 63);
  assert.deepEqual([...names.values()], ['context_page_url']);
});

test('colliding keys: the key that is its own name keeps it, the others get a stable hash of their key', () => {
  const [plain, spaced, dotted] = namesOf([prop('order_id'), prop('Order ID'), prop('order.id')]);
  assert.equal(plain, 'order_id');
  assert.match(spaced!, /^order_id_[0-9a-f]{8}$/);
  assert.match(dotted!, /^order_id_[0-9a-f]{8}$/);
  assert.notEqual(spaced, dotted);
  // Same answer whatever the order in which the keys arrive, and in a batch with other keys.
  assert.deepEqual(namesOf([prop('order.id'), prop('Order ID'), prop('order_id')]), [dotted, spaced, plain]);
  assert.deepEqual(namesOf([prop('zzz'), prop('Order ID'), prop('order_id')]).slice(1), [spaced, plain]);
  // Nested {a: {b}} is its own name; the key "a.b" is not.
  const [nested, flat] = namesOf([prop('a', 'b'), prop('a.b')]);
  assert.equal(nested, 'a_b');
  assert.match(flat!, /^a_b_[0-9a-f]{8}$/);
  // The literal key `property_user_id` keeps that name; `user_id` moves aside.
  const [literal, prefixed] = namesOf([prop('property_user_id'), prop('user_id')]);
  assert.equal(literal, 'property_user_id');
  assert.match(prefixed!, /^property_user_id_[0-9a-f]{8}$/);
});

test('event tables: snake_case, standard table names and reserved words prefixed', () => {
  assert.equal(eventTableName('Order Completed', 63), 'order_completed');
  assert.equal(eventTableName('users', 63), 'event_users');
  assert.equal(eventTableName('Tracks', 63), 'event_tracks');
  assert.equal(eventTableName('Select', 63), 'event_select');
  assert.equal(eventTableName('é'.repeat(200), 127).length, 127);
});

test('schema names avoid system schemas', () => {
  assert.equal(schemaName('web-app', 63), 'web_app');
  assert.equal(schemaName('pg_stuff', 63), 'source_pg_stuff');
  assert.equal(schemaName('information_schema', 63), 'source_information_schema');
  assert.equal(schemaName('_eventpipe', 63), 'eventpipe');
});

test('enrichment field names are kept when already valid', () => {
  assert.equal(plainColumnName('context_user_agent_browser_name', 63), 'context_user_agent_browser_name');
  assert.equal(plainColumnName('Geo City', 63), 'geo_city');
});

for (const maxBytes of [63, 127]) {
  test(`property: any keys give valid, distinct identifiers of at most ${maxBytes} bytes`, () => {
    const key = fc.oneof(
      fc.string({ maxLength: 300, unit: 'grapheme' }),
      fc.string({ maxLength: 40 }),
      fc.constantFrom('user_id', 'Order ID', 'order_id', 'order.id', 'select', 'context_ip', '', '1', '_'),
    );
    const path = fc.array(key, { minLength: 1, maxLength: 3 });
    const fields = fc.uniqueArray(
      fc.record({ root: fc.constantFrom<FieldKey['root']>('context', 'property'), path }),
      { selector: fieldId, maxLength: 30 },
    );
    fc.assert(
      fc.property(fields, (keys) => {
        const names = resolveColumnNames(keys, commons, maxBytes);
        const values = [...names.values()];
        assert.equal(names.size, keys.length);
        assert.equal(new Set(values).size, values.length, 'two keys share a column');
        for (const name of values) {
          assert.match(name, IDENTIFIER);
          assert.ok(Buffer.byteLength(name) <= maxBytes, name);
          assert.ok(!commons.has(name), `${name} is a common column`);
          assert.ok(!RESERVED_WORDS.has(name), `${name} is reserved`);
        }
        // Deterministic: the same keys in another order give the same names.
        assert.deepEqual(resolveColumnNames([...keys].reverse(), commons, maxBytes), names);
      }),
      { numRuns: 300 },
    );
  });
}
