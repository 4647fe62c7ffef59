import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Envelope, EventType, SegmentEvent } from '@eventpipe/core';
import { postgresRules, redshiftRules } from '../schema/rules.js';
import { MAX_FLATTEN_DEPTH, transform } from './index.js';
import type { EnrichedEvent, TableBatch } from './types.js';

const RECEIVED = '2024-05-01T12:00:10.000Z';
let sequence = 0;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

function envelope(type: EventType, event: SegmentEvent, extra: Partial<Envelope> = {}): Envelope {
  return {
    v: 1,
    sourceId: 'web',
    type,
    messageId: event.messageId ?? `m-${++sequence}`,
    receivedAt: RECEIVED,
    event: { type, ...event },
    ...extra,
  };
}

function run(events: (Envelope | EnrichedEvent)[], rules = postgresRules) {
  return transform(
    events.map((e) => ('envelope' in e ? e : { envelope: e })),
    rules,
  );
}

function table(events: (Envelope | EnrichedEvent)[], name: string, rules = postgresRules): TableBatch {
  const found = run(events, rules)[0]?.tables.find((t) => t.table === name);
  assert.ok(found, `no table ${name}`);
  return found;
}

function types(batch: TableBatch): Record<string, string> {
  return Object.fromEntries(batch.columns.map((c) => [c.name, c.type]));
}

test('a track lands in tracks (common columns only) and in its event table (with properties)', () => {
  const e = envelope(
    'track',
    {
      messageId: 'm1',
      userId: 42,
      anonymousId: 'anon-1',
      event: 'Order Completed',
      properties: { 'Order ID': 'o-1', total: 9.5, items: [{ sku: 'a' }], user_id: 'spoofed' },
      context: { library: { name: 'analytics-node', version: '3.0.0' }, page: { url: 'https://x.test/' } },
    },
    { ip: '203.0.113.9', userAgent: 'curl/8' },
  );
  const [source] = run([e]);
  assert.equal(source!.schema, 'web');
  assert.deepEqual(
    source!.tables.map((t) => [t.table, t.mode]),
    [
      ['order_completed', 'append'],
      ['tracks', 'append'],
    ],
  );
  const [own, tracks] = source!.tables;
  assert.deepEqual(tracks!.rows[0], {
    id: 'm1',
    anonymous_id: 'anon-1',
    user_id: '42',
    event: 'order_completed',
    event_text: 'Order Completed',
    received_at: RECEIVED,
    timestamp: RECEIVED,
    context_ip: '203.0.113.9',
    context_library_name: 'analytics-node',
    context_library_version: '3.0.0',
    context_page_url: 'https://x.test/',
    context_user_agent: 'curl/8',
  });
  assert.deepEqual(own!.rows[0], {
    ...tracks!.rows[0],
    items: '[{"sku":"a"}]', // arrays as JSON text, as Segment stores them
    order_id: 'o-1',
    property_user_id: 'spoofed',
    total: 9.5,
  });
  assert.deepEqual(types(own!), {
    id: 'text',
    anonymous_id: 'text',
    user_id: 'text',
    event: 'text',
    event_text: 'text',
    received_at: 'timestamp',
    timestamp: 'timestamp',
    context_ip: 'text',
    context_library_name: 'text',
    context_library_version: 'text',
    context_page_url: 'text',
    context_user_agent: 'text',
    items: 'text',
    order_id: 'text',
    property_user_id: 'text',
    total: 'double',
  });
});

test('timestamp is corrected for client clock skew', () => {
  // The client's clock is 1 h ahead: it sent at 13:00:09 what happened at 13:00:00 (its time).
  const e = envelope('track', {
    event: 'x',
    timestamp: '2024-05-01T13:00:00.000Z',
    sentAt: '2024-05-01T13:00:09.000Z',
  });
  const row = table([e], 'tracks').rows[0]!;
  assert.equal(row.original_timestamp, '2024-05-01T13:00:00.000Z');
  assert.equal(row.sent_at, '2024-05-01T13:00:09.000Z');
  assert.equal(row.timestamp, '2024-05-01T12:00:01.000Z');
  // Without sentAt the client's timestamp is taken as given; the envelope's sentAt (batch) counts too.
  const noSent = envelope('track', { event: 'x', timestamp: '2024-05-01T11:00:00+01:00' });
  assert.equal(table([noSent], 'tracks').rows[0]!.timestamp, '2024-05-01T11:00:00+01:00');
  const batchSent = envelope(
    'track',
    { event: 'x', timestamp: '2024-05-01T12:00:00.000Z' },
    { sentAt: '2024-05-01T12:00:05.000Z' },
  );
  assert.equal(table([batchSent], 'tracks').rows[0]!.timestamp, '2024-05-01T12:00:05.000Z');
});

