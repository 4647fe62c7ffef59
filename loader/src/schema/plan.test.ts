import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ColumnType, DialectRules, Row, TableBatch } from '../transform/types.js';
import { COMMON_COLUMNS } from '../transform/columns.js';
import { inferColumns } from '../transform/table.js';
import { isLosslessNumber, parseJson } from '@eventpipe/core';
import { planTable, UnsupportedColumnError, type ExistingColumn, type Migration } from './plan.js';
import { postgresRules, redshiftRules } from './rules.js';

/** A batch of `rows` for table `t`, typed the way the transform types it. */
function batch(rows: Row[], table = 't'): TableBatch {
  return { table, mode: 'append', columns: inferColumns(rows, COMMON_COLUMNS.event, postgresRules), rows };
}

function existing(columns: Record<string, ExistingColumn>): Map<string, ExistingColumn> {
  return new Map(Object.entries({ id: 'text', uuid_ts: 'timestamp', ...columns }));
}

/** Table state after applying `migrations`, as a warehouse would report it. */
function apply(
  state: Map<string, ExistingColumn> | undefined,
  migrations: Migration[],
): Map<string, ExistingColumn> {
  const next = new Map(state ?? []);
  for (const m of migrations) {
    if (m.kind === 'create-table') {
      next.set('uuid_ts', 'timestamp');
      for (const c of m.columns) next.set(c.name, c.type);
    } else if (m.kind === 'add-column') next.set(m.column.name, m.column.type);
    else if (m.kind === 'widen-column') next.set(m.column, m.to);
  }
  return next;
}

const types = (b: TableBatch): Record<string, ColumnType> =>
  Object.fromEntries(b.columns.map((c) => [c.name, c.type]));

test('a missing table is created with the batch columns; a value of another family goes to _rejected', () => {
  const plan = planTable(
    undefined,
    batch([
      { id: 'a', n: 1, s: 'x' },
      { id: 'b', n: 'two', s: 2 },
    ]),
    postgresRules,
  );
  assert.deepEqual(plan.migrations, [
    {
      kind: 'create-table',
      table: 't',
      mode: 'append',
      columns: [
        { name: 'id', type: 'text', maxBytes: 1 },
        { name: 'n', type: 'bigint' },
        { name: 's', type: 'text', maxBytes: 1 },
        { name: '_rejected', type: 'json' },
      ],
    },
  ]);
  // The first value's family wins, as in Segment; a number in a text column is stored as its text.
  assert.deepEqual(plan.batch.rows, [
    { id: 'a', n: 1, s: 'x' },
    { id: 'b', s: '2', _rejected: { n: 'two' } },
  ]);
  assert.equal(plan.rejectedValues, 1);
});

test('rows that need no change are loaded as they are; changed rows are rebuilt, not edited', () => {
  const rows: Row[] = [
    { z: 1, n: 2, id: 'a' },
    { z: 'x', n: 3, id: 'b', gone: null },
  ];
  const input = batch(rows);
  const plan = planTable(existing({ z: 'bigint', n: 'bigint' }), input, redshiftRules);
  assert.equal(plan.batch.rows[0], rows[0], 'an unchanged row is not copied');
  assert.notEqual(plan.batch.rows[1], rows[1]);
  // Rebuilt rows keep their own key order, `_rejected` last, and drop null values.
  assert.equal(JSON.stringify(plan.batch.rows[1]), '{"n":3,"id":"b","_rejected":{"z":"x"}}');
  assert.deepEqual(rows[1], { z: 'x', n: 3, id: 'b', gone: null }, 'the input row is untouched');
  assert.deepEqual(
    plan.batch.columns.map((c) => c.name),
    ['id', 'n', 'z', '_rejected'],
  );
});

test('a new column is added; unchanged columns plan nothing', () => {
  const plan = planTable(existing({ n: 'bigint' }), batch([{ id: 'a', n: 1, flag: true }]), postgresRules);
  assert.deepEqual(plan.migrations, [
    { kind: 'add-column', table: 't', column: { name: 'flag', type: 'boolean' } },
  ]);
  assert.deepEqual(plan.batch.rows, [{ id: 'a', n: 1, flag: true }]);
});

