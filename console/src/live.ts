/**
 * The live stream: every event published on a source's subjects, as it arrives, sent to the browser
 * as server-sent events. Fed by a core NATS subscription per browser: it sees what the collector
 * publishes without touching the stream's consumers, so the loaders' durable consumer is never
 * shared, and nothing is kept once the browser goes away.
 *
 * The filters run here, so a busy source sends a browser only what it asked for; and a browser that
 * reads slower than events arrive skips events (each SSE message says how many) rather than making
 * this process buffer them.
 */
import type { Envelope } from '@eventpipe/core';
import { isEventType } from '@eventpipe/core';

export interface LiveFilter {
  type?: string;
  /** Part of the event name (track) or page/screen name, any case. */
  event?: string;
  /** The user id or anonymous id, exactly. */
  userId?: string;
}

/** Longer filter values cannot match anything useful; they are refused rather than compared. */
const MAX_FILTER_CHARS = 200;

export function parseLiveFilter(query: Record<string, unknown>): LiveFilter | string {
  const filter: LiveFilter = {};
  for (const key of ['type', 'event', 'userId'] as const) {
    const value = query[key];
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string' || value.length > MAX_FILTER_CHARS) {
      return `${key}: one value of at most ${MAX_FILTER_CHARS} characters`;
    }
    filter[key] = value;
  }
  if (filter.type !== undefined && !isEventType(filter.type)) {
    return `type: one of track, identify, page, screen, group, alias`;
  }
  return filter;
}

const idText = (id: unknown) => (id === undefined || id === null ? undefined : String(id));

/** The name a person would filter by: the track event's name, or the page's or screen's. */
export function eventName(envelope: Envelope): string | undefined {
  const { event, name } = envelope.event;
  const value = envelope.type === 'track' ? event : name;
  return typeof value === 'string' ? value : undefined;
}

export function matchesFilter(envelope: Envelope, filter: LiveFilter): boolean {
  if (filter.type !== undefined && envelope.type !== filter.type) return false;
  if (filter.event !== undefined) {
    const name = eventName(envelope);
    if (name === undefined || !name.toLowerCase().includes(filter.event.toLowerCase())) return false;
  }
  if (filter.userId !== undefined) {
    const ids = [idText(envelope.event.userId), idText(envelope.event.anonymousId)];
    if (!ids.includes(filter.userId)) return false;
  }
  return true;
}

/** One SSE message; `data` may span lines, each of which gets its own `data:` field. */
export function sseMessage(event: string, data: string): string {
  return `event: ${event}\n${data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`;
}
