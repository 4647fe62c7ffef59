/**
 * The collector's Prometheus metrics, in a registry of its own (tests run several collectors in one
 * process), served on `collector.metricsPort`, apart from the public ingestion port.
 *
 * Names: `eventpipe_collector_*`, base units in the name (`_seconds`, `_bytes`), `_total` on counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Why a request got 503, from the refusal's message (see publish.ts `unavailable`). */
export type UnavailableCause =
  'inflight_limit' | 'publish_timeout' | 'no_stream' | 'stream_full' | 'nats' | 'closing';

export function unavailableCause(message: string): UnavailableCause {
  if (message.includes('awaiting acknowledgement')) return 'inflight_limit';
  if (message.includes('no acknowledgement')) return 'publish_timeout';
  if (message.includes('no JetStream stream')) return 'no_stream';
  if (message.includes('event buffer')) return 'stream_full';
  return 'nats';
}

/** A refused request's reason label, from its status: a small fixed set, whatever the message said. */
export function rejectionReason(status: number): string {
  switch (status) {
    case 400:
      return 'invalid';
    case 401:
      return 'unauthorized';
    case 404:
      return 'not_found';
    case 413:
      return 'too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'rate_limited';
    case 503:
      return 'unavailable';
    default:
      return status >= 500 ? 'internal_error' : 'other';
  }
}

/**
 * How many events a refused request carried, as far as its body tells: the length of a batch's
 * `batch` array, otherwise one.
 */
export function eventsInBody(body: unknown): number {
  const value = (body as { value?: unknown } | undefined)?.value;
  const batch = (value as { batch?: unknown } | null | undefined)?.batch;
  return Array.isArray(batch) && batch.length > 0 ? batch.length : 1;
}

export interface CollectorMetrics {
  registry: Registry;
  requests: Counter<'route' | 'status'>;
  requestSeconds: Histogram<'route'>;
  eventsAccepted: Counter<'source'>;
  eventsRejected: Counter<'reason' | 'source'>;
  requestBytes: Histogram;
  eventBytes: Histogram;
  publishSeconds: Histogram;
  unavailable: Counter<'cause'>;
  /** Sets where the in-flight events and bytes are read from at scrape time (the publisher). */
  measureInflight(events: () => number, bytes: () => number): void;
}

const BYTE_BUCKETS = [256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576];

export function createCollectorMetrics(): CollectorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'eventpipe_collector_' });
  const registers = [registry];
  let inflightEvents: () => number = () => 0;
  let inflightBytes: () => number = () => 0;
  new Gauge({
    name: 'eventpipe_collector_inflight_events',
    help: 'Events published to JetStream and awaiting their acknowledgement',
    registers,
    collect() {
      this.set(inflightEvents());
    },
  });
  new Gauge({
    name: 'eventpipe_collector_inflight_bytes',
    help: 'Bytes of the events awaiting their JetStream acknowledgement',
    registers,
    collect() {
      this.set(inflightBytes());
    },
  });
  return {
    registry,
    requests: new Counter({
      name: 'eventpipe_collector_requests_total',
      help: 'HTTP requests answered, by route (the matched path pattern) and status code',
      labelNames: ['route', 'status'],
      registers,
    }),
    requestSeconds: new Histogram({
      name: 'eventpipe_collector_request_duration_seconds',
      help: 'From a request arriving to its answer being sent, by route',
      labelNames: ['route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    eventsAccepted: new Counter({
      name: 'eventpipe_collector_events_accepted_total',
      help: 'Events stored in JetStream (including duplicates it recognised), by source',
      labelNames: ['source'],
      registers,
    }),
    eventsRejected: new Counter({
      name: 'eventpipe_collector_events_rejected_total',
      help: 'Events in refused requests, by reason and source ("unknown" before authentication)',
      labelNames: ['reason', 'source'],
      registers,
    }),
    requestBytes: new Histogram({
      name: 'eventpipe_collector_request_body_bytes',
      help: 'Request body size as received (before decompression)',
      buckets: BYTE_BUCKETS,
      registers,
    }),
    eventBytes: new Histogram({
      name: 'eventpipe_collector_event_bytes',
      help: 'Size of each accepted event as published (envelope included)',
      buckets: BYTE_BUCKETS,
      registers,
    }),
    publishSeconds: new Histogram({
      name: 'eventpipe_collector_publish_duration_seconds',
      help: "From publishing a request's events to JetStream to the last acknowledgement (or failure)",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    unavailable: new Counter({
      name: 'eventpipe_collector_unavailable_total',
      help: 'Requests answered 503, by cause (inflight_limit, publish_timeout, no_stream, nats, closing)',
      labelNames: ['cause'],
      registers,
    }),
    measureInflight(events, bytes) {
      inflightEvents = events;
      inflightBytes = bytes;
    },
  };
}