test('PostgreSQL: int → float → string across an existing table widens to numeric, never to text', () => {
  let state: Map<string, ExistingColumn> | undefined;
  const loaded: unknown[] = [];
  let rejected = 0;
  for (const price of [1, 2.5, 'three']) {
    const plan = planTable(state, batch([{ id: String(price), price }]), postgresRules);
    state = apply(state, plan.migrations);
    loaded.push(plan.batch.rows[0]!.price ?? plan.batch.rows[0]!._rejected);
    rejected += plan.rejectedValues;
  }
  assert.equal(state!.get('price'), 'numeric', 'SUM(price) keeps working');
  assert.deepEqual(
    loaded.map((v) => (isLosslessNumber(v) ? `numeric ${v.value}` : v)),
    [1, 'numeric 2.5', { price: 'three' }],
  );
  assert.equal(rejected, 1);
  const second = planTable(existing({ price: 'bigint' }), batch([{ id: 'x', price: 2.5 }]), postgresRules);
  assert.deepEqual(second.migrations, [
    { kind: 'widen-column', table: 't', column: 'price', from: 'bigint', to: 'numeric' },
  ]);
  // A wider existing column takes narrower values as they are (cast to text for a text column).
  const narrower = planTable(existing({ price: 'text' }), batch([{ id: 'y', price: 3 }]), postgresRules);
  assert.deepEqual(narrower.migrations, []);
  assert.deepEqual(narrower.batch.rows[0], { id: 'y', price: '3' });
  assert.equal(types(narrower.batch).price, 'text');
  // A double column takes integers as they are; no widening, nothing rejected.
  const ints = planTable(existing({ price: 'double' }), batch([{ id: 'z', price: 3 }]), postgresRules);
  assert.deepEqual(
    [ints.migrations, ints.batch.rows[0], ints.rejectedValues],
    [[], { id: 'z', price: 3 }, 0],
  );
});

test('no column widens to text: booleans, timestamps and numbers keep their type, strays are rejected', () => {
  for (const [type, value] of [
    ['boolean', 'yes'],
    ['timestamp', 'tomorrow'],
    ['bigint', 'lots'],
    ['double', true],
  ] as const) {
    for (const rules of [postgresRules, redshiftRules]) {
      const plan = planTable(existing({ c: type }), batch([{ id: 'a', c: value }]), rules);
      assert.deepEqual(plan.migrations, [
        { kind: 'add-column', table: 't', column: { name: '_rejected', type: 'json' } },
      ]);
      assert.deepEqual(plan.batch.rows, [{ id: 'a', _rejected: { c: value } }], `${type} ${rules.name}`);
      assert.equal(plan.rejectedValues, 1);
    }
  }
});

test('exact numbers: past int64 in numeric / DECIMAL(38,0), never rounded into a double', () => {
  const rows = parseJson(
    '[{"id":"a","n":18446744073709551616},{"id":"b","n":3},{"id":"c","n":1e400},{"id":"d","n":0.5}]',
  ) as Row[];
  const pg = planTable(undefined, batch(rows), postgresRules);
  assert.equal(types(pg.batch).n, 'numeric');
  assert.deepEqual(
    pg.batch.rows.map((r) => String(r.n)),
    ['18446744073709551616', '3', '1' + '0'.repeat(400), '0.5'],
  );
  assert.equal(pg.rejectedValues, 0);
  // Redshift: DECIMAL(38,0) holds the integers of up to 38 digits; 1e400 and 0.5 fit no type of it
  // exactly (a DOUBLE PRECISION would round 2^64 + 0 … and cannot hold 1e400).
  const rs = planTable(undefined, batch(rows.slice(0, 3)), redshiftRules);
  assert.equal(types(rs.batch).n, 'numeric');
  assert.deepEqual(
    rs.batch.rows.map((r) => (r.n === undefined ? r._rejected : String(r.n))),
    ['18446744073709551616', '3', { n: '1e400' }], // SUPER holds no such number: its literal,
  );
  // An existing double column refuses an integer it would round; PostgreSQL widens it to numeric.
  const big = parseJson('[{"id":"e","n":9007199254740993}]') as Row[];
  const widened = planTable(existing({ n: 'double' }), batch(big), postgresRules);
  assert.deepEqual(widened.migrations, [
    { kind: 'widen-column', table: 't', column: 'n', from: 'double', to: 'numeric' },
  ]);
  assert.equal(String(widened.batch.rows[0]!.n), '9007199254740993');
  const kept = planTable(existing({ n: 'double' }), batch(big), redshiftRules);
  assert.deepEqual(kept.batch.rows[0], { id: 'e', _rejected: { n: big[0]!.n } });
  assert.equal(kept.rejectedValues, 1);
  // A bigint column holds every int64 exactly, spelled plainly for the COPY.
  const int64 = planTable(
    existing({ n: 'bigint' }),
    batch(parseJson('[{"id":"f","n":1234567890123456789}]') as Row[]),
    redshiftRules,
  );
  assert.deepEqual([int64.migrations, String(int64.batch.rows[0]!.n)], [[], '1234567890123456789']);
});

