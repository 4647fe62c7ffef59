/**
 * The property tests' integration run, with real parts: hostile requests over HTTP to a collector in
 * front of a real nats-server, every answer checked against the contract, then everything the stream
 * holds loaded into a real PostgreSQL through the loader's decode → enrich → transform → load; and the
 * transform's edge cases and a sample of its property's batches loaded the same way. Every row
 * produced must be in its table afterwards. Smaller than the in-process runs: real I/O costs more.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createLogger, decodeEnvelope } from '@eventpipe/core';
import {
  createEnricher,
  DEFAULT_ENRICHMENTS,
  postgresDialect,
  transform,
  type Enricher,
} from '@eventpipe/loader/internal';
import { startHarness, type Harness } from '../collector/harness.js';
import { usePostgresWarehouse } from '../load/harness.js';
import { numRuns } from './arbitraries.js';
import { describeRequest, hostileRequest } from './collector-input.js';
import { edgeCases } from './edge-cases.js';
import { envelopeBatch } from './envelopes.js';

const suite = usePostgresWarehouse();
let harness: Harness;
let enrich: Enricher;
let batches = 0;

before(async () => {
  harness = await startHarness();
  enrich = await createEnricher(DEFAULT_ENRICHMENTS, createLogger('test', 'silent'));
});
after(() => harness?.close());

/** Loads envelope texts as the loader would, then checks every row produced is in its table. */
async function loadAll(payloads: readonly string[]) {
  const envelopes = payloads.map((payload) => {
    const decoded = decodeEnvelope(Buffer.from(payload));
    assert.ok(decoded.ok, payload.slice(0, 300));
    return decoded.envelope;
  });
  const sources = transform(enrich(envelopes), suite.warehouse.rules);
  const batchId = `properties-${++batches}`;
  await suite.warehouse.load({ batchId, firstSequence: batches, lastSequence: batches, sources });
  for (const source of sources) {
    for (const table of source.tables) {
      const ids = [...new Set(table.rows.map((row) => row.id as string))];
      const name = `${postgresDialect.quoteIdent(source.schema)}.${postgresDialect.quoteIdent(table.table)}`;
      const { rows } = await suite.db.query(`SELECT count(*)::int AS n FROM ${name} WHERE id = ANY($1)`, [
        ids,
      ]);
      assert.equal(rows[0].n, ids.length, `rows of ${name}`);
    }
  }
}

test('hostile requests over HTTP: 200 or a 4xx with a message, and what NATS stored loads into PostgreSQL', async () => {
  const statuses: number[] = [];
  await fc.assert(
    fc.asyncProperty(hostileRequest, async (request) => {
      const response = await fetch(new URL(request.url, harness.collector.url), {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      statuses.push(response.status);
      const context = `${response.status} ${text.slice(0, 300)} for ${describeRequest(request)}`;
      assert.ok(response.status === 200 || (response.status >= 400 && response.status < 500), context);
      if (response.status !== 200) {
        const { error } = JSON.parse(text) as { error?: unknown };
        assert.ok(typeof error === 'string' && error.length > 0, context);
      }
    }),
    { numRuns: numRuns(60) },
  );
  const stored = await harness.stored();
  assert.ok(stored.length > 0, `nothing accepted: ${statuses.join(' ')}`);
  await loadAll(stored.map((s) => s.payload));
});

test("the transform's edge cases load into PostgreSQL", async (t) => {
  for (const [name, envelopes] of Object.entries(edgeCases())) {
    await t.test(name, () => loadAll(envelopes));
  }
});

test("a sample of the transform property's batches loads into PostgreSQL", async () => {
  for (const envelopes of fc.sample(envelopeBatch, numRuns(15))) {
    await loadAll(envelopes.filter((text) => decodeEnvelope(Buffer.from(text)).ok));
  }
});
