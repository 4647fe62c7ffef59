/**
 * Property: whatever names and values the events of a batch carry, the transform gives every schema,
 * table and column a valid quoted identifier in both dialects, and rows that the schema plan, the DDL,
 * the merge and PostgreSQL's COPY text take (`loadable.ts`). Plus the edges the issue names, each as a
 * fixed case: NUL, lone surrogates, 1e400, 2^70, 64-deep nesting, 10,000 properties, names that collide
 * once snake_cased, reserved words. `collector-to-warehouse.property.test.ts` loads them for real.
 */
import { before, test } from 'node:test';
import fc from 'fast-check';
import { numRuns } from './arbitraries.js';
import { edgeCases } from './edge-cases.js';
import { envelopeBatch } from './envelopes.js';
import { loadableChecker, type LoadableChecker } from './loadable.js';

let checker: LoadableChecker;
before(async () => {
  checker = await loadableChecker();
});

test('any names and values give valid quoted identifiers and loadable rows, in both dialects', () => {
  fc.assert(
    fc.property(envelopeBatch, (envelopes) => {
      const decodable = envelopes.filter((text) => checker.decodes(text));
      if (decodable.length > 0) checker.check(decodable);
    }),
    { numRuns: numRuns(200) },
  );
});

for (const [name, envelopes] of Object.entries(edgeCases())) {
  test(`edge case: ${name}`, () => checker.check(envelopes));
}