test('hand-made narrower columns keep their limits; an unsupported type is refused naming the column', () => {
  const plan = planTable(
    existing({
      small: { type: 'bigint', maxInteger: 32767 },
      money: { type: 'numeric', numeric: { maxIntegerDigits: 3, maxFractionDigits: 2 } },
      code: { type: 'text', maxChars: 3 },
    }),
    batch([
      { id: 'a', small: 7, money: 1.25, code: 'abc' },
      { id: 'b', small: 40000, money: 1.255, code: 'abcd' },
    ]),
    postgresRules,
  );
  assert.deepEqual(plan.migrations, [
    { kind: 'add-column', table: 't', column: { name: '_rejected', type: 'json' } },
  ]);
  assert.deepEqual(
    plan.batch.rows.map((r) => ({ ...r, money: r.money === undefined ? undefined : String(r.money) })),
    [
      { id: 'a', small: 7, money: '1.25', code: 'abc' },
      { id: 'b', money: undefined, _rejected: { small: 40000, money: 1.255, code: 'abcd' } },
    ],
  );
  assert.throws(
    () =>
      planTable(
        existing({ born: { unsupported: 'date' } }),
        batch([{ id: 'a', born: '2024-01-01' }]),
        postgresRules,
      ),
    (error: Error) =>
      error instanceof UnsupportedColumnError && /"t"\."born" has type date/.test(error.message),
  );
  // A batch without values for it loads.
  assert.doesNotThrow(() =>
    planTable(existing({ born: { unsupported: 'date' } }), batch([{ id: 'a' }]), postgresRules),
  );
});

test('Redshift: a type it cannot widen keeps the column; only the values that do not fit go to _rejected', () => {
  const plan = planTable(
    existing({ price: 'bigint' }),
    batch([
      { id: 'a', price: 1 },
      { id: 'b', price: 2.5 },
    ]),
    redshiftRules,
  );
  assert.deepEqual(plan.migrations, [
    { kind: 'add-column', table: 't', column: { name: '_rejected', type: 'json' } },
  ]);
  assert.deepEqual(plan.batch.rows, [
    { id: 'a', price: 1 },
    { id: 'b', _rejected: { price: 2.5 } },
  ]);
  assert.equal(types(plan.batch).price, 'bigint');
});

test('scalar columns are not widened to json: arrays that meet a number column are rejected', () => {
  const plan = planTable(
    existing({ tags: 'bigint', _rejected: 'json' }),
    batch([
      { id: 'a', tags: ['x'] },
      { id: 'b', tags: 5 },
    ]),
    postgresRules,
  );
  assert.deepEqual(plan.migrations, []);
  assert.deepEqual(plan.batch.rows, [
    { id: 'a', _rejected: { tags: ['x'] } },
    { id: 'b', tags: 5 },
  ]);
  const json = planTable(existing({ tags: 'json' }), batch([{ id: 'c', tags: 'plain' }]), postgresRules);
  assert.deepEqual(json.batch.rows, [{ id: 'c', tags: 'plain' }]);
});

test('columns past the column budget go to _rejected, and a slot stays free for it', () => {
  const rules: DialectRules = { ...postgresRules, maxColumns: 5 };
  // id + uuid_ts + a + b exist: one slot left, kept for `_rejected`.
  const plan = planTable(
    existing({ a: 'bigint', b: 'bigint' }),
    batch([{ id: '1', a: 1, c: 3, d: 'x' }]),
    rules,
  );
  assert.deepEqual(plan.migrations, [
    { kind: 'add-column', table: 't', column: { name: '_rejected', type: 'json' } },
  ]);
  assert.deepEqual(plan.batch.rows, [{ id: '1', a: 1, _rejected: { c: 3, d: 'x' } }]);
  // A new table spends one slot on uuid_ts and keeps one for `_rejected`.
  const fresh = planTable(undefined, batch([{ id: '1', a: 1, b: 2, c: 3, d: 4 }]), rules);
  const created = fresh.migrations[0];
  assert.equal(created?.kind, 'create-table');
  assert.deepEqual(created.kind === 'create-table' && created.columns.map((c) => c.name), [
    'id',
    'a',
    'b',
    '_rejected',
  ]);
  assert.deepEqual(fresh.batch.rows[0], { id: '1', a: 1, b: 2, _rejected: { c: 3, d: 4 } });
});

