/**
 * The loader's Prometheus metrics, in a registry of its own (several loaders can share a process in
 * the tests, and the default registry would refuse the second set of names).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The pipeline's steps, in order: one file each in this folder, one span and one timing each. */
export const STEPS = [
  'decode',
  'stage-raw',
  'enrich',
  'transform',
  'plan',
  'stage-rows',
  'load',
  'dead-letter',
  'ack',
] as const;

export type Step = (typeof STEPS)[number];

/** What JetStream reports about the loader's consumer, read at scrape time. */
export interface ConsumerState {
  /** Messages not yet delivered (lag). */
  pending: number;
  /** Delivered and not yet acknowledged. */
  ackPending: number;
  /** Delivered more than once and not yet acknowledged. */
  redelivered: number;
}

export interface LoaderMetrics {
  registry: Registry;
  stepSeconds: Histogram<'step'>;
  batchEvents: Histogram;
  batchBytes: Histogram;
  batchSeconds: Histogram<'outcome'>;
  batches: Counter<'outcome'>;
  retries: Counter<'step'>;
  rowsLoaded: Counter<'table'>;
  deadLettered: Counter<'source' | 'reason'>;
  eventToWarehouseSeconds: Histogram;
  batchAgeSeconds: Histogram;
  /**
   * Records a batch (or the part of a split batch) that just committed, by its events' `receivedAt`:
   * each event's latency, and the batch's age (its oldest event's).
   */
  observeCommitted(receivedAt: readonly string[]): void;
  rejectedValues: Counter<'schema' | 'table'>;
  surrogatesReplaced: Counter<'source'>;
  consumerPending: Gauge;
  consumerAckPending: Gauge;
  consumerRedelivered: Gauge;
  /**
   * Sets where the consumer's lag comes from, asked at scrape time (consumer info from JetStream):
   * the lag that an autoscaler and an alert want, without a timer of our own. Unset, it is not reported.
   */
  measurePending(consumerState: () => Promise<ConsumerState | undefined>): void;
}

/** One JetStream request per scrape for the three consumer gauges, not one each. */
const CONSUMER_STATE_CACHE_MS = 1_000;

export function createLoaderMetrics(): LoaderMetrics {
  let consumerState: () => Promise<ConsumerState | undefined> = async () => undefined;
  let cached: { at: number; state: Promise<ConsumerState | undefined> } | undefined;
  const currentState = () => {
    const now = performance.now();
    if (!cached || now - cached.at > CONSUMER_STATE_CACHE_MS) {
      cached = { at: now, state: consumerState().catch(() => undefined) };
    }
    return cached.state;
  };
  const consumerGauge = (name: string, help: string, field: keyof ConsumerState) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const state = await currentState();
        if (state !== undefined) this.set(state[field]);
      },
    });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'eventpipe_loader_' });
  const registers = [registry];
  const eventToWarehouseSeconds = new Histogram({
    name: 'eventpipe_loader_event_to_warehouse_seconds',
    help: 'From the collector receiving an event (receivedAt) to the COMMIT of the batch that loaded it',
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600],
    registers,
  });
  const batchAgeSeconds = new Histogram({
    name: 'eventpipe_loader_batch_age_seconds',
    help: 'Age of the oldest event of a batch (from its receivedAt) when the batch commits',
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600, 21600, 86400],
    registers,
  });
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
      help: 'Messages stored as dead letters, by source and reason (undecodable, enrich, transform, load, max_deliveries)',
      labelNames: ['source', 'reason'],
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
    consumerPending: consumerGauge(
      'eventpipe_loader_consumer_pending_messages',
      'Messages in the stream not yet delivered to the loader consumer (lag)',
      'pending',
    ),
    consumerAckPending: consumerGauge(
      'eventpipe_loader_consumer_ack_pending_messages',
      'Messages delivered to the loader consumer and not yet acknowledged',
      'ackPending',
    ),
    consumerRedelivered: consumerGauge(
      'eventpipe_loader_consumer_redelivered_messages',
      'Messages delivered more than once and not yet acknowledged',
      'redelivered',
    ),
    eventToWarehouseSeconds,
    batchAgeSeconds,
    observeCommitted(receivedAt) {
      const now = Date.now();
      let oldest: number | undefined;
      for (const at of receivedAt) {
        const received = Date.parse(at);
        if (!Number.isFinite(received)) continue;
        // A receivedAt in the future (another host's clock ahead) counts as zero, not as negative.
        const seconds = Math.max(0, now - received) / 1000;
        eventToWarehouseSeconds.observe(seconds);
        oldest = Math.max(oldest ?? 0, seconds);
      }
      if (oldest !== undefined) batchAgeSeconds.observe(oldest);
    },
    measurePending(source) {
      consumerState = source;
    },
  };
}
