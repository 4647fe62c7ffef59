/**
 * Dead letters: messages that can never load, kept with the reason and the message exactly as
 * consumed so they can be inspected and re-driven. Pure builders; the warehouse stores them.
 */
import type { Envelope } from '@eventpipe/core';
import { sourceOfSubject, type Delivery } from './consume.js';
import type { DeadLetter } from './load/warehouse.js';

/** A message that did not decode into an envelope: kept as parsed JSON if it is JSON, else as text. */
export function undecodableDeadLetter(delivery: Delivery, reason: string): DeadLetter {
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
    streamSequence: delivery.seq,
    reason,
    envelope: body,
  };
}

/** An envelope the warehouse rejected on its own (isolated by splitting its batch). */
export function poisonDeadLetter(envelope: Envelope, streamSequence: number, reason: string): DeadLetter {
  return { sourceId: envelope.sourceId, messageId: envelope.messageId, streamSequence, reason, envelope };
}