test('a time that is not a timestamp is kept in _rejected instead of turning the column into text', () => {
  const e = envelope('track', { event: 'x', timestamp: 'yesterday', sentAt: '2024-05-01T13:00:09.000Z' });
  const batch = table([e], 'tracks');
  const row = batch.rows[0]!;
  assert.equal(row.original_timestamp, undefined);
  assert.equal(row.timestamp, RECEIVED);
  assert.deepEqual(row._rejected, { original_timestamp: 'yesterday' });
  assert.equal(types(batch)._rejected, 'json');
});

test('batch context merges under the event context; the envelope ip and user agent fill gaps only', () => {
  const e = envelope(
    'page',
    { name: 'Home', context: { ip: '198.51.100.1', locale: 'de-DE', library: { version: '2' } } },
    {
      ip: '203.0.113.9',
      userAgent: 'UA',
      batchContext: { library: { name: 'lib', version: '1' }, locale: 'en' },
    },
  );
  const row = table([e], 'pages').rows[0]!;
  assert.equal(row.context_ip, '198.51.100.1');
  assert.equal(row.context_user_agent, 'UA');
  assert.equal(row.context_locale, 'de-DE');
  assert.equal(row.context_library_name, 'lib');
  assert.equal(row.context_library_version, '2');
  assert.equal(row.name, 'Home');
});

test('nested objects are flattened to every level; arrays are JSON text unless stored natively', () => {
  const e = envelope('track', {
    event: 'x',
    properties: { a: { b: 1, c: { d: { e: { f: 1 } } } }, tags: ['x', { y: 1 }], empty: {}, nothing: null },
  });
  const batch = table([e], 'x');
  const row = batch.rows[0]!;
  assert.equal(row.a_b, 1);
  assert.equal(row.a_c_d_e_f, 1);
  assert.equal(row.tags, '["x",{"y":1}]');
  assert.ok(!('empty' in row) && !('nothing' in row));
  assert.equal(types(batch).tags, 'text');

  // The per-pipeline setting: arrays in jsonb / SUPER.
  for (const rules of [postgresRules, redshiftRules]) {
    const native = table([e], 'x', { ...rules, arrays: 'native' });
    assert.deepEqual(native.rows[0]!.tags, ['x', { y: 1 }]);
    assert.equal(types(native).tags, 'json');
  }

  // Past MAX_FLATTEN_DEPTH (no column name can spell the path) an object is one value, JSON text.
  let deep: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < MAX_FLATTEN_DEPTH; i++) deep = { k: deep };
  const [deepRow] = table([envelope('track', { event: 'x', properties: { deep } })], 'x').rows;
  const [field] = Object.entries(deepRow!).filter(([key]) => key.startsWith('deep'));
  assert.ok(field);
  assert.equal(typeof field[1], 'string');
  assert.match(field[1] as string, /^\{"k":\{"leaf":1\}\}$|^\{"leaf":1\}$/, field[0]);
});

test('int → float → string across rows: the column stays a number, the string is marked for _rejected', () => {
  const events = [1, 2.5, 'three'].map((price) => envelope('track', { event: 'x', properties: { price } }));
  const batch = table(events, 'x');
  assert.deepEqual(
    batch.columns.find((c) => c.name === 'price'),
    { name: 'price', type: 'double', mixed: true },
  );
  assert.deepEqual(
    batch.rows.map((r) => r.price),
    [1, 2.5, 'three'],
  );
  assert.equal(types(table(events.slice(0, 2), 'x')).price, 'double');
});

