/**
 * The one message structure of eventpipe, from the collector's HTTP request to the warehouse row.
 *
 * `event` is the call exactly as the client sent it (minus the write key, which is a credential and
 * must never reach the archive or the warehouse). Everything the collector knows beside it lives in
 * the envelope's own fields; later stages (enrichment, transform) produce new values next to the
 * envelope and never edit `event`.
 */
import type { LosslessNumber } from '../json.js';

export const EVENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * A Segment spec call as sent. Only the fields the pipeline reads are typed; the rest is kept as-is.
 * Parsed with `parseJson`, a number a double cannot hold is a `LosslessNumber`, ids included.
 */
export interface SegmentEvent {
  type?: string;
  messageId?: string;
  userId?: string | number | LosslessNumber | null;
  anonymousId?: string | number | LosslessNumber | null;
  event?: string;
  name?: string;
  category?: string;
  groupId?: string | number | LosslessNumber;
  previousId?: string | number | LosslessNumber;
  timestamp?: string;
  originalTimestamp?: string;
  sentAt?: string;
  context?: Record<string, unknown>;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  integrations?: Record<string, unknown>;
  [key: string]: unknown;
}

export const ENVELOPE_VERSION = 1;

export interface Envelope {
  /** Envelope format version, so archived files stay readable when the format grows. */
  v: typeof ENVELOPE_VERSION;
  sourceId: string;
  type: EventType;
  /** The client's messageId, or one the collector assigned (then `messageIdAssigned` is true). */
  messageId: string;
  messageIdAssigned?: boolean;
  /** ISO-8601 time the collector received the request. */
  receivedAt: string;
  /** `sentAt` of the event, or of the batch request that carried it. */
  sentAt?: string;
  /** Client IP as seen by the collector (X-Forwarded-For honoured only from trusted proxies). */
  ip?: string;
  userAgent?: string;
  /** W3C trace context of the request that carried the event. */
  traceparent?: string;
  /** `context` sent at the batch level, which Segment merges under each event's own context. */
  batchContext?: Record<string, unknown>;
  event: SegmentEvent;
}
