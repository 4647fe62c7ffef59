/**
 * Values and types from the loader's decode to the PostgreSQL column, against a real PostgreSQL:
 * envelopes are decoded from JSON text as they arrive from NATS (the client's digits in the number
 * literals), transformed, planned and loaded, and every assertion reads the stored value back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEnvelope } from '@eventpipe/core';
import { postgresRules, transform, type DialectRules, type LoadBatch } from '@eventpipe/loader/internal';
import { anotherWarehouse, usePostgresWarehouse } from './harness.js';

const suite = usePostgresWarehouse();
let sequence = 0;

/**
 * An envelope exactly as it travels through JetStream: JSON text, `properties` spliced in as written
 * (so number literals keep the digits the client sent), decoded the way the loader decodes it.
 */
function decoded(sourceId: string, event: string, propertiesJson: string, extra = '') {
  const id = `m-${++sequence}`;
  const at = new Date(Date.UTC(2024, 4, 1, 10, 0, sequence)).toISOString();
  const text =
    `{"v":1,"sourceId":"${sourceId}","type":"track","messageId":"${id}","receivedAt":"${at}",` +
    `"event":{"type":"track","messageId":"${id}","event":"${event}"${extra},"properties":${propertiesJson}}}`;
  const result = decodeEnvelope(Buffer.from(text));
  assert.ok(result.ok, text);
  return result.envelope;
}

function batchOf(
  batchId: string,
  envelopes: ReturnType<typeof decoded>[],
  rules: DialectRules = postgresRules,
): LoadBatch {
  const sources = transform(
    envelopes.map((envelope) => ({ envelope })),
    rules,
  );
  return { batchId, firstSequence: 1, lastSequence: envelopes.length, sources };
}

async function rows(sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  return (await suite.db.query(sql, values)).rows;
}

async function columnTypes(schema: string, table: string): Promise<Record<string, string>> {
  const found = await rows(
    'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
    [schema, table],
  );
  return Object.fromEntries(found.map((r) => [r.column_name, r.data_type]));
}

test('numbers are stored with the digits the client sent: int64 in bigint, beyond in numeric', async () => {
  const event = decoded(
    'nums',
    'Paid',
    '{"account":1234567890123456789,"big":18446744073709551616,"huge":1e400,"precise":0.1000000000000000000001,' +
      '"plain":42,"list":[12345678901234567891,1.5]}',
    ',"userId":9007199254740993',
  );
  const result = await suite.warehouse.load(batchOf('nums-1', [event]));
  assert.deepEqual(result.rejectedByTable, {});
  const types = await columnTypes('nums', 'paid');
  assert.deepEqual(
    [types.account, types.big, types.huge, types.precise, types.plain, types.list, types.user_id],
    ['bigint', 'numeric', 'numeric', 'numeric', 'bigint', 'text', 'text'],
  );
  const [row] = await rows(
    'SELECT account::text, big::text, huge::text, precise::text, plain, list, user_id FROM nums.paid',
  );
  assert.deepEqual(row, {
    account: '1234567890123456789',
    big: '18446744073709551616',
    huge: '1' + '0'.repeat(400),
    precise: '0.1000000000000000000001',
    plain: '42',
    list: '[12345678901234567891,1.5]',
    user_id: '9007199254740993', // a numeric user id stays that user, not ...992
  });

  // A later double and a later integer past int64 widen the bigint column to numeric, exactly.
  const later = decoded('nums', 'Paid', '{"account":99999999999999999999,"plain":2.25}');
  const second = await suite.warehouse.load(batchOf('nums-2', [later]));
  assert.ok(
    second.migrations.includes(
      'ALTER TABLE "nums"."paid" ALTER COLUMN "account" TYPE numeric USING "account"::numeric',
    ),
  );
  const stored = await rows('SELECT account::text, plain::text FROM nums.paid ORDER BY received_at');
  assert.deepEqual(
    stored.map((r) => [r.account, r.plain]),
    [
      ['1234567890123456789', '42'],
      ['99999999999999999999', '2.25'],
    ],
  );
});

test('a number no numeric holds is kept in _rejected as its literal, and the batch loads', async () => {
  const event = decoded('far', 'Far', '{"n":1e200000,"list":[1e200000]}', ',"context":1e200000');
  const result = await suite.warehouse.load(batchOf('far-1', [event]));
  assert.deepEqual(result.rejectedByTable, { 'far.far': 2, 'far.tracks': 1 });
  const [row] = await rows('SELECT list, _rejected FROM far.far');
  assert.deepEqual(row, { list: '[1e200000]', _rejected: { n: '1e200000', context: '1e200000' } });
});

