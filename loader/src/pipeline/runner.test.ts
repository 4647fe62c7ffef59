/**
 * The runner's decisions (retry, split, dead-letter, ack, abandon) with in-memory stand-ins for the
 * warehouse and S3; the real servers are exercised by test/src/loader and test/src/e2e.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@eventpipe/core';
import { makeBatch } from '../batch.js';
import type { DeadLetter, LoadBatch, LoadResult, Warehouse } from '../load/warehouse.js';
import type { EnrichedEvent, SourceBatch } from '../transform/types.js';
import { createLoaderMetrics } from './metrics.js';
import { createPipeline, type PipelineDeps } from './runner.js';
import { delivery, envelope, Rejected, isPermanent } from './test-fixtures.js';

/** A warehouse that keeps ids in memory, rejects ids starting with "poison", and can be "down". */
class MemoryWarehouse implements Warehouse {
  readonly rules = {
    name: 'postgres' as const,
    maxIdentifierBytes: 63,
    maxColumns: 1600,
    canWiden: () => true,
    numeric: { maxIntegerDigits: 131072, maxFractionDigits: 16383 },
    arrays: 'text' as const,
  };
  readonly ids: string[] = [];
  readonly batches = new Set<string>();
  readonly deadLetters: DeadLetter[] = [];
  loads = 0;
  downFor = 0;
  isPermanentError = isPermanent;
  async init() {}
  async load(batch: LoadBatch): Promise<LoadResult> {
    this.loads++;
    if (this.downFor > 0) {
      this.downFor--;
      throw new Error('connect ECONNREFUSED');
    }
    const ids = batch.sources.flatMap((s) => s.tables.flatMap((t) => t.rows.map((r) => String(r.id))));
    if (ids.some((id) => id.startsWith('poison'))) throw new Rejected('invalid input syntax');
    if (this.batches.has(batch.batchId))
      return { alreadyLoaded: true, rowsByTable: {}, rejectedByTable: {}, migrations: [] };
    this.batches.add(batch.batchId);
    this.ids.push(...ids);
    // As the real flow reports it: the values each table's rows keep in `_rejected`.
    const rejectedByTable: Record<string, number> = {};
    for (const { schema, tables } of batch.sources) {
      for (const { table, rows } of tables) {
        const values = rows.reduce(
          (n, r) => n + Object.keys((r._rejected as object | undefined) ?? {}).length,
          0,
        );
        if (values > 0) rejectedByTable[`${schema}.${table}`] = values;
      }
    }
    return {
      alreadyLoaded: false,
      rowsByTable: { 'web.tracks': ids.length },
      rejectedByTable,
      migrations: [],
    };
  }
  async deadLetter(entries: DeadLetter[]) {
    this.deadLetters.push(...entries);
  }
  async close() {}
}

function transform(events: EnrichedEvent[]): SourceBatch[] {
  const rows = events.map((e) => ({ id: e.envelope.messageId }));
  return [
    {
      sourceId: 'web',
      schema: 'web',
      tables: [{ table: 'tracks', mode: 'append', columns: [{ name: 'id', type: 'text' }], rows }],
    },
  ];
}

function setup(overrides: Partial<PipelineDeps> = {}) {
  const warehouse = new MemoryWarehouse();
  const staged: string[] = [];
  const checkpoints: string[] = [];
  const metrics = createLoaderMetrics();
  const deps: PipelineDeps = {
    log: createLogger('test', 'silent'),
    warehouse,
    stager: {
      stageRaw: async (id, groups) => {
        staged.push(...groups.map((g) => `raw:${id}:${g.lines.length}`));
        return [];
      },
      stageRows: async (id) => {
        staged.push(`rows:${id}`);
        return {};
      },
    },
    stageRowFiles: true,
    enrich: (envelopes) => envelopes.map((e) => ({ envelope: e })),
    transform,
    flush: async () => {},
    metrics,
    retry: { baseMs: 5, maxMs: 20 },
    maxDeliver: 5,
    keepAliveMs: 5,
    checkpoint: (at) => checkpoints.push(at),
    ...overrides,
  };
  return { warehouse, staged, checkpoints, metrics, pipeline: createPipeline(deps) };
}

