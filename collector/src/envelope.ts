/**
 * A validated call plus what the collector knows about its request → the `Envelope` published to
 * JetStream (see core's envelope.ts for the meaning of each field).
 */
import { randomUUID } from 'node:crypto';
import { ENVELOPE_VERSION, type Envelope } from '@eventpipe/core';
import type { Call, RequestCalls } from './events.js';

/** What the collector learnt from the HTTP request, shared by every call it carried. */
export interface RequestFacts {
  sourceId: string;
  receivedAt: string;
  ip?: string;
  userAgent?: string;
  traceparent: string;
}

export function buildEnvelope(
  call: Call,
  request: RequestFacts,
  batch: Pick<RequestCalls, 'sentAt' | 'context'> = {},
  newId: () => string = randomUUID,
): Envelope {
  const clientId = call.event.messageId;
  const sentAt = typeof call.event.sentAt === 'string' ? call.event.sentAt : batch.sentAt;
  return {
    v: ENVELOPE_VERSION,
    sourceId: request.sourceId,
    type: call.type,
    // Without a client id a retry cannot be recognised; the assigned id at least makes the row unique.
    ...(clientId ? { messageId: clientId } : { messageId: newId(), messageIdAssigned: true }),
    receivedAt: request.receivedAt,
    ...(sentAt !== undefined && { sentAt }),
    ...(request.ip !== undefined && { ip: request.ip }),
    ...(request.userAgent !== undefined && { userAgent: request.userAgent }),
    traceparent: request.traceparent,
    ...(batch.context !== undefined && { batchContext: batch.context }),
    event: call.event,
  };
}

/**
 * The envelope as JSON, reusing the event's serialisation from validation (where its size was
 * measured) instead of serialising the event a second time. `event` is spliced in as the last key.
 */
export function encodeEnvelope(envelope: Envelope, eventJson: string): string {
  const { event: _event, ...fields } = envelope;
  return `${JSON.stringify(fields).slice(0, -1)},"event":${eventJson}}`;
}