test('lone UTF-16 surrogates become U+FFFD in every column, keys too, and are counted', () => {
  const half = '\uD83D'; // the first half of 😀
  const e = envelope('track', {
    event: 'x',
    userId: `u${half}`,
    properties: { title: `cut ${half}`, [`k${half}`]: 1, list: [`a\uDE00`], ok: '😀' },
  });
  const [source] = run([e]);
  const row = source!.tables.find((t) => t.table === 'x')!.rows[0]!;
  assert.equal(row.title, 'cut \uFFFD');
  assert.equal(row.user_id, 'u\uFFFD');
  assert.equal(row.list, '["a\uFFFD"]');
  assert.equal(row.ok, '😀', 'a whole pair is kept');
  // Three strings repaired; the key only names a column, and names keep ASCII letters and digits.
  assert.equal(source!.surrogatesReplaced, 3);
  assert.equal(row.k, 1);
  assert.ok(!/\\ud[89a-f]/i.test(JSON.stringify(source)), 'no lone surrogate escape left anywhere');
});

test('identify → identifies and users; users holds the latest traits per user within the batch', () => {
  const events = [
    envelope(
      'identify',
      {
        userId: 'u1',
        traits: { email: 'new@x.test', plan: 'pro' },
      },
      { receivedAt: '2024-05-01T12:00:02.000Z' },
    ),
    envelope(
      'identify',
      {
        userId: 'u1',
        traits: { email: 'old@x.test', name: 'Ann', user_id: 'dup' },
      },
      { receivedAt: '2024-05-01T12:00:01.000Z' },
    ),
    envelope('identify', { anonymousId: 'a', traits: { email: 'anon@x.test' } }),
  ];
  const identifies = table(events, 'identifies');
  assert.equal(identifies.rows.length, 3);
  assert.equal(identifies.rows[1]!.trait_user_id, 'dup');
  const users = table(events, 'users');
  assert.equal(users.mode, 'latest');
  const newer = `2024-05-01 12:00:02.000 ${sha256(events[0]!.messageId)}`;
  const older = `2024-05-01 12:00:01.000 ${sha256(events[1]!.messageId)}`;
  assert.deepEqual(users.rows, [
    {
      id: 'u1',
      received_at: '2024-05-01T12:00:02.000Z',
      _trait_versions: { email: newer, plan: newer, name: older, trait_user_id: older },
      email: 'new@x.test',
      name: 'Ann',
      plan: 'pro',
      trait_user_id: 'dup',
    },
  ]);
});

test('users: identifies of the same millisecond are ordered by message id, whatever the batch order', () => {
  const first = envelope('identify', { messageId: 'id-2', userId: 'u1', traits: { plan: 'free', a: 1 } });
  const second = envelope('identify', { messageId: 'id-1', userId: 'u1', traits: { plan: 'pro', b: null } });
  // SHA-256 of `id-1` (eb66…) sorts after that of `id-2` (d5d5…): `id-1`'s plan wins in either order.
  const expected = {
    id: 'u1',
    received_at: RECEIVED,
    _trait_versions: {
      plan: `${RECEIVED.replace('T', ' ').replace('Z', '')} eb66c623572f8a2a5167ce017dee0541`,
      a: `${RECEIVED.replace('T', ' ').replace('Z', '')} d5d5b1c80e944e2340db7bc056e06497`,
    },
    plan: 'pro',
    a: 1,
  };
  assert.deepEqual(table([first, second], 'users').rows, [expected]);
  assert.deepEqual(table([second, first], 'users').rows, [expected]);
});

test('common column types are fixed only in the tables where the column is common', () => {
  const events = [
    envelope('track', { event: 'x', properties: { name: 5, category: true } }),
    envelope('page', { name: 'Home', properties: { name: 5 } }),
  ];
  assert.equal(types(table(events, 'x')).name, 'bigint');
  assert.equal(types(table(events, 'x')).category, 'boolean');
  const pages = table(events, 'pages');
  assert.equal(types(pages).name, 'text');
  assert.equal(types(pages).property_name, 'bigint');
});