test('a clean batch is staged raw, loaded once, then acked', async () => {
  const { warehouse, staged, checkpoints, pipeline } = setup();
  const deliveries = [1, 2, 3].map((seq) => delivery(seq, envelope(`m${seq}`)));
  const batch = makeBatch(deliveries);
  assert.equal(await pipeline.process(batch, new AbortController().signal), 'loaded');
  assert.deepEqual(warehouse.ids, ['m1', 'm2', 'm3']);
  assert.deepEqual(staged, [`raw:${batch.id}:3`, `rows:${batch.id}`]);
  assert.deepEqual(checkpoints, ['after-stage', 'after-commit']);
  for (const d of deliveries)
    assert.deepEqual(
      d.calls.filter((c) => c !== 'working'),
      ['ack'],
    );
});

test('without loader.stageRowFiles no row file is written, and the batch loads the same', async () => {
  const { warehouse, staged, pipeline } = setup({ stageRowFiles: false });
  const batch = makeBatch([1, 2].map((seq) => delivery(seq, envelope(`m${seq}`))));
  assert.equal(await pipeline.process(batch, new AbortController().signal), 'loaded');
  assert.deepEqual(warehouse.ids, ['m1', 'm2']);
  assert.deepEqual(staged, [`raw:${batch.id}:2`]);
});

test('poison messages are isolated by splitting: the rest loads, they are dead-lettered, all acked', async () => {
  const { warehouse, pipeline } = setup();
  const ids = Array.from({ length: 16 }, (_, i) => (i === 5 || i === 12 ? `poison${i}` : `m${i}`));
  const deliveries = ids.map((id, i) => delivery(i + 1, envelope(id)));
  assert.equal(await pipeline.process(makeBatch(deliveries), new AbortController().signal), 'loaded');
  assert.deepEqual([...warehouse.ids].sort(), ids.filter((id) => !id.startsWith('poison')).sort());
  assert.deepEqual(
    warehouse.deadLetters.map((d) => [d.messageId, d.streamSequence]),
    [
      ['poison5', 6],
      ['poison12', 13],
    ],
  );
  assert.match(warehouse.deadLetters[0]!.reason, /^load: invalid input syntax/);
  assert.ok(warehouse.loads <= 2 * 2 * Math.log2(16) + 1, `bisect took ${warehouse.loads} loads`);
  for (const d of deliveries) assert.ok(d.calls.includes('ack'));
});

test('a transient failure retries the whole batch with backoff and acks only after it loads', async () => {
  const { warehouse, pipeline } = setup();
  warehouse.downFor = 3;
  const deliveries = [delivery(1, envelope('m1')), delivery(2, envelope('m2'))];
  assert.equal(await pipeline.process(makeBatch(deliveries), new AbortController().signal), 'loaded');
  assert.equal(warehouse.loads, 4);
  assert.deepEqual(warehouse.ids, ['m1', 'm2']);
  assert.equal(deliveries[0]!.calls.filter((c) => c === 'ack').length, 1);
  assert.ok(deliveries[0]!.calls.includes('working'), 'ack deadline extended while retrying');
});

test('shutdown while the warehouse is down abandons the batch unacked, for the caller to hand back', async () => {
  const { warehouse, pipeline } = setup();
  warehouse.downFor = Infinity;
  const deliveries = [delivery(1, envelope('m1'))];
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 50);
  assert.equal(await pipeline.process(makeBatch(deliveries), stop.signal), 'abandoned');
  assert.deepEqual(warehouse.ids, []);
  assert.ok(!deliveries[0]!.calls.includes('ack'));
  assert.ok(!deliveries[0]!.calls.includes('nak'), 'a nak now would be redelivered to this loader');
});

test('a message that is not an envelope is dead-lettered with the reason, never dropped', async () => {
  const { warehouse, pipeline } = setup();
  const deliveries = [
    delivery(1, envelope('m1')),
    delivery(2, 'not json{'),
    delivery(3, '{"v":1,"sourceId":"web"}'),
  ];
  assert.equal(await pipeline.process(makeBatch(deliveries), new AbortController().signal), 'loaded');
  assert.deepEqual(warehouse.ids, ['m1']);
  assert.deepEqual(
    warehouse.deadLetters.map((d) => [d.messageId, d.sourceId, d.envelope]),
    [
      ['nats-seq-2', 'web', 'not json{'],
      ['nats-seq-3', 'web', { v: 1, sourceId: 'web' }],
    ],
  );
  assert.match(warehouse.deadLetters[0]!.reason, /not JSON/);
  assert.match(warehouse.deadLetters[1]!.reason, /not an envelope: messageId missing/);
  for (const d of deliveries) assert.ok(d.calls.includes('ack'));
});

