/**
 * Step 8, dead letters: messages that can never load, kept with the reason and the message exactly
 * as consumed so they can be inspected and re-driven. Pure builders (used by the runner, replay and
 * the max-deliveries watch), and the step that stores them in the warehouse.
 */
import { decodeEnvelope, type Envelope } from '@eventpipe/core';
import { sourceOfSubject, type Delivery } from '../consume.js';
import type { DeadLetter, Warehouse } from '../load/warehouse.js';
import { STEPS, type LoaderMetrics } from './metrics.js';

/** The parts of a message a dead letter keeps: a delivery, or a message read back from the stream. */
export type StreamMessage = Pick<Delivery, 'origin' | 'seq' | 'subject' | 'data'>;

/** A message that did not decode into an envelope: kept as parsed JSON if it is JSON, else as text. */
export function undecodableDeadLetter(delivery: StreamMessage, reason: string): DeadLetter {
  const text = Buffer.from(delivery.data.buffer, delivery.data.byteOffset, delivery.data.byteLength).toString(
    'utf8',
  );
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the text itself is the evidence
  }
  const messageId = (body as { messageId?: unknown } | null)?.messageId;
  return {
    sourceId: sourceOfSubject(delivery.subject),
    // Without a usable message id the stream sequence names it, stable across redeliveries.
    messageId: typeof messageId === 'string' && messageId !== '' ? messageId : `nats-seq-${delivery.seq}`,
    origin: delivery.origin,
    streamSequence: delivery.seq,
    reason,
    envelope: body,
  };
}

/** An envelope the warehouse rejected on its own (isolated by splitting its batch). */
export function poisonDeadLetter(
  envelope: Envelope,
  at: { origin: string; seq: number },
  reason: string,
): DeadLetter {
  return {
    sourceId: envelope.sourceId,
    messageId: envelope.messageId,
    origin: at.origin,
    streamSequence: at.seq,
    reason,
    envelope,
  };
}

export const MAX_DELIVERIES_REASON = 'max deliveries exceeded';

/**
 * A dead letter's reason as a label from a small fixed set: `max_deliveries`, the step that refused
 * the message (`enrich`, `transform`, `load`: the pipeline's reasons start with `<step>: `), else
 * `undecodable` (not an envelope at all).
 */
export function deadLetterReason(deadLetter: { reason: string }): string {
  const { reason } = deadLetter;
  if (reason.startsWith(MAX_DELIVERIES_REASON)) return 'max_deliveries';
  const step = reason.slice(0, reason.indexOf(':'));
  return (STEPS as readonly string[]).includes(step) ? step : 'undecodable';
}

/**
 * A message JetStream gave up on after `max_deliver` deliveries without an ack, read back from the
 * stream by its sequence; `undefined` when the stream no longer holds it (limits retention), which
 * is recorded too, so the gap is visible.
 */
export function maxDeliveriesDeadLetter(
  origin: string,
  sequence: number,
  message: StreamMessage | undefined,
): DeadLetter {
  if (!message) {
    return {
      sourceId: 'unknown',
      messageId: `nats-seq-${sequence}`,
      origin,
      streamSequence: sequence,
      reason: `${MAX_DELIVERIES_REASON}; the stream no longer holds the message`,
      envelope: null,
    };
  }
  const decoded = decodeEnvelope(message.data);
  return decoded.ok
    ? poisonDeadLetter(decoded.envelope, message, MAX_DELIVERIES_REASON)
    : undecodableDeadLetter(message, `${MAX_DELIVERIES_REASON}; ${decoded.reason}`);
}

/** Stores the dead letters (one transaction) and counts them by source and reason. */
export async function storeDeadLetters(
  warehouse: Pick<Warehouse, 'deadLetter'>,
  deadLetters: DeadLetter[],
  metrics: Pick<LoaderMetrics, 'deadLettered'>,
): Promise<void> {
  await warehouse.deadLetter(deadLetters);
  for (const d of deadLetters) metrics.deadLettered.inc({ source: d.sourceId, reason: deadLetterReason(d) });
}
