import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJson, type Envelope } from '@eventpipe/core';
import { transform } from '../transform/index.js';
import type { DialectRules, TableBatch } from '../transform/types.js';
import { fitColumnBudget } from './budget.js';
import { planTable, type ExistingColumn } from './plan.js';
import { postgresRules } from './rules.js';

let sequence = 0;

/** The `purchase` event table of tracks with these properties (JSON text, decoded as the loader does). */
function orders(propertiesJson: string[], rules: DialectRules = postgresRules): TableBatch {
  const events = propertiesJson.map((json) => {
    const id = `m-${++sequence}`;
    const envelope: Envelope = {
      v: 1,
      sourceId: 'web',
      type: 'track',
      messageId: id,
      receivedAt: '2024-05-01T12:00:00.000Z',
      event: { type: 'track', messageId: id, event: 'Purchase', properties: parseJson(json) as never },
    };
    return { envelope };
  });
  return transform(events, rules)[0]!.tables.find((t) => t.table === 'purchase')!;
}

/** The columns a new `order` table has before any property: id, received_at, timestamp, event, event_text, uuid_ts. */
const BASE = 6;
/** Rules whose budget leaves `free` columns for properties, besides the one kept for `_rejected`. */
const budget = (free: number, arrays: DialectRules['arrays'] = 'text'): DialectRules => ({
  ...postgresRules,
  maxColumns: BASE + 1 + free,
  arrays,
});

const stored = (batch: TableBatch) =>
  batch.rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).filter(([name]) => !['id', 'received_at', 'timestamp'].includes(name)),
    ),
  );

test('every new column fits: the batch is returned as it is', () => {
  const batch = orders(['{"a":1,"cart":{"x":1,"y":2}}']);
  const fit = fitColumnBudget(new Set(), batch, 100, postgresRules);
  assert.equal(fit.batch, batch);
  assert.ok(fit.added.has('cart_x') && fit.added.has('cart_y') && fit.added.has('a'));
});

test('an object whose leaves cannot all have columns is kept whole, as sent, in the column of its key', () => {
  const properties =
    '{"a":1,"cart":{"total":12.50,"items":[{"sku":"x"}],"note":null,"meta":{"deep":{"n":1}}},"z":2}';
  const plan = planTable(undefined, orders([properties]), budget(2));
  assert.deepEqual(stored(plan.batch), [
    {
      event: 'purchase',
      event_text: 'Purchase',
      a: 1,
      // The same content: a number a double holds exactly is written as JavaScript writes it.
      cart: '{"total":12.5,"items":[{"sku":"x"}],"note":null,"meta":{"deep":{"n":1}}}',
      // Both slots are spent (`a`, `cart`): the scalar after them has none.
      _rejected: { z: 2 },
    },
  ]);
  assert.equal(plan.rejectedValues, 1);
  const cart = plan.batch.columns.find((c) => c.name === 'cart');
  assert.equal(cart?.type, 'text');
  assert.ok(!plan.batch.columns.some((c) => c.name.startsWith('cart_')));
});

test('with native arrays the object is stored as json, its numbers exact', () => {
  const plan = planTable(
    undefined,
    orders(['{"cart":{"a":1,"b":12345678901234567891}}'], budget(1, 'native')),
    budget(1, 'native'),
  );
  const cart = plan.batch.rows[0]!.cart as Record<string, unknown>;
  assert.equal(plan.batch.columns.find((c) => c.name === 'cart')?.type, 'json');
  assert.equal(cart.a, 1);
  assert.equal(String(cart.b), '12345678901234567891');
});

test('an object whose leaves fit is flattened; later rows keep it whole only where a leaf is new', () => {
  const rules = budget(3);
  const plan = planTable(
    undefined,
    orders(['{"cart":{"a":1,"b":2}}', '{"cart":{"a":3,"c":{"d":4,"e":5}}}', '{"cart":{"b":6}}'], rules),
    rules,
  );
  assert.deepEqual(
    stored(plan.batch).map(({ event: _e, event_text: _t, ...rest }) => rest),
    [{ cart_a: 1, cart_b: 2 }, { cart: '{"a":3,"c":{"d":4,"e":5}}' }, { cart_b: 6 }],
  );
  assert.equal(plan.rejectedValues, 0);
});

test('when even the object column cannot be added, its leaves get columns while they last', () => {
  const rules = budget(2);
  const plan = planTable(undefined, orders(['{"a":1,"b":2,"cart":{"x":1,"y":2}}'], rules), rules);
  assert.deepEqual(plan.batch.rows[0]!._rejected, { cart_x: 1, cart_y: 2 });
  // A row holding another value under the object's column name keeps its leaves flat too.
  const rules3 = budget(3);
  const other = planTable(undefined, orders(['{"Cart":"c","cart":{"x":1,"y":2,"z":3}}'], rules3), rules3);
  assert.equal(other.batch.rows[0]!.cart, 'c');
  assert.deepEqual(other.batch.rows[0]!._rejected, { cart_z: 3 });
});

test('two keys of the object that share a column are inside the object, not also in _rejected', () => {
  const rules = budget(1);
  const plan = planTable(undefined, orders(['{"cart":{"Item ID":1,"item_id":2,"more":3}}'], rules), rules);
  assert.deepEqual(plan.batch.rows[0]!.cart, '{"Item ID":1,"item_id":2,"more":3}');
  assert.equal(plan.batch.rows[0]!._rejected, undefined);
  assert.equal(plan.rejectedValues, 0);
});

test('the same events give the same columns and rows in one batch or one batch each', () => {
  const rules = budget(4);
  const events = [
    '{"a":1,"cart":{"x":1}}',
    '{"cart":{"x":2,"y":{"p":1,"q":2}},"b":"x"}',
    '{"z":1,"cart":{"y":{"p":3}},"list":[1,2]}',
    '{"c":true,"cart":{"w":1}}',
  ];
  const whole = planTable(undefined, orders(events, rules), rules);
  let state: Map<string, ExistingColumn> | undefined;
  const rows: unknown[] = [];
  for (const event of events) {
    const plan = planTable(state, orders([event], rules), rules);
    for (const m of plan.migrations) {
      state ??= new Map([['uuid_ts', 'timestamp']]);
      const added = m.kind === 'create-table' ? m.columns : m.kind === 'add-column' ? [m.column] : [];
      for (const c of added) state.set(c.name, c.type);
    }
    rows.push(...stored(plan.batch));
  }
  assert.deepEqual(
    [...state!.keys()].filter((n) => n !== 'uuid_ts').sort(),
    whole.batch.columns.map((c) => c.name).sort(),
  );
  assert.deepEqual(rows, stored(whole.batch));
});