test('values kept in _rejected are counted per table once, when their batch loads', async () => {
  // Each event keeps two values in `_rejected` of `tracks`.
  const { metrics, pipeline } = setup({
    transform: (events) => [
      {
        sourceId: 'web',
        schema: 'web',
        tables: [
          {
            table: 'tracks',
            mode: 'append',
            columns: [],
            rows: events.map((e) => ({ id: e.envelope.messageId, _rejected: { a: 1, b: 2 } })),
          },
        ],
      },
    ],
  });
  const batch = () => makeBatch([delivery(1, envelope('m1')), delivery(2, envelope('m2'))]);
  const counted = async () =>
    (await metrics.rejectedValues.get()).values.map((v) => [v.labels.schema, v.labels.table, v.value]);
  assert.equal(await pipeline.process(batch(), new AbortController().signal), 'loaded');
  assert.deepEqual(await counted(), [['web', 'tracks', 4]]);
  // Redelivered: the warehouse reports it as already loaded, so nothing is counted twice.
  assert.equal(await pipeline.process(batch(), new AbortController().signal), 'loaded');
  assert.deepEqual(await counted(), [['web', 'tracks', 4]]);
});

test('two batches in flight: the second is prepared while the first loads, and commits after it', async () => {
  const events: string[] = [];
  let releaseFirst = () => {};
  const firstLoading = new Promise<void>((resolve) => (releaseFirst = resolve));
  const { warehouse, pipeline } = setup({
    transform: (enriched) => {
      events.push(`transform ${enriched[0]!.envelope.messageId}`);
      return transform(enriched);
    },
    flush: async () => {
      events.push('flush');
    },
  });
  const load = warehouse.load.bind(warehouse);
  warehouse.load = async (batch) => {
    const first = String(batch.sources[0]!.tables[0]!.rows[0]!.id);
    events.push(`load ${first}`);
    if (first === 'a1') await firstLoading;
    const result = await load(batch);
    events.push(`commit ${first}`);
    return result;
  };
  const a = [delivery(1, envelope('a1')), delivery(2, envelope('a2'))];
  const b = [delivery(3, envelope('b1'))];
  const signal = new AbortController().signal;
  const processing = [pipeline.process(makeBatch(a), signal), pipeline.process(makeBatch(b), signal)];
  // Let the second batch go as far as it may while the first is stuck in its load.
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.deepEqual([...events].sort(), ['load a1', 'transform a1', 'transform b1']);
  assert.ok(!b[0]!.calls.includes('ack'));
  releaseFirst();
  assert.deepEqual(await Promise.all(processing), ['loaded', 'loaded']);
  // The second batch loads only after the first committed and its acks were flushed.
  assert.deepEqual(events.slice(3), ['commit a1', 'flush', 'load b1', 'commit b1', 'flush']);
  assert.deepEqual(warehouse.ids, ['a1', 'a2', 'b1']);
});

test('a batch whose predecessor is abandoned is abandoned too, without loading out of order', async () => {
  const { warehouse, pipeline } = setup();
  warehouse.downFor = Infinity;
  const stop = new AbortController();
  const a = [delivery(1, envelope('a1'))];
  const b = [delivery(2, envelope('b1'))];
  const processing = [
    pipeline.process(makeBatch(a), stop.signal),
    pipeline.process(makeBatch(b), stop.signal),
  ];
  setTimeout(() => {
    warehouse.downFor = 0; // back up: only the order keeps the second batch from loading now
    stop.abort();
  }, 40);
  assert.deepEqual(await Promise.all(processing), ['abandoned', 'abandoned']);
  assert.deepEqual(warehouse.ids, []);
  for (const d of [...a, ...b]) assert.ok(!d.calls.includes('ack'));
});
