/**
 * Property: whatever keys events carry, the columns of a table get valid Redshift identifiers —
 * quoted, at most 127 bytes, lower case — and each key's column depends on that key alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { redshiftRules } from '../../schema/index.js';
import { COMMON_COLUMNS, fieldId, resolveColumnNames } from '../../transform/index.js';
import { redshiftSql } from './sql.js';

const key = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    'select',
    'user',
    'id',
    'user_id',
    'received_at',
    'Order ID',
    'order_id',
    'a.b',
    '名前',
    'context_ip',
  ),
  fc.string({ unit: fc.constantFrom('a', 'B', '_', ' ', '.', '1', 'é'), maxLength: 300 }),
);
const field = fc.record({
  root: fc.constantFrom('property' as const, 'context' as const),
  path: fc.array(key, { minLength: 1, maxLength: 3 }),
});

test('every field of a table gets a valid, quoted identifier of at most 127 bytes, whatever the other keys', () => {
  fc.assert(
    fc.property(fc.array(field, { minLength: 1, maxLength: 40 }), (fields) => {
      const common = COMMON_COLUMNS.event;
      const names = resolveColumnNames(fields, common, redshiftRules.maxIdentifierBytes);
      const distinctIds = new Set(fields.map(fieldId));
      assert.equal(names.size, distinctIds.size);
      for (const id of distinctIds) {
        const name = names.get(id)!;
        assert.ok(Buffer.byteLength(name, 'utf8') <= 127, name);
        assert.match(name, /^[a-z0-9_]+$/);
        assert.equal(redshiftSql.quoteIdent(name), `"${name}"`);
        assert.ok(!common.has(name), `${name} is a common column`);
      }
      // A function of the key alone: each key alone gets the name it got among the others.
      for (const f of fields) {
        const alone = resolveColumnNames([f], common, redshiftRules.maxIdentifierBytes);
        assert.equal(alone.get(fieldId(f)), names.get(fieldId(f)));
      }
    }),
    { numRuns: 300 },
  );
});

test('quoteIdent never lets a name out unquoted: it quotes it exactly, or refuses it', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 140 }), (name) => {
      let quoted: string;
      try {
        quoted = redshiftSql.quoteIdent(name);
      } catch (error) {
        assert.equal((error as Error).name, 'InvalidIdentifierError');
        return;
      }
      assert.ok(quoted.startsWith('"') && quoted.endsWith('"'));
      assert.equal(quoted.slice(1, -1).replace(/""/g, '"'), name);
      assert.ok(!/(^|[^"])"([^"]|$)/.test(quoted.slice(1, -1)), 'no lone quote inside');
      assert.ok(Buffer.byteLength(name, 'utf8') <= 127 && name === name.toLowerCase());
    }),
    { numRuns: 1000 },
  );
});