test('a double column widens to numeric from its shortest text, never rounded to 15 digits', async () => {
  await suite.warehouse.load(batchOf('dbl-1', [decoded('dbl', 'Measured', '{"x":0.30000000000000004}')]));
  assert.equal((await columnTypes('dbl', 'measured')).x, 'double precision');
  await suite.warehouse.load(batchOf('dbl-2', [decoded('dbl', 'Measured', '{"x":12345678901234567890123}')]));
  assert.equal((await columnTypes('dbl', 'measured')).x, 'numeric');
  const stored = await rows('SELECT x::text FROM dbl.measured ORDER BY received_at');
  assert.deepEqual(
    stored.map((r) => r.x),
    ['0.30000000000000004', '12345678901234567890123'],
  );
});

test('lone surrogates load as U+FFFD in text and jsonb columns alike; the event is never refused', async () => {
  const half = '\\ud83d'; // JSON escape of half an emoji, as a truncating client sends it
  const events = [
    decoded('sur', 'Typed', `{"title":"cut ${half}","list":["a${half}"],"ok":"\\ud83d\\ude00","count":1}`),
    // A value of another type keeps its surrogate inside `_rejected` (jsonb).
    decoded('sur', 'Typed', `{"title":1,"n":"x${half}","count":"x${half}"}`),
  ];
  const nativeRules: DialectRules = { ...postgresRules, arrays: 'native' };
  const native = anotherWarehouse(suite, 'native');
  try {
    const [first, second] = [batchOf('sur-1', [events[0]!]), batchOf('sur-2', [events[1]!])];
    await suite.warehouse.load(first);
    await suite.warehouse.load(second);
    assert.equal(first.sources[0]!.surrogatesReplaced, 2);
    const stored = await rows(
      'SELECT title, list, ok, n, count, _rejected FROM sur.typed ORDER BY received_at',
    );
    assert.deepEqual(stored, [
      { title: 'cut \uFFFD', list: '["a\uFFFD"]', ok: '😀', n: null, count: '1', _rejected: null },
      { title: '1', list: null, ok: null, n: 'x\uFFFD', count: null, _rejected: { count: 'x\uFFFD' } },
    ]);
    // Arrays stored natively (jsonb): the same replacement.
    await native.load(
      batchOf(
        'sur-3',
        [decoded('surn', 'Typed', `{"list":["a${half}"],"deep":{"k":"${half}"}}`)],
        nativeRules,
      ),
    );
    assert.deepEqual(await rows('SELECT list, deep_k FROM surn.typed'), [
      { list: ['a\uFFFD'], deep_k: '\uFFFD' },
    ]);
    assert.equal((await columnTypes('surn', 'typed')).list, 'jsonb');
  } finally {
    await native.close();
  }
});

test('timestamps load normalised to UTC with microseconds; ones that cannot be exact stay text', async () => {
  const event = decoded(
    'ts',
    'Booked',
    '{"at":"2024-05-01T12:34:56.123456+0530","micros":"2024-05-01T00:00:00.1234560Z","nanos":"2024-05-01T12:34:56.123456789Z"}',
    ',"timestamp":"2024-05-01T12:34:56.654321-02:00","sentAt":"2024-05-01T12:34:56.654321-02:00"',
  );
  await suite.warehouse.load(batchOf('ts-1', [event]));
  const types = await columnTypes('ts', 'booked');
  assert.deepEqual(
    [types.at, types.micros, types.nanos],
    ['timestamp with time zone', 'timestamp with time zone', 'text'],
  );
  const [row] = await rows(
    `SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS at,` +
      ` to_char(micros AT TIME ZONE 'UTC', 'HH24:MI:SS.US') AS micros, nanos,` +
      ` to_char(original_timestamp AT TIME ZONE 'UTC', 'HH24:MI:SS.US') AS original FROM ts.booked`,
  );
  assert.deepEqual(row, {
    at: '2024-05-01T07:04:56.123456',
    micros: '00:00:00.123456',
    nanos: '2024-05-01T12:34:56.123456789Z',
    original: '14:34:56.654321',
  });
});