test('groups, aliases and screens', () => {
  const events = [
    envelope('group', { userId: 'u', groupId: 7, traits: { name: 'ACME', group_id: 'x' } }),
    envelope('alias', { userId: 'u', previousId: 'anon' }),
    envelope('screen', { userId: 'u', name: 'Home', category: 'Main', properties: { name: 'p' } }),
  ];
  const groups = table(events, 'groups').rows[0]!;
  assert.equal(groups.group_id, '7');
  assert.equal(groups.name, 'ACME');
  assert.equal(groups.trait_group_id, 'x');
  assert.equal(table(events, 'aliases').rows[0]!.previous_id, 'anon');
  const screen = table(events, 'screens').rows[0]!;
  assert.deepEqual([screen.name, screen.category, screen.property_name], ['Home', 'Main', 'p']);
});

test('NUL characters are stripped from values, keys and json; the rest of the string is kept', () => {
  const e = envelope(
    'track',
    {
      event: 'Sig\u0000nup',
      properties: { 'na\u0000me': 'A\u0000B', list: ['x\u0000y'] },
    },
    { userAgent: 'U\u0000A' },
  );
  const [source] = run([e]);
  const own = source!.tables.find((t) => t.table === 'signup')!;
  const row = own.rows[0]!;
  assert.equal(row.name, 'AB');
  assert.equal(row.list, '["xy"]');
  assert.equal(row.event_text, 'Signup');
  assert.equal(row.context_user_agent, 'UA');
  assert.ok(!JSON.stringify(source).includes('\\u0000'));
});

test('enrichments add columns, override raw ones, may clear them, and errors are recorded', () => {
  const e: EnrichedEvent = {
    envelope: envelope('track', { event: 'x', context: { ip: '203.0.113.9', locale: 'en' } }),
    enriched: { context_ip: '203.0.113.0', context_geo_country: 'DE', context_locale: null, id: 'evil' },
    enrichmentErrors: ['user-agent'],
  };
  const batch = table([e], 'x');
  const row = batch.rows[0]!;
  assert.equal(row.context_ip, '203.0.113.0');
  assert.equal(row.context_geo_country, 'DE');
  assert.ok(!('context_locale' in row));
  assert.notEqual(row.id, 'evil');
  assert.deepEqual(row._rejected, { id: 'evil' });
  assert.deepEqual(row._enrichment_errors, ['user-agent']);
  assert.equal(types(batch)._enrichment_errors, 'json');
  assert.ok(!('uuid_ts' in row), 'uuid_ts is set by the database');
});

test('enrichment keys naming one column apply in order, and a bad time goes to _rejected', () => {
  const sent = '2024-05-01T12:00:09.000Z';
  const e: EnrichedEvent = {
    envelope: envelope('track', { event: 'x', sentAt: sent, context: { ip: '203.0.113.9', locale: 'en' } }),
    enriched: {
      context_ip: '198.51.100.1',
      'Context IP': null, // the same column, later: cleared
      context_locale: null,
      'Context Locale': 'de', // the same column, later: set again
      sent_at: 'not a time',
    },
  };
  const row = table([e], 'x').rows[0]!;
  assert.ok(!('context_ip' in row));
  assert.equal(row.context_locale, 'de');
  assert.equal(row.sent_at, sent, 'the raw time stays');
  assert.deepEqual(row._rejected, { sent_at: 'not a time' });
});

test("aliases keeps its traits as columns, as Segment's aliases table does (aliases.email)", () => {
  const alias = envelope('alias', {
    userId: 'u',
    previousId: 'anon',
    traits: { email: 'ada@example.com', planName: 'pro', user_id: 'spoofed' },
  });
  const [row] = table([alias], 'aliases').rows;
  assert.equal(row!.previous_id, 'anon');
  assert.equal(row!.email, 'ada@example.com');
  assert.equal(row!.plan_name, 'pro');
  assert.equal(row!.user_id, 'u');
  assert.equal(row!.trait_user_id, 'spoofed');
});

