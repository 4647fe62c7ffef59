/**
 * A validated call plus what the collector knows about its request → the `Envelope` published to
 * JetStream (see core's envelope/ for the meaning of each field and its encoding).
 */
import { randomUUID } from 'node:crypto';
import {
  ENVELOPE_VERSION,
  encodeEnvelope,
  eventSubject,
  natsMessageId,
  type Envelope,
} from '@eventpipe/core';
import { HttpError } from './errors.js';
import type { Call, RequestCalls } from './events.js';
import type { OutgoingMessage } from './publish.js';

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
 * Every call of a request as the JetStream message to publish. What is published is bounded by
 * `maxRequestPublishBytes`, not by the body's size: the batch's context and the request's headers are
 * stored with every call. Refused (413) as soon as the running total passes the limit, so an amplifying
 * request never holds more than that in memory.
 */
export function encodeMessages(
  calls: RequestCalls,
  request: RequestFacts,
  subjectPrefix: string,
  maxRequestPublishBytes: number,
  /** Tracing on: starts the event's producer span and returns its context, kept in the envelope. */
  traceOf?: (subject: string, msgID: string) => string,
): OutgoingMessage[] {
  let total = 0;
  return calls.calls.map((call): OutgoingMessage => {
    let envelope = buildEnvelope(call, request, calls);
    const subject = eventSubject(subjectPrefix, request.sourceId, call.type);
    const msgID = natsMessageId(request.sourceId, envelope.messageId);
    const traceparent = traceOf?.(subject, msgID);
    if (traceparent !== undefined) envelope = { ...envelope, traceparent };
    const payload = encodeEnvelope(envelope, call.eventJson, calls.contextJson);
    const bytes = Buffer.byteLength(payload);
    total += bytes;
    if (total > maxRequestPublishBytes) {
      const context =
        calls.contextJson === undefined
          ? ''
          : ` (each call is stored with the batch's context of ${Buffer.byteLength(calls.contextJson)} bytes)`;
      throw new HttpError(
        413,
        `request would store more than ${maxRequestPublishBytes} bytes in JetStream, the limit per request${context}`,
        { field: calls.contextJson === undefined ? '' : '/context' },
      );
    }
    return { subject, msgID, payload, bytes, ...(traceparent !== undefined && { traceparent }) };
  });
}
