/**
 * The dead-letter path after `max_deliver`. JetStream stops delivering a message that was delivered
 * `max_deliver` times without an ack, and says so only in an advisory. This listens for that
 * advisory, reads the message back from the stream by its sequence and stores it as a dead letter
 * ("max deliveries exceeded"), so it does not vanish. Works on nats-server 2.9.
 *
 * Every loader of a group listens, in one queue group, so each advisory is handled once. Advisories
 * are plain NATS messages: one published while no loader of the group runs is not seen again. The
 * message itself stays in the stream, and the loader logs every batch it abandons at its last
 * delivery with the sequences, so even then it can be found and re-driven.
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from '@eventpipe/core';
import { streamOrigin } from './consume.js';
import { maxDeliveriesDeadLetter, storeDeadLetters, type StreamMessage } from './pipeline/dead-letter.js';
import { retryUntilStopped, type RetryPolicy } from './pipeline/retry.js';
import type { LoaderMetrics } from './pipeline/metrics.js';
import type { Warehouse } from './load/warehouse.js';

/** The parts of a stored message a dead letter keeps. */
function pick(stored: Omit<StreamMessage, 'origin'>): Omit<StreamMessage, 'origin'> {
  return { seq: stored.seq, subject: stored.subject, data: stored.data };
}

export function maxDeliveriesSubject(stream: string, consumer: string): string {
  return `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${consumer}`;
}

/** The advisory's payload (`io.nats.jetstream.advisory.v1.max_deliver`), the fields used here. */
interface MaxDeliveriesAdvisory {
  stream_seq: number;
  deliveries: number;
}

/** The stream sequence an advisory names, or undefined for a payload that is not one. */
export function advisorySequence(data: Uint8Array): number | undefined {
  try {
    const advisory = JSON.parse(Buffer.from(data).toString('utf8')) as Partial<MaxDeliveriesAdvisory>;
    const seq = advisory.stream_seq;
    return typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0 ? seq : undefined;
  } catch {
    return undefined;
  }
}

export interface MaxDeliveriesDeps {
  nc: NatsConnection;
  jsm: JetStreamManager;
  stream: string;
  consumer: string;
  log: Logger;
  warehouse: Pick<Warehouse, 'deadLetter'>;
  metrics: Pick<LoaderMetrics, 'deadLettered'>;
  retry: RetryPolicy;
}

export interface MaxDeliveriesWatch {
  /** Stops listening; an advisory being handled gets its current attempt, then is logged as not stored. */
  close(): Promise<void>;
}

export function watchMaxDeliveries(deps: MaxDeliveriesDeps): MaxDeliveriesWatch {
  const { log, stream, consumer } = deps;
  const subject = maxDeliveriesSubject(stream, consumer);
  const sub: Subscription = deps.nc.subscribe(subject, { queue: `eventpipe-loader-${consumer}` });
  const closing = new AbortController();

  /** Reads the message back and stores it, as a dead letter. */
  async function store(seq: number): Promise<void> {
    const origin = streamOrigin(await deps.jsm.streams.info(stream));
    const stored = await deps.jsm.streams.getMessage(stream, { seq });
    const entry = maxDeliveriesDeadLetter(origin, seq, stored ? { ...pick(stored), origin } : undefined);
    await storeDeadLetters(deps.warehouse, [entry], deps.metrics);
    log.warn({ seq, messageId: entry.messageId, reason: entry.reason }, 'message stored as dead letter');
  }

  /** Stores the dead letter, retried with backoff until it works or the loader stops. */
  async function deadLetter(seq: number): Promise<void> {
    const outcome = await retryUntilStopped(() => store(seq), {
      policy: deps.retry,
      signal: closing.signal,
      onRetry: (error, attempt, delayMs) =>
        log.warn(
          { err: error, seq, attempt, delayMs },
          'storing a max-deliveries dead letter failed, will retry',
        ),
    });
    // Still in the stream under this sequence: it can be re-driven from there.
    if (!outcome.ok)
      log.error(
        { err: outcome.error, seq },
        'max deliveries exceeded, but the dead letter could not be stored',
      );
  }

  // One at a time: a burst of advisories (a whole batch at its last delivery) becomes a queue here
  // rather than a burst of warehouse connections.
  const done = (async () => {
    for await (const message of sub) {
      const seq = advisorySequence(message.data);
      if (seq === undefined) {
        log.error({ subject, data: message.string() }, 'unreadable max-deliveries advisory');
        continue;
      }
      log.warn({ seq }, 'JetStream gave up on a message after max_deliver deliveries');
      await deadLetter(seq);
    }
  })();

  return {
    async close() {
      closing.abort();
      sub.unsubscribe();
      await done;
    },
  };
}