test("users has Segment's columns: id, received_at, traits (and their versions) — no anonymous_id or event times", () => {
  const identify = envelope('identify', {
    userId: 'u',
    anonymousId: 'anon',
    sentAt: RECEIVED,
    traits: { email: 'ada@example.com' },
    context: { ip: '203.0.113.1' },
  });
  assert.deepEqual(
    table([identify], 'users').columns.map((c) => c.name),
    ['id', 'received_at', '_trait_versions', 'email'],
  );
  const identifies = table([identify], 'identifies').columns.map((c) => c.name);
  for (const name of [
    'id',
    'anonymous_id',
    'user_id',
    'received_at',
    'sent_at',
    'timestamp',
    'context_ip',
    'email',
  ]) {
    assert.ok(identifies.includes(name), name);
  }
});

test('"Order ID", orderId and order_id share the column order_id, whatever the batching', () => {
  const events = [
    envelope('track', { messageId: 'a', event: 'x', properties: { 'Order ID': 'o-1', total: 1 } }),
    envelope('track', { messageId: 'b', event: 'x', properties: { orderId: 'o-2' } }),
    envelope('track', { messageId: 'c', event: 'x', properties: { order_id: 'o-3', 'a.b': 1 } }),
    envelope('track', { messageId: 'd', event: 'x', properties: { a: { b: 2 } } }),
  ];
  const schemaOf = (batches: Envelope[][]) => {
    const columns = new Map<string, string>();
    const values = new Map<unknown, Record<string, unknown>>();
    for (const batch of batches) {
      const x = table(batch, 'x');
      for (const c of x.columns) columns.set(c.name, c.type);
      for (const row of x.rows) values.set(row.id, { order_id: row.order_id, a_b: row.a_b });
    }
    return { columns: [...columns].sort(), values: [...values].sort() };
  };
  const together = schemaOf([events]);
  assert.deepEqual(schemaOf(events.map((e) => [e])), together);
  assert.deepEqual(schemaOf([events.slice(0, 2), events.slice(2)]), together);
  assert.deepEqual(schemaOf([events.slice(0, 1), events.slice(1, 3), events.slice(3)]), together);
  assert.ok(
    together.columns.every(([name]) => !/_[0-9a-f]{8}$/.test(name)),
    'no hash-suffixed twin',
  );
  assert.deepEqual(together.values, [
    ['a', { order_id: 'o-1', a_b: undefined }],
    ['b', { order_id: 'o-2', a_b: undefined }],
    ['c', { order_id: 'o-3', a_b: 1 }],
    ['d', { order_id: undefined, a_b: 2 }],
  ]);
});

test('two keys of one event with one name: the key spelled as the name fills it, the other goes to _rejected', () => {
  const events = [
    envelope('track', {
      event: 'x',
      properties: { 'Order ID': 'spaced', order_id: 'plain', orderId: 'camel' },
    }),
    envelope('track', { event: 'x', properties: { orderId: 'camel', 'Order ID': 'spaced' } }),
  ];
  const [both, noPlain] = table(events, 'x').rows;
  assert.equal(both!.order_id, 'plain');
  assert.deepEqual(both!._rejected, { 'properties.Order ID': 'spaced', 'properties.orderId': 'camel' });
  // Without the key that is its own name: the smallest key (code-unit order) fills the column.
  assert.equal(noPlain!.order_id, 'spaced');
  assert.deepEqual(noPlain!._rejected, { 'properties.orderId': 'camel' });
});

test('a key that loses its column and holds NUL or half a surrogate pair is kept in _rejected under its escaped id', () => {
  // PostgreSQL's jsonb refuses both in a key, which would dead-letter the event (found by the property tests).
  const [row] = table(
    [envelope('track', { event: 'x', properties: { 'x\ud800': 'lone', x: 1, y: 2, 'y\u0000': 'nul' } })],
    'x',
  ).rows;
  const rejected = row!._rejected as Record<string, unknown>;
  for (const key of Object.keys(rejected)) {
    assert.doesNotMatch(key, /\0|[\ud800-\udfff]/, 'a storable key');
  }
  // Each pair: one value in the column, the other in `_rejected`, nothing lost.
  assert.deepEqual([row!.x, row!.y, ...Object.values(rejected)].sort(), [1, 2, 'lone', 'nul'].sort());
  assert.equal(rejected['["property","x\\ud800"]'], 'lone');
});

