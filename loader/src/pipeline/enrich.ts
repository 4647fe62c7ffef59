/**
 * Step 3, enrich: the configured enrichments compute their fields for each envelope (the raw event
 * is never edited). A failure here is permanent (the same input fails the same way): the runner
 * isolates the message at fault.
 */
import type { Envelope } from '@eventpipe/core';
import type { EnrichedEvent } from '../transform/types.js';
import type { Message } from './decode.js';

/** The enrichment seam: envelopes in, the same events with their computed fields out. */
export type EnrichEvents = (envelopes: Envelope[]) => EnrichedEvent[] | Promise<EnrichedEvent[]>;

export async function enrich(
  messages: readonly Message[],
  enrichEvents: EnrichEvents,
): Promise<EnrichedEvent[]> {
  return enrichEvents(messages.map((m) => m.envelope));
}