test('Redshift text: longer than the column → widen-varchar; longer than 65535 bytes → _rejected', () => {
  const long = 'é'.repeat(200); // 400 bytes
  const huge = 'x'.repeat(70_000);
  const plan = planTable(
    existing({ note: { type: 'text', maxBytes: 256 }, _rejected: 'json' }),
    batch([
      { id: 'a', note: long },
      { id: 'b', note: huge },
    ]),
    redshiftRules,
  );
  assert.deepEqual(plan.migrations, [
    { kind: 'widen-varchar', table: 't', column: 'note', fromBytes: 256, maxBytes: 400 },
  ]);
  assert.deepEqual(plan.batch.rows[1], { id: 'b', _rejected: { note: huge } });
  assert.equal(plan.batch.columns.find((c) => c.name === 'note')!.maxBytes, 400);
  // PostgreSQL text has no such limit.
  assert.equal(
    planTable(undefined, batch([{ id: 'b', note: huge }]), postgresRules).batch.rows[0]!.note,
    huge,
  );
});

test('what the transform already rejected is kept and merged', () => {
  const rows = [{ id: 'a', n: [1], _rejected: { original_timestamp: 'yesterday' } }];
  const plan = planTable(existing({ n: 'bigint' }), batch(rows), redshiftRules);
  assert.deepEqual(plan.batch.rows, [{ id: 'a', _rejected: { original_timestamp: 'yesterday', n: [1] } }]);
  assert.deepEqual(
    plan.migrations.map((m) => m.kind),
    ['add-column'],
  );
});

test('planning is deterministic and leaves its input untouched', () => {
  const input = batch([
    { id: 'a', n: 1.5, s: 'x' },
    { id: 'b', n: 'y' },
  ]);
  const copy = structuredClone(input);
  const state = existing({ n: 'bigint' });
  const first = planTable(state, input, redshiftRules);
  assert.deepEqual(planTable(state, input, redshiftRules), first);
  assert.deepEqual(input, copy);
});

test('a row is returned as it is when nothing changes, copied with its keys when only forms change, rebuilt when it loses a value', () => {
  const same = { id: 'a', at: '2024-05-01T12:34:56.123456Z', n: 1 };
  const reformed = { id: 'b', at: '2024-05-01T12:34:56.123Z', n: 2, _rejected: { x: 1 } };
  const rebuilt = { id: 'c', at: '2024-05-01T12:34:56.1Z', n: 'lots', s: null };
  const input = batch([same, reformed, rebuilt]);
  const copy = structuredClone(input);
  const [first, second, third] = planTable(existing({ at: 'timestamp', n: 'bigint' }), input, postgresRules)
    .batch.rows;
  assert.equal(first, same);
  assert.notEqual(second, reformed);
  assert.deepEqual(Object.entries(second!), [
    ['id', 'b'],
    ['at', '2024-05-01T12:34:56.123000Z'],
    ['n', 2],
    ['_rejected', { x: 1 }],
  ]);
  assert.deepEqual(Object.entries(third!), [
    ['id', 'c'],
    ['at', '2024-05-01T12:34:56.100000Z'],
    ['_rejected', { n: 'lots' }],
  ]);
  assert.deepEqual(input, copy);
});

test('PostgreSQL: values past what a heap tuple holds go to _rejected, the first ones in the row stay', () => {
  const values = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`n${i}`, i]));
  const row = { id: '1', ...values };
  const plan = planTable(undefined, batch([row]), postgresRules);
  const placed = plan.batch.rows[0]!;
  const rejected = placed._rejected as Record<string, unknown>;
  const kept = Object.keys(placed).filter((name) => name.startsWith('n'));
  // 8,160 bytes of tuple: about 980 bigints fit beside the header, `_rejected` and `uuid_ts`.
  assert.ok(kept.length > 900 && kept.length < 1000, `${kept.length} kept`);
  assert.equal(kept.length + Object.keys(rejected).length, 1500);
  assert.deepEqual(kept, Object.keys(values).slice(0, kept.length));
  assert.equal(plan.rejectedValues, 1500 - kept.length);
  // Columns none of whose values were placed are not created.
  assert.equal(plan.batch.columns.length, kept.length + 2);

  // Redshift has no such limit: every value has its column (1,600 columns allowed).
  const redshift = planTable(undefined, batch([row]), redshiftRules);
  assert.equal(redshift.batch.rows[0]!._rejected, undefined);

  // A narrower row (200 values of any kind) cannot reach the limit and is not counted: left as it is.
  const narrow = {
    id: '1',
    ...Object.fromEntries(Array.from({ length: 199 }, (_, i) => [`t${i}`, 'x'.repeat(40)])),
  };
  assert.equal(planTable(undefined, batch([narrow]), postgresRules).batch.rows[0], narrow);
});