test('columns created by hand keep their exact type and limits; an unsupported one is refused by name', async () => {
  await suite.warehouse.load(batchOf('hand-0', [decoded('hand', 'Made', '{"seed":1}')]));
  await suite.db.query(
    'ALTER TABLE hand.made ADD COLUMN small integer, ADD COLUMN price numeric(6,2), ADD COLUMN code varchar(3),' +
      ' ADD COLUMN label character varying',
  );
  const result = await suite.warehouse.load(
    batchOf('hand-1', [
      decoded('hand', 'Made', '{"small":7,"price":12.5,"code":"abc","label":"x"}'),
      decoded('hand', 'Made', '{"small":3000000000,"price":12.345,"code":"abcd","label":"y"}'),
    ]),
  );
  assert.deepEqual(result.migrations, ['ALTER TABLE "hand"."made" ADD COLUMN "_rejected" jsonb']);
  assert.deepEqual(result.rejectedByTable, { 'hand.made': 3 });
  const types = await columnTypes('hand', 'made');
  assert.deepEqual([types.small, types.price, types.code], ['integer', 'numeric', 'character varying']);
  const stored = await rows(
    'SELECT small, price::text, code, label, _rejected FROM hand.made WHERE seed IS NULL ORDER BY received_at',
  );
  assert.deepEqual(stored, [
    { small: 7, price: '12.50', code: 'abc', label: 'x', _rejected: null },
    {
      small: null,
      price: null,
      code: null,
      label: 'y',
      _rejected: { small: 3000000000, price: 12.345, code: 'abcd' },
    },
  ]);

  await suite.db.query('ALTER TABLE hand.made ADD COLUMN born date, ADD COLUMN ratio real');
  // A batch without values for them loads; one with values is refused, naming the column.
  await suite.warehouse.load(batchOf('hand-2', [decoded('hand', 'Made', '{"seed":2}')]));
  await assert.rejects(
    suite.warehouse.load(batchOf('hand-3', [decoded('hand', 'Made', '{"ratio":0.1}')])),
    /column "made"\."ratio" has type real/,
  );
});

test('an event with more values than a PostgreSQL row holds loads, the values past it kept in _rejected', async () => {
  // 1,500 numbers and 300 booleans: about 21 KiB of JSON, under the collector's 32 KiB per event, but
  // 12 KiB of fixed-width values, past the 8,160 bytes of a heap tuple (found by the property tests).
  const names = [
    ...Array.from({ length: 1500 }, (_, i) => [`n${i}`, i * 1001] as const),
    ...Array.from({ length: 300 }, (_, i) => [`b${i}`, i % 2 === 0] as const),
  ];
  const properties = JSON.stringify(Object.fromEntries(names));
  assert.ok(properties.length < 32 * 1024);
  const result = await suite.warehouse.load(batchOf('wide-1', [decoded('wide', 'Wide', properties)]));
  const kept = result.rejectedByTable['wide.wide'] ?? 0;
  assert.ok(kept > 0 && kept < names.length, `${kept} values in _rejected`);
  const [row] = await rows('SELECT to_jsonb(w) AS row FROM wide.wide w');
  const stored = row!.row as Record<string, unknown>;
  const rejected = stored._rejected as Record<string, unknown>;
  // Every value is in its column or in _rejected, exactly once.
  for (const [name, value] of names) {
    const inColumn = stored[name] !== undefined && stored[name] !== null;
    assert.equal(inColumn ? stored[name] : rejected[name], value, name);
    assert.ok(!(inColumn && name in rejected), `${name} twice`);
  }
});

test('past the column budget an object is kept whole in the column of its key: JSON text, or jsonb with arrays: native', async () => {
  // 1,590 flags leave 3 of the 1,593 slots a new event table has for properties: the cart's 5 leaves
  // do not fit, its one column does, and the scalar after it takes another slot.
  const flags = Object.fromEntries(Array.from({ length: 1590 }, (_, i) => [`f${i}`, i % 2 === 0]));
  const cart =
    '{"id":12345678901234567891,"ratio":0.1000000000000000000001,"items":[{"sku":"a","qty":2}],' +
    '"coupon":{"code":"X","note":null},"tags":[]}';
  const properties = `${JSON.stringify(flags).slice(0, -1)},"cart":${cart},"after":1}`;
  const native = anotherWarehouse(suite, 'native');
  try {
    const nativeRules: DialectRules = { ...postgresRules, arrays: 'native' };
    for (const [source, warehouse, rules] of [
      ['budtext', suite.warehouse, postgresRules],
      ['budnative', native, nativeRules],
    ] as const) {
      const result = await warehouse.load(
        batchOf(`${source}-1`, [decoded(source, 'Wide', properties)], rules),
      );
      assert.deepEqual(result.rejectedByTable, {}, source);
      const types = await columnTypes(source, 'wide');
      assert.equal(types.cart, rules.arrays === 'native' ? 'jsonb' : 'text');
      assert.ok(!Object.keys(types).some((name) => name.startsWith('cart_')));
      const [row] = await rows(
        `SELECT cart::text AS text, cart::jsonb @> $1::jsonb AND $1::jsonb @> cart::jsonb AS same,` +
          ` cart::jsonb->'coupon'->>'code' AS code, after, f1589 FROM ${source}.wide`,
        [cart],
      );
      assert.deepEqual(row, {
        // JSON text is the client's own text; jsonb holds the same content (its own key order).
        text: rules.arrays === 'native' ? row!.text : cart,
        same: true,
        code: 'X',
        after: '1',
        f1589: false,
      });
    }
  } finally {
    await native.close();
  }
});