test('two keys that are one field once NUL is removed: one fills the column, the other is kept in _rejected', () => {
  const [row] = table([envelope('track', { event: 'x', properties: { ab: 1, 'a\u0000b': 2 } })], 'x').rows;
  assert.equal(row!.ab, 1);
  assert.deepEqual(row!._rejected, { 'properties.ab': 2 });
});

test('users: keys that share a name merge by time like one trait', () => {
  const older = envelope('identify', { userId: 'u', traits: { order_id: 'old' } });
  const newer = envelope(
    'identify',
    { userId: 'u', traits: { orderId: 'new' } },
    {
      receivedAt: '2024-05-01T12:00:20.000Z',
    },
  );
  for (const batch of [
    [older, newer],
    [newer, older],
  ]) {
    const [user] = table(batch, 'users').rows;
    assert.equal(user!.order_id, 'new');
    assert.equal(user!._rejected, undefined);
  }
});

test('names fit the dialect: long keys are cut with a hash, hostile keys become plain names', () => {
  const long = 'k'.repeat(300);
  const events = [envelope('track', { event: 'x', properties: { [long]: 'a', 'it"s; drop': 'b' } })];
  const names = table(events, 'x').columns.map((c) => c.name);
  assert.ok(names.includes('it_s_drop'));
  assert.ok(names.every((n) => n.length <= 63));
  assert.ok(table(events, 'x', redshiftRules).columns.some((c) => c.name.length === 127));
});

test('a track without an event name goes to tracks only; odd payloads are kept in _rejected', () => {
  const [source] = run([envelope('track', { properties: 'not an object' as never })]);
  assert.deepEqual(
    source!.tables.map((t) => t.table),
    ['tracks'],
  );
  const own = table([envelope('track', { event: 'x', properties: 'oops' as never })], 'x');
  assert.deepEqual(own.rows[0]!._rejected, { properties: 'oops' });
});

test('sources become schemas; output is deterministic', () => {
  const events = [
    envelope('track', { messageId: '1', event: 'B', properties: { z: 1, a: true } }),
    envelope('identify', { messageId: '2', userId: 'u', traits: { t: 'x' } }, { sourceId: 'Mobile App' }),
    envelope('track', { messageId: '3', event: 'A', properties: { a: 'str' } }),
  ];
  const first = run(events);
  assert.deepEqual(
    first.map((s) => [s.sourceId, s.schema, s.tables.map((t) => t.table)]),
    [
      ['Mobile App', 'mobile_app', ['identifies', 'users']],
      ['web', 'web', ['a', 'b', 'tracks']],
    ],
  );
  assert.equal(JSON.stringify(run(structuredClone(events))), JSON.stringify(first));
  // The envelopes are never edited.
  const copy = structuredClone(events);
  run(events);
  assert.deepEqual(events, copy);
});

test('nested objects: each with the column of its top-level key, its leaves in the row, and its displaced keys', () => {
  const e = envelope('identify', {
    userId: 'u1',
    traits: { address: { city: 'Oslo', geo: { lat: 59.9 } }, 'Order ID': 1, n: { 'Item ID': 1, item_id: 2 } },
    context: { page: { url: 'https://x.test/' } },
  });
  const identifies = table([{ envelope: e, enriched: { context_page_url: 'cleaned' } }], 'identifies');
  assert.deepEqual(identifies.nested?.objects(), [
    [
      // The enrichment fills `context_page_url`: that leaf is not the object's in the row.
      {
        column: 'address',
        value: { city: 'Oslo', geo: { lat: 59.9 } },
        leaves: ['address_city', 'address_geo_lat'],
        rejected: [],
      },
      {
        column: 'n',
        value: { 'Item ID': 1, item_id: 2 },
        leaves: ['n_item_id'],
        rejected: ['traits.n.Item ID'],
      },
    ],
  ]);
  // `users` rows are merged per column from several identifies: none of their objects is whole.
  assert.equal(table([e], 'users').nested, undefined);
});
