/**
 * Step 1, decode: the batch's messages into envelopes. A message that is not an envelope is never
 * dropped: it becomes a dead letter with the reason, and the batch goes on without it.
 */
import { decodeEnvelope, type Envelope } from '@eventpipe/core';
import type { Delivery } from '../consume.js';
import type { DeadLetter } from '../load/warehouse.js';
import { undecodableDeadLetter } from './dead-letter.js';

/** A message and the envelope it holds; every later step carries both (the delivery is what gets acked). */
export interface Message {
  delivery: Delivery;
  envelope: Envelope;
}

export interface Decoded {
  /** The envelopes, in stream order. */
  messages: Message[];
  /** The messages that are not envelopes. */
  deadLetters: DeadLetter[];
}

export function decode(deliveries: readonly Delivery[]): Decoded {
  const decoded: Decoded = { messages: [], deadLetters: [] };
  for (const delivery of deliveries) {
    const result = decodeEnvelope(delivery.data);
    if (result.ok) decoded.messages.push({ delivery, envelope: result.envelope });
    else decoded.deadLetters.push(undecodableDeadLetter(delivery, result.reason));
  }
  return decoded;
}
