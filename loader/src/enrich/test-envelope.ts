/** Builds envelopes for the enrichment tests (test-only helper). */
import type { Envelope, EventType, SegmentEvent } from '@eventpipe/core';

export function envelopeOf(
  event: SegmentEvent & { type?: EventType },
  collector: Partial<Pick<Envelope, 'ip' | 'userAgent' | 'batchContext'>> = {},
): Envelope {
  const type = event.type ?? 'track';
  return {
    v: 1,
    sourceId: 'web',
    type,
    messageId: 'm-1',
    receivedAt: '2026-03-01T12:00:00.000Z',
    ...collector,
    event: { ...event, type },
  };
}
