import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postgresRules, redshiftRules } from '../schema/index.js';
import { transform as transformEvents } from '../transform/index.js';
import { transform } from './transform.js';
import { envelope } from './test-fixtures.js';

test("transform makes rows per table under the warehouse's rules", () => {
  const events = [{ envelope: envelope('m1') }];
  const [source] = transform(events, postgresRules, transformEvents);
  assert.equal(source!.sourceId, 'web');
  const tracks = source!.tables.find((t) => t.table === 'tracks');
  assert.deepEqual(
    tracks?.rows.map((r) => r.id),
    ['m1'],
  );
  // The rules decide: Redshift's are passed through, not PostgreSQL's.
  const seen: string[] = [];
  transform(events, redshiftRules, (_events, rules) => {
    seen.push(rules.name);
    return [];
  });
  assert.deepEqual(seen, ['redshift']);
});
