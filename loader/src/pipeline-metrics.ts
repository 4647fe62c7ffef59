/**
 * The loader's Prometheus metrics, in a registry of its own (several loaders can share a process in
 * the tests, and the default registry would refuse the second set of names).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type Step = 'stage-raw' | 'enrich' | 'transform' | 'stage-rows' | 'load' | 'dead-letter' | 'ack';

export interface LoaderMetrics {
  registry: Registry;
  stepSeconds: Histogram<'step'>;
  batchEvents: Histogram;
  batchBytes: Histogram;
  batchSeconds: Histogram<'outcome'>;
  batches: Counter<'outcome'>;
  retries: Counter<'step'>;
  rowsLoaded: Counter<'table'>;
  deadLettered: Counter<'source'>;
  rejectedValues: Counter<'schema' | 'table'>;
  surrogatesReplaced: Counter<'source'>;
  consumerPending: Gauge;
  /**
   * Sets where the consumer's lag comes from, asked at scrape time (consumer info from JetStream):
   * the lag that an autoscaler and an alert want, without a timer of our own. Unset, it is not reported.
   */
  measurePending(pendingMessages: () => Promise<number | undefined>): void;
}

export function createLoaderMetrics(): LoaderMetrics {
  let pendingMessages: () => Promise<number | undefined> = async () => undefined;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'eventpipe_loader_' });
  const registers = [registry];
  return {
    registry,
    stepSeconds: new Histogram({
      name: 'eventpipe_loader_step_duration_seconds',
      help: 'Duration of one pipeline step for one batch (or part of a split batch)',
      labelNames: ['step'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    batchEvents: new Histogram({
      name: 'eventpipe_loader_batch_events',
      help: 'Messages per batch',
      buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000, 25000],
      registers,
    }),
    batchBytes: new Histogram({
      name: 'eventpipe_loader_batch_bytes',
      help: 'Message bytes per batch',
      buckets: [1e3, 1e4, 1e5, 1e6, 4e6, 16e6, 64e6],
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'eventpipe_loader_batch_duration_seconds',
      help: 'From batch closed to acked (or abandoned), retries included',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    batches: new Counter({
      name: 'eventpipe_loader_batches_total',
      help: 'Batches finished, by outcome (loaded, abandoned at shutdown)',
      labelNames: ['outcome'],
      registers,
    }),
    retries: new Counter({
      name: 'eventpipe_loader_batch_retries_total',
      help: 'Batch attempts that failed transiently and were retried, by failing step',
      labelNames: ['step'],
      registers,
    }),
    rowsLoaded: new Counter({
      name: 'eventpipe_loader_rows_loaded_total',
      help: 'Rows inserted or upserted, by <schema>.<table> (duplicates skipped are not counted)',
      labelNames: ['table'],
      registers,
    }),
    deadLettered: new Counter({
      name: 'eventpipe_loader_dead_lettered_total',
      help: 'Messages stored as dead letters, by source',
      labelNames: ['source'],
      registers,
    }),
    rejectedValues: new Counter({
      name: 'eventpipe_rejected_values_total',
      help:
        "Values loaded into a row's _rejected column because they fit no column (a type its column " +
        'cannot hold, key collisions, non-objects where objects belong, past the column budget), by ' +
        'warehouse schema and table, counted when their batch commits',
      labelNames: ['schema', 'table'],
      registers,
    }),
    surrogatesReplaced: new Counter({
      name: 'eventpipe_replaced_surrogates_total',
      help:
        'Strings of loaded events holding a lone UTF-16 surrogate (half an emoji), stored with U+FFFD ' +
        'in its place, by source, counted when their batch commits',
      labelNames: ['source'],
      registers,
    }),
    consumerPending: new Gauge({
      name: 'eventpipe_loader_consumer_pending_messages',
      help: 'Messages in the stream not yet delivered to the loader consumer (lag)',
      registers,
      async collect() {
        const pending = await pendingMessages().catch(() => undefined);
        if (pending !== undefined) this.set(pending);
      },
    }),
    measurePending(source) {
      pendingMessages = source;
    },
  };
}
