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

const IDENTIFIER = /^[a-z0-9_]+$/;
const commons = COMMON_COLUMNS.event;

function prop(...path: string[]): FieldKey {
  return { root: 'property', path };
}

/** Names of `keys` (top-level properties) in one table, in the order given. */
function namesOf(keys: FieldKey[], maxBytes = 63): string[] {
  const names = resolveColumnNames(keys, commons, maxBytes);
  return keys.map((key) => names.get(fieldId(key))!);
}

/** `segmentio/go-snakecase`'s own test table (snake_test.go): Segment names are its output. */
const GO_SNAKECASE_CASES: [string, string][] = [
  ['sample text', 'sample_text'],
  ['sample-text', 'sample_text'],
  ['sample_text', 'sample_text'],
  ['sample___text', 'sample_text'],
  ['sampleText', 'sample_text'],
  ['inviteYourCustomersAddInvites', 'invite_your_customers_add_invites'],
  ['sample 2 Text', 'sample_2_text'],
  ['   sample   2    Text   ', 'sample_2_text'],
  ['   $#$sample   2    Text   ', 'sample_2_text'],
  ['SAMPLE 2 TEXT', 'sample_2_text'],
  ['___$$Base64Encode', 'base64_encode'],
  ['FOO:BAR$BAZ', 'foo_bar_baz'],
  ['FOO#BAR#BAZ', 'foo_bar_baz'],
  ['something.com', 'something_com'],
  ['$something%', 'something'],
  ['•¶§ƒ˚foo˙∆˚¬', 'foo'],
  ['CStringRef', 'cstring_ref'],
];

/** The names issue 17 lists, as Segment's warehouses spell them (checked against go-snakecase's rules). */
const SEGMENT_SPELLINGS: [string, string][] = [
  ['APIKeyCreated', 'apikey_created'],
  ['IPAddress', 'ipaddress'],
  ['HTMLParser', 'htmlparser'],
  ['productSKUs', 'product_skus'],
  ['iOSVersion', 'i_osversion'],
  ['utm2Source', 'utm_2source'],
  ['Prénom Défini', 'pr_nom_d_fini'],
  ['Order ID', 'order_id'],
  ['orderId', 'order_id'],
  ['productSKU', 'product_sku'],
  ['a.b', 'a_b'],
  ['  Total  (USD) ', 'total_usd'],
];

test("snake_case is Segment's: go-snakecase's test table", () => {
  for (const [raw, expected] of GO_SNAKECASE_CASES) assert.equal(normalizeName(raw), expected, raw);
});

test("snake_case is Segment's: its spelling of acronyms, digits and non-ASCII letters", () => {
  for (const [raw, expected] of SEGMENT_SPELLINGS) {
    assert.equal(normalizeName(raw), expected, raw);
    assert.deepEqual(namesOf([prop(raw)]), [expected], raw);
    assert.equal(eventTableName(raw, 63), expected, raw);
  }
  // Nested keys are joined with `_` and then snake-cased, like the flattened key Segment converts.
  assert.deepEqual(namesOf([prop('shipping', 'postCode')]), ['shipping_post_code']);
  assert.deepEqual(
    [...resolveColumnNames([{ root: 'context', path: ['userAgentData', 'mobile'] }], commons, 63).values()],
    ['context_user_agent_data_mobile'],
  );
});

test("go-snakecase's quirks are kept: a name already in snake_case, or led by one underscore, is unchanged", () => {
  assert.equal(normalizeName('_private'), '_private');
  assert.equal(normalizeName('__private'), 'private');
  assert.equal(normalizeName('abc2'), 'abc2');
  assert.equal(normalizeName('abc2 x'), 'abc_2_x');
  assert.equal(normalizeName('Größe'), 'gr_e');
});

test('a leading digit stays, as in Segment: the name is valid quoted, and every identifier is quoted', () => {
  assert.equal(normalizeName('2FA Enabled'), '2fa_enabled');
  assert.deepEqual(namesOf([prop('2FA Enabled')]), ['2fa_enabled']);
  assert.equal(eventTableName('2FA Enabled', 63), '2fa_enabled');
  assert.deepEqual(namesOf([prop('1st place')]), ['1st_place']);
});

test('a name without any ASCII letter or digit (Segment: no column) gets a stable hash name, different per key', () => {
  assert.equal(normalizeName('名前'), '');
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
  assert.deepEqual(namesOf([prop('x"y')]), ['x_y']);
});

test('reserved words get a leading _, as in Segment (_open, _order), in every table kind', () => {
  assert.deepEqual(namesOf([prop('open'), prop('order'), prop('select'), prop('User')]), [
    '_open',
    '_order',
    '_select',
    '_user',
  ]);
  assert.equal(
    preferredColumnName({ root: 'trait', path: ['Group'] }, COMMON_COLUMNS.identifies, 63),
    '_group',
  );
  assert.equal(eventTableName('Open', 63), '_open');
  assert.equal(eventTableName('Select', 63), '_select');
});

test('properties named like common columns are prefixed, not dropped (Segment would lose one of the two)', () => {
  assert.deepEqual(namesOf([prop('user_id'), prop('id'), prop('event')]), [
    'property_user_id',
    'property_id',
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

test("a key's column is a function of the key alone: keys that snake-case alike share it, as in Segment", () => {
  const keys = [prop('order_id'), prop('Order ID'), prop('orderId'), prop('order.id'), prop('order', 'id')];
  assert.deepEqual(namesOf(keys), ['order_id', 'order_id', 'order_id', 'order_id', 'order_id']);
  for (const key of keys) assert.deepEqual(namesOf([key, prop('zzz')]).slice(0, 1), ['order_id']);
  // The literal key `property_user_id` and the prefixed `user_id` share a column too.
  assert.deepEqual(namesOf([prop('property_user_id'), prop('user_id')]), [
    'property_user_id',
    'property_user_id',
  ]);
});

test('event tables: snake_case; a standard table name gets event_ (Segment would mix it into that table)', () => {
  assert.equal(eventTableName('Order Completed', 63), 'order_completed');
  assert.equal(eventTableName('users', 63), 'event_users');
  assert.equal(eventTableName('Tracks', 63), 'event_tracks');
  assert.equal(eventTableName('Long Name '.repeat(30), 127).length, 127);
  assert.match(eventTableName('é'.repeat(200), 127), /^_[0-9a-f]{8}$/);
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
  test(`property: any keys give valid identifiers of at most ${maxBytes} bytes, each a function of its key`, () => {
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
        for (const name of values) {
          assert.match(name, IDENTIFIER);
          assert.ok(Buffer.byteLength(name) <= maxBytes, name);
          assert.ok(!commons.has(name), `${name} is a common column`);
          assert.ok(!RESERVED_WORDS.has(name), `${name} is reserved`);
        }
        // A function of the key alone: the same name without the other keys of the batch.
        for (const key of keys) {
          assert.equal(names.get(fieldId(key)), preferredColumnName(key, commons, maxBytes));
          assert.deepEqual(
            [...resolveColumnNames([key], commons, maxBytes).values()],
            [names.get(fieldId(key))],
          );
        }
      }),
      { numRuns: 300 },
    );
  });
}
